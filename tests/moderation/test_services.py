"""The moderation services: who may, what they change, and that a refusal changes nothing."""

import pytest

from claims.models import Activity, ActivityVerb, Edge, EdgeRevision, Map, Node, NodeRevision
from claims.services import (
    edge_revert,
    edge_update,
    node_hide,
    node_restore,
    node_revert,
    node_update,
)
from core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def _version(the_map) -> int:
    return Map.objects.get(pk=the_map.pk).graph_version


def _node(the_map, key) -> Node:
    return Node.objects.get(map=the_map, key=key)


def _unchanged(the_map, counts, call):
    """`call` is refused, and neither the rows nor the graph version moved."""
    before, version = counts(), _version(the_map)
    with pytest.raises((Conflict, NotFound, PermissionDenied, ValidationFailed, NotAuthenticated)):
        call()
    assert counts() == before
    assert _version(the_map) == version


def test_hiding_a_node_flags_it_bumps_the_version_once_and_logs_it(mod_map, editor):
    version = _version(mod_map)
    node_hide(node=_node(mod_map, "vandal"), by=editor, reason="  spam  ")
    node = _node(mod_map, "vandal")
    assert node.hidden_at is not None and node.hidden_by == editor
    assert node.hidden_reason == "spam"
    assert _version(mod_map) == version + 1
    entry = Activity.objects.get(map=mod_map, verb=ActivityVerb.NODE_HIDDEN)
    assert (entry.actor, entry.node_key, entry.title) == (editor, "vandal", "Vandal crux")
    assert entry.graph_version == version + 1 and entry.detail == {"reason": "spam"}


def test_restoring_clears_the_flag_and_logs_it(mod_map, owner):
    node_hide(node=_node(mod_map, "vandal"), by=owner)
    version = _version(mod_map)
    node_restore(node=_node(mod_map, "vandal"), by=owner)
    node = _node(mod_map, "vandal")
    assert (node.hidden_at, node.hidden_by, node.hidden_reason) == (None, None, "")
    assert _version(mod_map) == version + 1
    assert Activity.objects.filter(map=mod_map, verb=ActivityVerb.NODE_RESTORED).count() == 1


def test_hiding_twice_is_a_conflict_and_changes_nothing(mod_map, owner, counts):
    node_hide(node=_node(mod_map, "vandal"), by=owner, reason="first")
    _unchanged(mod_map, counts, lambda: node_hide(node=_node(mod_map, "vandal"), by=owner))
    assert _node(mod_map, "vandal").hidden_reason == "first"


def test_restoring_a_visible_node_is_a_conflict_and_changes_nothing(mod_map, owner, counts):
    _unchanged(mod_map, counts, lambda: node_restore(node=_node(mod_map, "vandal"), by=owner))


@pytest.mark.parametrize("who", ["voter", "outsider"])
def test_only_owner_and_editors_moderate(mod_map, owner, request, who, counts):
    person = request.getfixturevalue(who)
    node_update(node=_node(mod_map, "good"), edited_by=owner, expected_revision=1, title="Better")
    node_hide(node=_node(mod_map, "claim"), by=owner)
    edge = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    edge_update(edge=edge, user=owner, rationale="why")
    for call in (
        lambda: node_hide(node=_node(mod_map, "vandal"), by=person),
        lambda: node_restore(node=_node(mod_map, "claim"), by=person),
        lambda: node_revert(node=_node(mod_map, "good"), revision=1, by=person),
        lambda: edge_revert(edge=edge, revision=1, by=person),
    ):
        _unchanged(mod_map, counts, call)


def test_a_too_long_reason_is_refused(mod_map, owner, counts):
    _unchanged(
        mod_map,
        counts,
        lambda: node_hide(node=_node(mod_map, "vandal"), by=owner, reason="x" * 501),
    )


def test_revert_writes_the_old_words_as_a_new_revision_and_keeps_the_history(mod_map, editor):
    node_update(node=_node(mod_map, "good"), edited_by=editor, expected_revision=1, title="Defaced")
    version = _version(mod_map)
    node = node_revert(node=_node(mod_map, "good"), revision=1, by=editor)
    assert (node.title, node.revision) == ("Good crux", 3)
    kept = dict(NodeRevision.objects.filter(node=node).values_list("revision", "title"))
    assert kept == {1: "Good crux", 2: "Defaced"}
    assert _version(mod_map) == version + 1
    entry = Activity.objects.get(map=mod_map, verb=ActivityVerb.NODE_REVERTED)
    assert entry.detail == {"to_revision": 1, "revision": 3}
    # The revert itself can be undone: back to revision 2's words, as revision 4.
    node = node_revert(node=node, revision=2, by=editor)
    assert (node.title, node.revision) == ("Defaced", 4)


def test_reverting_to_what_the_node_says_now_is_nothing_to_revert(mod_map, owner, counts):
    node_update(node=_node(mod_map, "good"), edited_by=owner, expected_revision=1, title="Two")
    for revision in (2,):  # the current one
        with pytest.raises(ValidationFailed, match="nothing to revert"):
            node_revert(node=_node(mod_map, "good"), revision=revision, by=owner)
    node_update(node=_node(mod_map, "good"), edited_by=owner, expected_revision=2, title="Two ")
    _unchanged(
        mod_map, counts, lambda: node_revert(node=_node(mod_map, "good"), revision=2, by=owner)
    )


@pytest.mark.parametrize("revision", [0, -1, 99, "1", True, None])
def test_a_revision_that_is_not_there_is_refused(mod_map, owner, counts, revision):
    node_update(node=_node(mod_map, "good"), edited_by=owner, expected_revision=1, title="Two")
    _unchanged(
        mod_map,
        counts,
        lambda: node_revert(node=_node(mod_map, "good"), revision=revision, by=owner),
    )


def test_edge_revert_brings_back_rationale_weight_and_sources(mod_map, owner):
    edge = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    edge_update(
        edge=edge,
        user=owner,
        rationale="Sound reasoning",
        sources=[{"document": "Paper", "locator": "p. 2", "quote": ""}],
    )
    edge_update(
        edge=Edge.objects.get(pk=edge.pk), user=owner, rationale="lol", weight=0.1, sources=[]
    )
    version = _version(mod_map)
    edge = edge_revert(edge=Edge.objects.get(pk=edge.pk), revision=2, by=owner)
    edge.refresh_from_db()
    assert (edge.rationale, edge.weight, edge.revision) == ("Sound reasoning", 0.6, 4)
    assert list(edge.sources.values_list("document", "locator")) == [("Paper", "p. 2")]
    kept = dict(EdgeRevision.objects.filter(edge=edge).values_list("revision", "rationale"))
    assert kept == {1: "", 2: "Sound reasoning", 3: "lol"}
    assert _version(mod_map) == version + 1
    entry = Activity.objects.get(map=mod_map, verb=ActivityVerb.EDGE_REVERTED)
    assert (entry.edge_key, entry.actor) == (edge.key, owner)


def test_edge_revert_to_the_current_revision_is_nothing_to_revert(mod_map, owner, counts):
    edge = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    edge_update(edge=edge, user=owner, rationale="now")
    _unchanged(
        mod_map,
        counts,
        lambda: edge_revert(edge=Edge.objects.get(pk=edge.pk), revision=2, by=owner),
    )
    with pytest.raises(ValidationFailed, match="nothing to revert"):
        edge_revert(edge=Edge.objects.get(pk=edge.pk), revision=2, by=owner)


def test_edge_revert_into_a_group_that_moved_on_is_a_conflict(mod_map, owner, counts):
    edge = Edge.objects.get(map=mod_map, source__key="claim", target__key="good")
    edge_update(edge=edge, user=owner, group="pair")
    edge_update(edge=Edge.objects.get(pk=edge.pk), user=owner, group=None)
    # Meanwhile "pair" became an argument about another target.
    other = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    edge_update(edge=other, user=owner, group="pair")
    _unchanged(
        mod_map,
        counts,
        lambda: edge_revert(edge=Edge.objects.get(pk=edge.pk), revision=2, by=owner),
    )
