"""The map lists cost the same for a 10-node map and a large one (issue 12, item 1).

Before, GET /api/v1/maps/ counted nodes and edges with two Count(distinct=True)
over joins: every node of a map joined with every edge (nodes x edges rows),
sorted on disk to drop duplicates. One public 20k-node map made an anonymous
request run for minutes and fill PostgreSQL's temporary space. Counting in
subqueries removed the join but still read every index entry of every map's
nodes and edges on each request (45 ms at 100k nodes). Now the counts are the
map's own fields, kept by the services (tests/hardening/test_map_counts.py): the
lists read the map rows alone. These tests read PostgreSQL's own plans.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Edge, Map, Node
from claims.services import map_import, node_create
from claims.synthetic import generate_map
from tests.factories import MapFactory

pytestmark = pytest.mark.django_db

GRAPH_TABLES = {"claims_node", "claims_edge"}


def import_synthetic(slug: str, nodes: int) -> Map:
    doc = generate_map(nodes, seed=3)
    doc["map"]["slug"] = slug
    doc["votes"] = []
    map_import(data=doc, owner=None)
    return Map.objects.get(slug=slug)


def captured(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in queries.captured_queries]


def list_query(sqls: list[str]) -> str:
    """The one statement that reads the maps of the list (with their counts)."""
    found = [s for s in sqls if s.lstrip().startswith("SELECT") and 'FROM "claims_map"' in s]
    assert len(found) == 1, found
    return found[0]


def explain(sql: str, *options: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({', '.join([*options, 'FORMAT JSON'])}) {sql}")
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def tables_read(plan: dict) -> set[str]:
    """Every table the statement reads, in its main plan or in any subplan."""
    return {node["Relation Name"] for node in plan_nodes(plan) if "Relation Name" in node}


def add_nodes(the_map: Map, n: int) -> None:
    for i in range(n):
        node_create(map=the_map, kind="crux", title=f"Crux {i}", created_by=None)


@pytest.fixture
def large_map(db):
    return import_synthetic("large", 600)


@pytest.fixture(params=["anonymous", "logged_in"])
def viewer_client(request, owner):
    client = APIClient()
    if request.param == "logged_in":
        client.force_authenticate(owner)
    return client


def test_map_list_answers_the_right_counts_without_joining_the_graph(large_map, viewer_client):
    add_nodes(MapFactory(slug="small", owner=None), 3)
    maps = {m["slug"]: m for m in viewer_client.get("/api/v1/maps/").json()}
    assert maps["small"]["nodes"] == 3 and maps["small"]["edges"] == 0
    assert maps["large"]["nodes"] == Node.objects.filter(map=large_map).count() == 600
    assert maps["large"]["edges"] == Edge.objects.filter(map=large_map).count() > 1500


def test_map_list_costs_as_many_queries_for_five_maps_as_for_one(viewer_client):
    MapFactory(slug="first", owner=None)
    one = captured(viewer_client, "/api/v1/maps/")
    for i in range(4):
        add_nodes(MapFactory(slug=f"more-{i}", owner=None), 5)
    five = captured(viewer_client, "/api/v1/maps/")
    assert len(five) == len(one), "\n".join(five)
    assert len(viewer_client.get("/api/v1/maps/").json()) == 5


def test_map_list_costs_as_many_queries_for_a_large_map_as_for_a_small_one(viewer_client):
    import_synthetic("small", 12)
    small = captured(viewer_client, "/api/v1/maps/")
    import_synthetic("large", 600)
    large = captured(viewer_client, "/api/v1/maps/")
    assert len(small) == len(large), "\n".join(large)


def test_map_list_plan_reads_no_node_or_edge_table(viewer_client):
    """Not even in a subquery: nothing in the plan can grow with a map's graph."""
    import_synthetic("small", 12)
    small = tables_read(explain(list_query(captured(viewer_client, "/api/v1/maps/"))))
    import_synthetic("large", 600)
    large = tables_read(explain(list_query(captured(viewer_client, "/api/v1/maps/"))))
    assert "claims_map" in large
    assert not GRAPH_TABLES & large
    assert small == large


def test_map_list_writes_no_temporary_file_on_a_large_map(large_map, viewer_client):
    """Run for real (EXPLAIN ANALYZE): no sort or hash spills to disk.

    The old query joined 600 nodes x ~1,900 edges (over a million wide rows)
    and sorted them on disk, several MB of temporary blocks.
    """
    plan = explain(list_query(captured(viewer_client, "/api/v1/maps/")), "ANALYZE", "BUFFERS")
    written = sum(node.get("Temp Written Blocks", 0) for node in plan_nodes(plan))
    sorted_on_disk = [n for n in plan_nodes(plan) if n.get("Sort Space Type") == "Disk"]
    assert written == 0 and sorted_on_disk == []


def test_home_page_reads_its_counts_without_touching_the_graph(large_map, client, owner):
    client.force_login(owner)
    sqls = captured(client, "/")
    plan = explain(list_query(sqls), "ANALYZE", "BUFFERS")
    assert not GRAPH_TABLES & tables_read(plan)
    assert sum(node.get("Temp Written Blocks", 0) for node in plan_nodes(plan)) == 0
    add_nodes(MapFactory(slug="small", owner=None), 4)
    assert len(captured(client, "/")) == len(sqls)
    page = client.get("/").content.decode()
    assert "large" in page and "small" in page
    assert "0 frames · 4 cruxes · 4 nodes" in page
