"""Each map compiled for the engine (cruxes.engine_cache): the ranking worker leaves it for
the web processes, a cold my view or double crux after a run starts from it instead of
reading the whole map, a vote since brings it up to date by reading that node's votes
alone (exactly what reading the whole map gives), anything else reads the whole map, and a
broken or foreign entry is ignored."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Edge, Map
from cruxes import engine_cache
from cruxes.engine_cache import _key, compiled_map_get, compiled_map_read
from cruxes.personal_views import forget_local
from cruxes.services import ranking_compute, vote_cast
from cruxes.sharing import sharing_set

pytestmark = pytest.mark.django_db

ME = "/api/v1/maps/camps/me/"
DOUBLE_CRUX = "/api/v1/maps/camps/double-crux/"


def _reads_the_graph(queries) -> bool:
    """A query over the map's edges: only the engine's inputs read them in these views."""
    return any(Edge._meta.db_table in q["sql"] for q in queries)


def test_a_run_leaves_the_compiled_graph_at_its_version(camps):
    the_map, _ = camps
    run = ranking_compute(map_id=the_map.pk)
    engine_cache.forget_local()  # as another process sees it: the shared entry
    shared = compiled_map_get(
        map_id=the_map.pk, created_at=the_map.created_at, version=run.graph_version
    )
    assert shared is not None and shared.version == the_map.graph_version
    assert set(shared.graph.keys) == set(the_map.nodes.values_list("key", flat=True))
    # Never a newer version's, nor another map's that had the same id.
    assert (
        compiled_map_get(
            map_id=the_map.pk, created_at=the_map.created_at, version=run.graph_version - 1
        )
        is None
    )
    engine_cache.forget_local()
    assert (
        compiled_map_get(
            map_id=the_map.pk, created_at=the_map.updated_at, version=run.graph_version
        )
        is None
    )


def test_a_cold_view_after_a_run_reads_no_graph_and_answers_the_same(camps, client_for):
    the_map, voters = camps
    ranking_compute(map_id=the_map.pk)
    sharing_set(user=voters[20], map=the_map, audience="everyone")
    client = client_for(voters[0])
    with CaptureQueriesContext(connection) as shared_start:
        me = client.get(ME).json()
        crux = client.get(DOUBLE_CRUX, {"with": voters[20].username}).json()
    assert not _reads_the_graph(shared_start.captured_queries)
    # The same answers when the web process compiles the map itself (no shared graph).
    cache.clear()
    forget_local()
    with CaptureQueriesContext(connection) as own_start:
        assert client.get(ME).json() == me
        assert client.get(DOUBLE_CRUX, {"with": voters[20].username}).json() == crux
    assert _reads_the_graph(own_start.captured_queries)
    assert [c["key"] for c in crux["cruxes"][:5]] and crux["no_frame_disagreement"] is False


def test_a_vote_after_the_run_is_counted_although_the_shared_graph_is_older(
    camps, outsider, client_for
):
    the_map, _ = camps
    run = ranking_compute(map_id=the_map.pk)
    vote_cast(user=outsider, node=the_map.nodes.get(key="c00"), credence=0.01)
    # No worker runs here: the shared graph is still the run's, one version behind.
    assert Map.objects.get(pk=the_map.pk).graph_version > run.graph_version
    body = client_for(outsider).get(ME).json()
    assert body["votes"] == 1 and body["graph_version"] > run.graph_version
    assert any(d["key"] == "c00" for d in body["differences"]["cruxes"])
    # The web process left what it brought up to date for the others, at the new version.
    engine_cache.forget_local()
    assert (
        compiled_map_get(
            map_id=the_map.pk, created_at=the_map.created_at, version=body["graph_version"]
        ).version
        == body["graph_version"]
    )


def test_a_broken_entry_is_ignored(camps, client_for):
    the_map, voters = camps
    ranking_compute(map_id=the_map.pk)
    good = client_for(voters[0]).get(ME).json()
    cache.clear()
    forget_local()
    cache.set(_key(the_map.pk), b"not a pickle")
    assert client_for(voters[0]).get(ME).json() == good


def _full(map_id: int):
    """The map read and compiled whole, as with nothing kept."""
    engine_cache.forget_local()
    cache.delete(_key(map_id))
    return compiled_map_read(map_id=map_id)


def _same(a, b) -> None:
    import numpy as np

    assert (a.version, a.graph.keys) == (b.version, b.graph.keys)
    for field in ("kind", "prior", "vote_counts", "vote_values", "vote_weights", "src", "weight"):
        assert np.array_equal(getattr(a.graph, field), getattr(b.graph, field)), field


def _read_counting_graph_queries(map_id: int):
    with CaptureQueriesContext(connection) as queries:
        compiled = compiled_map_read(map_id=map_id, share=True)
    return compiled, _reads_the_graph(queries.captured_queries)


def test_votes_and_priors_since_the_run_are_read_alone_and_give_the_whole_maps_graph(
    camps, outsider
):
    """A random run of votes cast, changed and withdrawn (members' and a non-member's, who
    weighs less) and priors edited: after each, the kept graph brought up to date equals
    the whole map compiled, and the map's edges were not read."""
    import random

    from claims.services import node_update
    from cruxes.services import vote_withdraw

    the_map, voters = camps
    ranking_compute(map_id=the_map.pk)
    rng = random.Random(11)
    nodes = list(the_map.nodes.filter(kind="crux"))
    people = [*voters[:4], outsider]
    for step in range(12):
        node = rng.choice(nodes)
        what = rng.choice(["vote", "vote", "withdraw", "prior"])
        if what == "vote":
            vote_cast(
                user=rng.choice(people), node=node, credence=round(rng.uniform(0.02, 0.98), 2)
            )
        elif what == "withdraw":
            user = rng.choice(people)
            if not node.votes.filter(user=user).exists():
                continue
            vote_withdraw(user=user, node=node)
        else:
            node = node_update(
                node=node, edited_by=the_map.owner, prior=round(rng.uniform(0.05, 0.95), 2)
            )
            nodes = [n if n.pk != node.pk else node for n in nodes]
        patched, read_graph = _read_counting_graph_queries(the_map.pk)
        assert not read_graph, (step, what)
        _same(patched, _full(the_map.pk))
        engine_cache.compiled_map_put(map_id=the_map.pk, compiled=patched)


@pytest.mark.parametrize("change", ["edge", "member", "silent bump", "hide"])
def test_any_other_change_reads_the_whole_map(camps, outsider, change):
    from django.db.models import F

    from claims.services import edge_create, member_set, node_hide

    the_map, voters = camps
    ranking_compute(map_id=the_map.pk)
    vote_cast(user=outsider, node=the_map.nodes.get(key="c05"), credence=0.9)
    if change == "edge":
        edge_create(
            map=the_map,
            source=the_map.nodes.get(key="c06"),
            target=the_map.nodes.get(key="f2"),
            kind="supports",
            created_by=the_map.owner,
        )
    elif change == "member":  # the outsider's vote now weighs fully
        member_set(map=the_map, username=outsider.username, role="voter", by=the_map.owner)
    elif change == "silent bump":  # a version without its change-log entry
        Map.objects.filter(pk=the_map.pk).update(graph_version=F("graph_version") + 1)
    else:
        node_hide(node=the_map.nodes.get(key="c07"), by=the_map.owner, reason="spam")
    compiled, read_graph = _read_counting_graph_queries(the_map.pk)
    assert read_graph
    _same(compiled, _full(the_map.pk))
