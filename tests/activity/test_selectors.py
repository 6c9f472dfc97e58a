"""A map's activity (discussion.activity): words, links, filters, pages, hidden nodes."""

import pytest
from django.contrib.auth.models import AnonymousUser

from claims.models import ActivityVerb
from core.errors import ValidationFailed
from discussion.activity import (
    ActivityFilters,
    activity_filters_check,
    activity_of_map,
)
from tests.activity.conftest import added, comment_on, hide, record
from tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


def texts(page) -> list[str]:
    return [e["text"] for e in page.entries]


def of(the_map, user, role=None, **filters):
    return activity_of_map(map=the_map, user=user, role=role, filters=ActivityFilters(**filters))


def test_entries_read_as_sentences_newest_first_with_links(world, owner, alice):
    w = world["public"]
    added(w["crux"], owner)
    record(w["map"], ActivityVerb.EDGE_ADDED, owner, edge_key=w["edge"].key)
    comment_on(w["other"], alice)
    page = of(w["map"], AnonymousUser())
    assert texts(page) == [
        "alice commented on the crux “Scaling helps”",
        "owner linked “Deception is likely” supports “Alignment is hard”",
        "owner added the crux “Deception is likely”",
    ]
    commented, linked, crux_added = page.entries
    assert crux_added["url"] == "/maps/open-map/nodes/crux/"
    assert linked["url"] == f"/maps/open-map/nodes/crux/#edge-out-{w['edge'].key}"
    assert commented["url"].startswith("/maps/open-map/nodes/other/#comment-")
    assert page.next_before is None


def test_a_frame_links_to_its_frame_page_and_a_deleted_node_keeps_its_title(world, owner):
    w = world["public"]
    added(w["frame"], owner)
    gone = NodeFactory(map=w["map"], key="gone", title="Soon deleted")
    added(gone, owner)
    record(w["map"], ActivityVerb.NODE_DELETED, owner, node_key="gone", title="Soon deleted")
    gone.delete()
    deleted, added_gone, added_frame = of(w["map"], AnonymousUser()).entries
    assert added_frame["url"] == "/maps/open-map/frames/frame/"
    assert added_frame["text"] == "owner added the frame “Alignment is hard”"
    assert deleted["text"] == "owner deleted the node “Soon deleted”"
    assert deleted["url"] is None and added_gone["url"] is None


def test_votes_are_never_activity():
    assert not any("vote" in verb for verb in ActivityVerb.values)


def test_filters_by_actor_node_and_verb(world, owner, editor, alice):
    w = world["public"]
    added(w["crux"], owner)
    added(w["other"], editor)
    record(w["map"], ActivityVerb.NODE_EDITED, editor, node_key="crux", title="Deception")
    record(w["map"], ActivityVerb.EDGE_ADDED, owner, edge_key=w["edge"].key)
    anyone = AnonymousUser()
    assert texts(of(w["map"], anyone, actor="editor")) == [
        "editor edited the crux “Deception”",
        "editor added the crux “Scaling helps”",
    ]
    # A node's own entries and those of the links it is an end of.
    assert [e["verb"] for e in of(w["map"], anyone, node="crux").entries] == [
        "edge_added",
        "node_edited",
        "node_added",
    ]
    assert [e["actor"] for e in of(w["map"], anyone, verb="node_added").entries] == [
        "editor",
        "owner",
    ]
    assert of(w["map"], anyone, actor="nobody-by-this-name").entries == []
    assert of(w["map"], anyone, actor="alice").entries == []


def test_another_maps_entries_never_show(world, owner):
    added(world["private"]["crux"], owner)
    assert of(world["public"]["map"], owner, role="owner").entries == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"verb": "vote_cast"}, "verb"),
        ({"node": "Not A Key"}, "node"),
        ({"before": "abc"}, "before"),
        ({"before": "-3"}, "before"),
        ({"before": str(2**70)}, "before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"actor": "x" * 151}, "actor"),
        ({"actor": "a\x00b"}, "actor"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(params, field):
    with pytest.raises(ValidationFailed) as caught:
        activity_filters_check(params)
    assert field in caught.value.fields


def test_pages_follow_each_other_without_gaps_or_repeats(world, owner):
    w = world["public"]
    for i in range(7):
        record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title=f"v{i}")
    seen, before = [], None
    while True:
        page = of(w["map"], AnonymousUser(), before=before, limit=3)
        seen += [e["title"] for e in page.entries]
        assert len(page.entries) <= 3
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == [f"v{i}" for i in reversed(range(7))]


def test_a_page_costs_the_same_queries_whatever_its_entries(
    world, owner, alice, django_assert_max_num_queries
):
    w = world["public"]
    for _ in range(3):
        added(w["crux"], owner)
        record(w["map"], ActivityVerb.EDGE_ADDED, owner, edge_key=w["edge"].key)
        comment_on(w["other"], alice)
    with django_assert_max_num_queries(3):
        few = of(w["map"], AnonymousUser(), limit=3)
    with django_assert_max_num_queries(3):
        many = of(w["map"], AnonymousUser(), limit=100)
    assert len(few.entries) == 3 and len(many.entries) == 9


@pytest.mark.parametrize(
    ("who", "role", "sees_hidden"),
    [
        ("anonymous", None, False),
        ("outsider", None, False),
        ("voter", "voter", False),
        ("editor", "editor", True),
        ("owner", "owner", True),
    ],
)
def test_entries_about_hidden_nodes_are_for_the_owner_and_editors_only(
    world, owner, alice, request, who, role, sees_hidden
):
    w = world["public"]
    vandal = NodeFactory(map=w["map"], key="spam", title="Buy pills", created_by=alice)
    added(vandal, alice)
    comment_on(vandal, alice, body="more spam")
    spam_link = w["edge"].__class__.objects.create(
        map=w["map"], key="spam-link", source=vandal, target=w["frame"], kind="supports"
    )
    record(w["map"], ActivityVerb.EDGE_ADDED, alice, edge_key=spam_link.key)
    hide(vandal, owner)
    record(w["map"], ActivityVerb.NODE_HIDDEN, owner, node_key="spam", title="Buy pills")
    added(w["crux"], owner)
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    page = of(w["map"], user, role=role)
    about_spam = [e for e in page.entries if "Buy pills" in e["text"]]
    assert page.entries[0]["text"] == "owner added the crux “Deception is likely”"
    if sees_hidden:
        assert len(about_spam) == 4
        assert {e["hidden"] for e in about_spam if e["node"]} == {True}
    else:
        assert about_spam == []
        assert texts(page) == ["owner added the crux “Deception is likely”"]
    # The person filter (what moderators use to review one user) hides them too.
    assert len(of(w["map"], user, role=role, actor="alice").entries) == (3 if sees_hidden else 0)


def test_a_hidden_comment_is_left_out_for_others(world, alice, owner):
    w = world["public"]
    kept = comment_on(w["crux"], alice, body="fine")
    hidden = comment_on(w["crux"], alice, body="rude")
    hidden.hidden_at = hidden.created_at
    hidden.save(update_fields=["hidden_at"])
    ids = [e["comment_id"] for e in of(w["map"], AnonymousUser()).entries]
    assert ids == [kept.pk]
    ids = [e["comment_id"] for e in of(w["map"], owner, role="owner").entries]
    assert ids == [hidden.pk, kept.pk]


def test_a_ranking_entry_names_its_cruxes_and_not_hidden_ones_to_others(world, owner):
    w = world["public"]
    record(
        w["map"],
        ActivityVerb.RANKING_CHANGED,
        None,
        detail={
            "run": 1,
            "entered": ["crux", "other"],
            "left": ["gone"],
            "titles": {"gone": "Old"},
        },
    )
    hide(w["other"], owner)
    (entry,) = of(w["map"], AnonymousUser()).entries
    assert (
        entry["text"] == "The top ten cruxes changed (entered: “Deception is likely”; left: “Old”)"
    )
    assert entry["entered"] == [
        {"key": "crux", "title": "Deception is likely", "url": "/maps/open-map/nodes/crux/"}
    ]
    (entry,) = of(w["map"], owner, role="owner").entries
    assert [n["key"] for n in entry["entered"]] == ["crux", "other"]
