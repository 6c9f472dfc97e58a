"""My activity: what others did where I watch, created or commented; never my own
actions, never a map I can no longer read."""

import pytest

from claims.models import ActivityVerb
from discussion.activity import activity_for_user
from discussion.watch import watch_set
from tests.activity.conftest import added, comment_on, hide, record
from tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


def texts(user) -> list[str]:
    return [e["text"] for e in activity_for_user(user=user).entries]


def test_a_watched_map_brings_everything_others_do_on_it(world, alice, owner, editor):
    w = world["public"]
    watch_set(user=alice, map=w["map"])
    added(w["crux"], owner)
    record(w["map"], ActivityVerb.MAP_EDITED, editor)
    added(world["private"]["crux"], owner)  # another map
    assert texts(alice) == [
        "editor changed the map's settings",
        "owner added the crux “Deception is likely”",
    ]


def test_a_watched_node_brings_its_entries_only(world, alice, owner):
    w = world["public"]
    watch_set(user=alice, map=w["map"], node=w["crux"])
    record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title="Deception")
    record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="other", title="Scaling")
    assert texts(alice) == ["owner edited the crux “Deception”"]


def test_nodes_i_created_and_things_i_commented_on_come_without_watching(
    world, alice, owner, editor
):
    w = world["public"]
    mine = NodeFactory(map=w["map"], key="mine", title="My crux", created_by=alice)
    added(mine, alice)  # my own action: not listed
    comment_on(mine, editor, body="Is it?")
    comment_on(w["other"], alice)
    comment_on(w["other"], owner, body="a reply")
    comment_on(w["edge"], alice)
    record(w["map"], ActivityVerb.EDGE_EDITED, editor, edge_key=w["edge"].key)
    record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title="unrelated")
    assert texts(alice) == [
        "editor edited the link “Deception is likely” supports “Alignment is hard”",
        "owner commented on the crux “Scaling helps”",
        "editor commented on the crux “My crux”",
    ]


def test_my_own_actions_are_never_listed(world, alice):
    w = world["public"]
    watch_set(user=alice, map=w["map"])
    added(w["crux"], alice)
    comment_on(w["crux"], alice)
    assert texts(alice) == []


def test_nothing_from_a_map_i_can_no_longer_read(world, voter, owner):
    w = world["private"]
    watch_set(user=voter, map=w["map"])
    added(w["crux"], owner)
    assert texts(voter) == ["owner added the crux “Deception is likely”"]
    w["map"].members.filter(user=voter).delete()
    assert texts(voter) == []


def test_hidden_node_entries_only_on_maps_i_moderate(world, voter, editor, owner, alice):
    for person in (voter, editor):
        watch_set(user=person, map=world["public"]["map"])
    spam = NodeFactory(map=world["public"]["map"], key="spam", title="Spam", created_by=alice)
    added(spam, alice)
    hide(spam, owner)
    assert texts(voter) == []
    assert texts(editor) == ["alice added the crux “Spam”"]


def test_pages_and_query_count(world, alice, owner, django_assert_max_num_queries):
    w = world["public"]
    watch_set(user=alice, map=w["map"])
    for i in range(5):
        record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title=f"v{i}")
    with django_assert_max_num_queries(6):
        first = activity_for_user(user=alice, limit=3)
    second = activity_for_user(user=alice, before=first.next_before, limit=3)
    assert [e["title"] for e in first.entries + second.entries] == [
        "v4", "v3", "v2", "v1", "v0"
    ]  # fmt: skip
    assert second.next_before is None


def test_someone_who_follows_nothing_sees_nothing(world, outsider, owner):
    added(world["public"]["crux"], owner)
    assert texts(outsider) == []
