"""The graph services: rules beyond the database, revisions, and version bumps."""

import pytest
from django.db import transaction

from claims.models import Edge, Map, NodeRevision
from claims.services import (
    edge_create,
    edge_delete,
    edge_update,
    map_create,
    node_create,
    node_delete,
    node_update,
)
from core.errors import Conflict, StaleRevision, ValidationFailed
from cruxes.models import Vote, VoteHistory
from cruxes.services import vote_cast, vote_withdraw
from tests.factories import EdgeFactory, FrameFactory, NodeFactory, UserFactory

pytestmark = pytest.mark.django_db


def version(the_map) -> int:
    return Map.objects.get(pk=the_map.pk).graph_version


@pytest.fixture
def frames(a_map):
    return {k: FrameFactory(map=a_map, key=k) for k in ("a", "b", "c")}


def link(a_map, source, target, kind="subframe_of", weight=1.0):
    return edge_create(
        map=a_map, source=source, target=target, kind=kind, weight=weight, created_by=None
    )


def test_subframe_cycle_is_refused(a_map, frames, counts):
    link(a_map, frames["a"], frames["b"])
    link(a_map, frames["b"], frames["c"])
    before = counts()
    with pytest.raises(ValidationFailed, match="cycle"):
        link(a_map, frames["c"], frames["a"])
    with pytest.raises(ValidationFailed, match="cycle"):
        link(a_map, frames["b"], frames["a"])
    assert counts() == before


def test_subframe_links_only_frames(a_map, frames):
    crux = NodeFactory(map=a_map, kind="crux")
    with pytest.raises(ValidationFailed, match="frame to a frame"):
        link(a_map, crux, frames["a"])


def test_support_and_undermine_cycles_are_allowed(a_map):
    x, y, z = (NodeFactory(map=a_map, kind="claim") for _ in range(3))
    link(a_map, x, y, "supports")
    link(a_map, y, z, "undermines")
    link(a_map, z, x, "supports")
    assert Edge.objects.filter(map=a_map).count() == 3


def test_edge_ends_must_be_in_the_same_map(a_map):
    here = NodeFactory(map=a_map)
    elsewhere = FrameFactory()
    with pytest.raises(ValidationFailed, match="same map"):
        link(a_map, here, elsewhere, "supports")


def test_duplicate_edge_is_a_conflict_and_self_loop_refused(a_map, frames):
    crux = NodeFactory(map=a_map)
    link(a_map, crux, frames["a"], "supports")
    with pytest.raises(Conflict):
        link(a_map, crux, frames["a"], "supports")
    with pytest.raises(ValidationFailed, match="itself"):
        link(a_map, crux, crux, "supports")
    with pytest.raises(ValidationFailed, match="weight"):
        link(a_map, crux, frames["b"], "supports", weight=-1)


def test_title_edit_keeps_the_old_version_and_votes_keep_their_revision(a_map, voter, editor):
    node = node_create(map=a_map, kind="crux", title="Old title", text="old", created_by=editor)
    vote_cast(user=voter, node=node, credence=0.7)
    node = node_update(node=node, edited_by=editor, expected_revision=1, title="New title")
    assert node.revision == 2
    old = NodeRevision.objects.get(node=node)
    assert (old.revision, old.title, old.text) == (1, "Old title", "old")
    vote = Vote.objects.get(user=voter, node=node)
    assert vote.node_revision == 1  # cast on the old wording: the UI can flag it stale
    with pytest.raises(StaleRevision):
        node_update(node=node, edited_by=editor, expected_revision=1, text="lost update")
    vote_cast(user=voter, node=node, credence=0.6)
    assert Vote.objects.get(user=voter, node=node).node_revision == 2


def test_vote_outside_range_is_refused(a_map, voter, counts):
    node = NodeFactory(map=a_map)
    before = counts()
    for bad in (1.5, 0.0, 1.0, -0.2, "0.5", True, None, float("nan")):
        with pytest.raises(ValidationFailed):
            vote_cast(user=voter, node=node, credence=bad)
    assert counts() == before


def test_vote_cast_change_and_withdraw_are_all_in_history(a_map, voter):
    node = NodeFactory(map=a_map)
    vote_cast(user=voter, node=node, credence=0.3)
    vote_cast(user=voter, node=node, credence=0.8)
    vote_withdraw(user=voter, node=node)
    history = list(VoteHistory.objects.filter(node=node).values_list("action", "credence"))
    assert history == [("cast", 0.3), ("change", 0.8), ("withdraw", None)]
    assert not Vote.objects.filter(node=node).exists()


def _writes(a_map, editor, voter):
    """Each write service, as a step that runs against fresh objects."""
    frame = FrameFactory(map=a_map, key="f")
    crux = NodeFactory(map=a_map, key="c")
    edge = EdgeFactory(map=a_map, source=NodeFactory(map=a_map, key="d"), target=frame)
    return {
        "node_create": lambda: node_create(
            map=a_map,
            kind="claim",
            title="New",
            created_by=editor,
            sources=[{"document": "004.txt", "locator": "x", "quote": ""}],
        ),
        "node_update": lambda: node_update(
            node=crux, edited_by=editor, expected_revision=1, title="Changed", prior=0.3
        ),
        "node_delete": lambda: node_delete(node=NodeFactory(map=a_map, key="gone")),
        "edge_create": lambda: link(a_map, crux, frame, "supports", 0.4),
        "edge_update": lambda: edge_update(edge=edge, weight=0.2),
        "edge_delete": lambda: edge_delete(edge=edge),
        "vote_cast": lambda: vote_cast(user=voter, node=crux, credence=0.7),
        "vote_change_and_withdraw": lambda: (
            vote_cast(user=editor, node=frame, credence=0.7),
            vote_withdraw(user=editor, node=frame),
        ),
    }


@pytest.mark.parametrize(
    ("service", "bumps"),
    [
        ("node_create", 1),
        ("node_update", 1),
        ("node_delete", 1),
        ("edge_create", 1),
        ("edge_update", 1),
        ("edge_delete", 1),
        ("vote_cast", 1),
        ("vote_change_and_withdraw", 2),
    ],
)
def test_every_write_bumps_graph_version_exactly_once_and_schedules_recompute(
    a_map, editor, voter, service, bumps, django_capture_on_commit_callbacks
):
    step = _writes(a_map, editor, voter)[service]
    before = version(a_map)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        step()
    assert version(a_map) == before + bumps
    assert len(callbacks) == bumps  # one recompute scheduled per write


def test_an_edit_that_changes_nothing_makes_no_new_version(
    a_map, editor, django_capture_on_commit_callbacks
):
    frame = FrameFactory(map=a_map, key="f-same")
    crux = NodeFactory(map=a_map, key="c-same", kind="crux", prior=0.4)
    edge = EdgeFactory(map=a_map, source=crux, target=frame, weight=0.5)
    before = version(a_map)
    with django_capture_on_commit_callbacks() as callbacks:
        node_update(
            node=crux, edited_by=editor, expected_revision=crux.revision,
            title=crux.title, text=crux.text, prior=0.4,
        )  # fmt: skip
        edge_update(edge=edge, weight=0.5, kind=edge.kind)
    assert version(a_map) == before and callbacks == []
    crux.refresh_from_db()
    assert crux.revision == 1 and not NodeRevision.objects.filter(node=crux).exists()
    node_update(node=crux, edited_by=editor, prior=0.41)
    assert version(a_map) == before + 1


def test_map_create_refuses_taken_or_malformed_slug(owner):
    map_create(slug="mine", title="Mine", owner=owner)
    with pytest.raises(Conflict):
        map_create(slug="mine", title="Again", owner=owner)
    with pytest.raises(ValidationFailed):
        map_create(slug="../etc", title="Path", owner=owner)


def test_node_create_refuses_hostile_values(a_map, editor, counts):
    before = counts()
    bad_calls = [
        {"kind": "frme", "title": "x"},
        {"kind": "claim", "title": ""},
        {"kind": "claim", "title": "x" * 201},
        {"kind": "claim", "title": "nul\x00byte"},
        {"kind": "claim", "title": "x", "category": "outer"},
        {"kind": "claim", "title": "x", "prior": 1.5},
        {"kind": "claim", "title": "x", "key": "Bad Key"},
    ]
    for kwargs in bad_calls:
        with pytest.raises(ValidationFailed):
            node_create(map=a_map, created_by=editor, **kwargs)
    assert counts() == before


def test_unique_key_is_derived_from_the_title(a_map, editor):
    one = node_create(map=a_map, kind="claim", title="Deception is likely", created_by=editor)
    two = node_create(map=a_map, kind="claim", title="Deception is likely", created_by=editor)
    assert (one.key, two.key) == ("deception-is-likely", "deception-is-likely-2")


def test_users_persona_helper_is_idempotent():
    assert UserFactory(username="x").pk == UserFactory(username="x").pk
