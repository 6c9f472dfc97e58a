"""The ranking worker leaves each map's compiled graph for the web processes (cruxes.
engine_cache): a cold my view or double crux after a run starts from it instead of reading
the whole map, never from a graph of another version, and survives a broken entry."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Edge, Map
from cruxes.engine_cache import _key, compiled_map_get
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
    shared = compiled_map_get(map_id=the_map.pk, version=run.graph_version)
    assert shared is not None and shared.version == the_map.graph_version
    assert set(shared.graph.keys) == set(the_map.nodes.values_list("key", flat=True))
    # Another version's graph is never handed out.
    assert compiled_map_get(map_id=the_map.pk, version=run.graph_version + 1) is None


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
    # The web process left what it compiled for the others, at the new version.
    assert compiled_map_get(map_id=the_map.pk, version=body["graph_version"]) is not None


def test_a_broken_entry_is_ignored(camps, client_for):
    the_map, voters = camps
    ranking_compute(map_id=the_map.pk)
    good = client_for(voters[0]).get(ME).json()
    cache.clear()
    forget_local()
    cache.set(_key(the_map.pk), b"not a pickle")
    assert client_for(voters[0]).get(ME).json() == good
