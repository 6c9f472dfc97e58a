"""The graph view: what it draws of a large map, its cache, and its layouts."""

from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims.models import Map, Node
from claims.page_selectors import GRAPH_LAYERED_MAX, GRAPH_LIMIT, GRAPH_LIMITS
from claims.services import edge_create, map_create, map_import, node_create, node_update
from claims.synthetic import generate_map
from tests.conftest import UNREACHABLE_CACHES

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_map(owner):
    """2,000 nodes: the busiest frame has far more than GRAPH_LIMIT nodes bearing on it."""
    doc = generate_map(2_000, seed=5)
    doc["map"]["slug"] = "large"
    doc["votes"] = []
    map_import(data=doc, owner=owner)
    return Map.objects.get(slug="large")


@pytest.fixture
def small_map(owner):
    the_map = map_create(slug="small", title="Small", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="A frame", key="f", created_by=owner
    )
    crux = node_create(map=the_map, kind="crux", title="A crux", key="c", created_by=owner)
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    return the_map


def busiest_frame(client, the_map) -> str:
    frames = Node.objects.filter(map=the_map, kind="frame").values_list("key", flat=True)
    return max(
        frames,
        key=lambda k: client.get(f"/maps/{the_map.slug}/graph.json?frame={k}").json()["total"],
    )


def test_a_large_neighbourhood_shows_at_most_the_limit_and_says_how_many_it_left_out(
    client, large_map
):
    frame = busiest_frame(client, large_map)
    body = client.get(f"/maps/large/graph.json?frame={frame}").json()
    assert body["total"] > GRAPH_LIMIT
    assert body["shown"] == len(body["nodes"]) == GRAPH_LIMIT
    assert body["more"] == GRAPH_LIMITS[1]
    ids = [n["data"]["id"] for n in body["nodes"]]
    assert ids[0] == frame  # nearest first
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in body["edges"])
    # too many to lay out in layers in the browser: rings by distance from the frame
    assert body["layout"] == "concentric"
    dist = [n["data"]["dist"] for n in body["nodes"]]
    assert dist[0] == 0 and body["nodes"][0]["data"]["kind"] == "frame"
    assert dist == sorted(dist)  # nearest first


def test_show_more_draws_the_next_size_and_only_offered_sizes_are_accepted(client, large_map):
    frame = busiest_frame(client, large_map)
    more = client.get(f"/maps/large/graph.json?frame={frame}&limit={GRAPH_LIMITS[1]}").json()
    assert more["shown"] == min(more["total"], GRAPH_LIMITS[1])
    odd = client.get(f"/maps/large/graph.json?frame={frame}&limit=5").json()
    assert odd["shown"] == GRAPH_LIMIT


def test_kind_filter_keeps_only_those_kinds(client, large_map):
    body = client.get("/maps/large/graph.json?kind=crux").json()
    assert {n["data"]["kind"] for n in body["nodes"]} == {"crux"}
    assert body["total"] == Node.objects.filter(map=large_map, kind="crux").count()


def test_a_small_graph_is_laid_out_in_layers_by_the_browser(client, small_map):
    body = client.get("/maps/small/graph.json").json()
    assert body["layout"] == "layered" and body["total"] == body["shown"] == 2
    assert body["more"] is None
    assert len(body["nodes"]) <= GRAPH_LAYERED_MAX


def test_the_graph_json_is_served_from_cache_after_the_first_request_without_recomputing(
    client, large_map
):
    url = "/maps/large/graph.json"
    first = client.get(url)
    with (
        mock.patch("claims.page_selectors.graph_elements", side_effect=AssertionError),
        CaptureQueriesContext(connection) as queries,
    ):
        again = client.get(url)
    assert again.content == first.content
    assert not any("claims_edge" in q["sql"] for q in queries.captured_queries)


def test_an_edit_changes_what_the_cached_graph_shows(client, small_map, owner):
    before = client.get("/maps/small/graph.json").json()
    crux = Node.objects.get(map=small_map, key="c")
    node_update(node=crux, title="Reworded", expected_revision=crux.revision, edited_by=owner)
    after = client.get("/maps/small/graph.json").json()
    labels = lambda body: {n["data"]["id"]: n["data"]["label"] for n in body["nodes"]}  # noqa: E731
    assert labels(before)["c"] == "A crux" and labels(after)["c"] == "Reworded"


def test_the_graph_is_served_when_the_cache_is_down(client, small_map):
    with override_settings(CACHES=UNREACHABLE_CACHES):
        response = client.get("/maps/small/graph.json")
    assert response.status_code == 200 and response.json()["total"] == 2


def test_the_page_preloads_exactly_the_url_its_script_fetches(client, small_map):
    html = client.get(
        "/maps/small/graph/?frame=f&kind=crux&kind=frame&limit=1200&utm=x"
    ).content.decode()
    src = "/maps/small/graph.json?frame=f&amp;kind=crux&amp;kind=frame&amp;limit=1200"
    assert f'<link rel="preload" href="{src}" as="fetch" crossorigin>' in html
    assert f'data-src="{src}"' in html
    # the kinds shown are the ones ticked
    assert 'value="claim" >' in html and 'value="crux" checked>' in html


def test_a_hostile_query_string_stays_inert_in_the_page(client, small_map):
    html = client.get('/maps/small/graph/?frame="><script>alert(1)</script>').content.decode()
    assert "<script>alert" not in html
