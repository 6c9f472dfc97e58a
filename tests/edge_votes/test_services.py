"""Edge votes through their services (issue 14): cast, revote, withdraw, history, the
map's version and recompute, and refused input that changes nothing."""

import math

import pytest

from claims.models import Edge, Map, MapChange
from claims.services import edge_delete, edge_update
from core.errors import NotFound, ValidationFailed
from cruxes.models import EdgeVote, EdgeVoteHistory
from cruxes.services import edge_vote_cast, edge_vote_withdraw
from tests.edge_votes.conftest import edge

pytestmark = pytest.mark.django_db


def version(graph) -> int:
    return Map.objects.values_list("graph_version", flat=True).get(pk=graph["map"].pk)


def history(user, e) -> list[tuple]:
    return list(
        EdgeVoteHistory.objects.filter(user=user, edge=e).values_list(
            "action", "strength", "previous_strength", "edge_revision"
        )
    )


def test_a_vote_is_stored_with_the_edge_revision_and_kept_in_history(graph, voter):
    nah = edge(graph, "nah")
    before = version(graph)
    vote = edge_vote_cast(user=voter, edge=nah, strength=0.8)
    stored = EdgeVote.objects.get(user=voter, edge=nah)
    assert (stored.strength, stored.edge_revision) == (0.8, 1) and vote.pk == stored.pk
    assert history(voter, nah) == [("cast", 0.8, None, 1)]
    assert version(graph) == before + 1
    change = MapChange.objects.get(map=graph["map"], graph_version=before + 1)
    # A vote's log entry names the nodes it bears on, never who (the diff shows no voter).
    assert change.action == "vote_edge_cast" and sorted(change.node_keys) == ["frame", "nah"]


def test_voting_again_updates_the_one_vote_and_the_history_keeps_both(graph, voter):
    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0.8)
    edge_vote_cast(user=voter, edge=nah, strength=0.25)
    assert list(EdgeVote.objects.filter(edge=nah).values_list("strength", flat=True)) == [0.25]
    assert history(voter, nah) == [("cast", 0.8, None, 1), ("change", 0.25, 0.8, 1)]


def test_the_same_strength_again_changes_nothing(graph, voter):
    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0.5)
    before = version(graph)
    edge_vote_cast(user=voter, edge=nah, strength=0.5)
    assert version(graph) == before and len(history(voter, nah)) == 1


def test_withdrawing_removes_the_vote_and_the_history_says_so(graph, voter):
    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0.7)
    before = version(graph)
    edge_vote_withdraw(user=voter, edge=nah)
    assert not EdgeVote.objects.filter(edge=nah).exists()
    assert history(voter, nah)[-1] == ("withdraw", None, 0.7, 1)
    assert version(graph) == before + 1
    with pytest.raises(NotFound, match="no vote on this edge"):
        edge_vote_withdraw(user=voter, edge=nah)
    assert version(graph) == before + 1


def test_zero_and_one_are_strengths_too(graph, voter, outsider):
    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0)
    edge_vote_cast(user=outsider, edge=nah, strength=1)
    assert sorted(EdgeVote.objects.filter(edge=nah).values_list("strength", flat=True)) == [0, 1]


@pytest.mark.parametrize(
    ("strength", "message"),
    [
        (1.5, r"strength 1\.5 is outside \[0, 1\]"),
        (-0.01, r"strength -0\.01 is outside \[0, 1\]"),
        (math.nan, "is outside"),
        (math.inf, "is outside"),
        (10**400, r"strength \(huge\) is outside"),
        ("0.5", "must be a number"),
        (True, "must be a number"),
        (None, "must be a number"),
    ],
)
def test_a_strength_that_is_not_a_number_in_0_1_is_refused_and_nothing_changes(
    graph, voter, counts, strength, message
):
    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0.4)
    before, rows = version(graph), counts()
    with pytest.raises(ValidationFailed, match=message) as refused:
        edge_vote_cast(user=voter, edge=nah, strength=strength)
    assert refused.value.fields == {"strength": [refused.value.fields["strength"][0]]}
    assert counts() == rows and version(graph) == before
    assert EdgeVote.objects.get(edge=nah).strength == 0.4


def test_a_vote_schedules_the_recompute_after_the_commit(
    graph, voter, django_capture_on_commit_callbacks, monkeypatch
):
    from claims import hooks

    told = []
    monkeypatch.setattr(hooks._registry, "graph_changed", [told.append])
    with django_capture_on_commit_callbacks(execute=True):
        edge_vote_cast(user=voter, edge=edge(graph, "nah"), strength=0.9)
    assert told == [graph["map"].pk]


def test_an_undercut_takes_votes_too(graph, voter):
    undercut = edge(graph, "undercut")
    edge_vote_cast(user=voter, edge=undercut, strength=0.9)
    assert EdgeVote.objects.get(edge=undercut).strength == 0.9
    change = MapChange.objects.filter(map=graph["map"]).latest("graph_version")
    assert sorted(change.node_keys) == ["frame", "nah", "objection"]


def test_a_vote_on_an_older_wording_is_stale_and_a_revote_catches_up(graph, voter):
    from cruxes.selectors import edge_vote_get

    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0.6)
    edge_update(edge=nah, user=graph["map"].owner, rationale="A better reason.")
    nah = edge(graph, "nah")
    assert nah.revision == 2
    assert edge_vote_get(user=voter, edge=nah)["stale"] is True
    edge_vote_cast(user=voter, edge=nah, strength=0.6)  # same strength, newer revision
    assert edge_vote_get(user=voter, edge=nah)["stale"] is False
    assert history(voter, nah)[-1] == ("change", 0.6, 0.6, 2)


def test_a_deleted_edge_takes_its_votes_with_it_and_a_vote_on_it_is_404(graph, voter):
    nah = edge(graph, "nah")
    edge_vote_cast(user=voter, edge=nah, strength=0.6)
    edge_delete(edge=nah, user=graph["map"].owner)
    assert not EdgeVote.objects.exists() and not EdgeVoteHistory.objects.exists()
    assert not Edge.objects.filter(key="objection--undercuts--nah--supports--frame").exists()
    with pytest.raises(NotFound, match="no longer exists"):
        edge_vote_cast(user=voter, edge=nah, strength=0.5)
