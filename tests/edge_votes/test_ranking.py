"""The ranking's inputs carry each edge's key, group, attacked edge, author's weight and
the voters' strengths weighed by their standing; the ranking then uses the pooled
strength (issue 14). The inputs cost the same queries whatever the number of edges."""

import pytest

from claims.models import Map
from claims.services import edge_create, map_create, member_set, node_create
from cruxes.selectors import ranking_inputs, ranking_latest
from cruxes.services import edge_vote_cast, ranking_refresh
from tests.edge_votes.conftest import build, edge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def inputs_by_key(the_map) -> dict:
    return {e.key: e for e in ranking_inputs(map_id=the_map.pk)[1]}


def test_edges_reach_the_engine_with_key_group_undercut_and_the_authors_weight(graph):
    edges = inputs_by_key(graph["map"])
    nah = edges["nah--supports--frame"]
    assert (nah.source, nah.target, nah.kind, nah.weight) == ("nah", "frame", "supports", 0.6)
    assert nah.group is None and nah.target_edge is None
    assert nah.strengths == () and nah.strength_weights == ()
    joint = [e for e in edges.values() if e.group == "joint"]
    assert sorted(e.source for e in joint) == ["premise-one", "premise-two"]
    assert {e.target for e in joint} == {"claim"}
    undercut = edges["objection--undercuts--nah--supports--frame"]
    assert (undercut.source, undercut.target, undercut.kind) == ("objection", "", "undercuts")
    assert undercut.target_edge == "nah--supports--frame" and undercut.weight == 0.4


def test_edge_votes_reach_the_engine_weighed_by_standing(graph, member, settings):
    settings.RANKING_NONMEMBER_WEIGHT = 0.1
    outsider = UserFactory(username="stranger")
    nah, doubt = edge(graph, "nah"), edge(graph, "doubt")
    edge_vote_cast(user=member, edge=nah, strength=0.9)
    edge_vote_cast(user=outsider, edge=nah, strength=0.2)
    edge_vote_cast(user=graph["map"].owner, edge=doubt, strength=0.7)
    edge_vote_cast(user=outsider, edge=edge(graph, "undercut"), strength=1.0)
    edges = inputs_by_key(graph["map"])
    voted = edges["nah--supports--frame"]
    assert voted.strengths == (0.2, 0.9) and voted.strength_weights == (0.1, 1.0)
    # Only full-weight votes: no weights, which the engine reads as all 1.0.
    owners = edges["doubt--undermines--frame"]
    assert owners.strengths == (0.7,) and owners.strength_weights == ()
    undercut = edges["objection--undercuts--nah--supports--frame"]
    assert undercut.strengths == (1.0,) and undercut.strength_weights == (0.1,)
    # Admitted, the outsider counts fully from the map's next version on.
    member_set(map=graph["map"], username="stranger", role="voter")
    assert inputs_by_key(graph["map"])["nah--supports--frame"].strength_weights == ()


def many_edges_map(owner, slug: str, cruxes: int, voters: int):
    """`cruxes` cruxes each supporting one frame, every edge voted on by `voters` people."""
    the_map = map_create(slug=slug, title=slug, owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    people = [UserFactory(username=f"{slug}-{i}") for i in range(voters)]
    for i in range(cruxes):
        crux = node_create(map=the_map, kind="crux", title=f"C{i}", key=f"c{i}", created_by=owner)
        e = edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
        for person in people:
            edge_vote_cast(user=person, edge=e, strength=0.5)
    return Map.objects.get(pk=the_map.pk)


def test_the_inputs_cost_the_same_queries_for_3_or_120_voted_edges(
    owner, django_assert_max_num_queries, django_assert_num_queries
):
    small = many_edges_map(owner, "small", cruxes=3, voters=2)
    large = many_edges_map(owner, "large", cruxes=120, voters=4)
    # standing, node votes, nodes, edges with their votes
    with django_assert_num_queries(5):
        ranking_inputs(map_id=small.pk)
    with django_assert_max_num_queries(5):
        _, edges = ranking_inputs(map_id=large.pk)
    assert len(edges) == 120 and all(len(e.strengths) == 4 for e in edges)


# --- the ranking uses the pooled strength -------------------------------------------


def crux_score(the_map, crux: str, frame: str) -> float:
    ranking_refresh(map_id=the_map.pk)
    run = ranking_latest(map=Map.objects.get(pk=the_map.pk), frame=frame)
    assert run["status"] == "ok" and not run["stale"], run
    return next(c["score"] for c in run["cruxes"] if c["id"] == crux)


@pytest.mark.parametrize("undercut", [False, True])
def test_strong_votes_on_an_argument_raise_its_cruxs_score_for_the_frame_over_weak_ones(
    owner, undercut
):
    strong = build(owner, slug="strong", undercut=undercut)
    weak = build(owner, slug="weak", undercut=undercut)
    assert crux_score(strong["map"], "nah", "frame") == crux_score(weak["map"], "nah", "frame")
    for i in range(5):
        voter = UserFactory(username=f"voter{i}")
        for built, strength in ((strong, 1.0), (weak, 0.0)):
            member_set(map=built["map"], username=voter.username, role="voter")
            edge_vote_cast(user=voter, edge=edge(built, "nah"), strength=strength)
    assert crux_score(strong["map"], "nah", "frame") > crux_score(weak["map"], "nah", "frame")
