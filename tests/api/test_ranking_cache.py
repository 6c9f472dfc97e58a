"""The ranking endpoint renders each stored run once and serves those bytes after.

A run never changes, so its JSON is cached; what does change without a new run
(`stale`, `map_graph_version`, `status`) must still be read on every request.
"""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims.models import Map
from claims.services import map_import
from cruxes.models import CruxScore
from cruxes.selectors import ranking_latest
from cruxes.services import ranking_refresh
from tests.conftest import SEED_PATH, UNREACHABLE_CACHES

pytestmark = pytest.mark.django_db

URL = "/api/v1/maps/alignment/ranking/"


@pytest.fixture
def seeded(people):
    map_import(data=json.loads(SEED_PATH.read_text()), owner=people["owner"])
    the_map = Map.objects.get(slug="alignment")
    ranking_refresh(map_id=the_map.pk)
    return the_map


def _score_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if CruxScore._meta.db_table in q["sql"]]


@pytest.mark.parametrize("query", ["", "?limit=5", "?frame=inner-alignment"])
def test_a_repeated_request_reads_no_score_rows_and_answers_the_same(seeded, client_for, query):
    client = client_for()
    first = client.get(URL + query)
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    with CaptureQueriesContext(connection) as captured:
        second = client.get(URL + query)
    assert _score_queries(captured) == []
    assert second.json() == first.json()
    # the same document the selector builds from the rows
    expected = ranking_latest(map=seeded, frame=query.partition("=")[2] or None, limit=None)
    if query == "?limit=5":
        expected = ranking_latest(map=seeded, limit=5)
    assert second.json() == json.loads(json.dumps(expected))


def test_staleness_is_live_while_the_cached_run_is_served(seeded, client_for, people):
    client = client_for(people["voter"])
    before = client.get(URL).json()
    assert before["stale"] is False
    crux = before["cruxes"][0]["id"]
    assert client.put(
        f"/api/v1/maps/alignment/nodes/{crux}/vote/", {"credence": 0.97}, format="json"
    ).status_code in (200, 201)
    after_vote = client.get(URL).json()
    assert after_vote["stale"] is True
    assert after_vote["map_graph_version"] == before["map_graph_version"] + 1
    assert after_vote["graph_version"] == before["graph_version"]


def test_a_new_run_replaces_the_cached_ranking(seeded, client_for, people):
    client = client_for(people["voter"])
    before = client.get(URL).json()
    crux = before["cruxes"][0]["id"]
    client.put(f"/api/v1/maps/alignment/nodes/{crux}/vote/", {"credence": 0.97}, format="json")
    ranking_refresh(map_id=seeded.pk)
    after = client.get(URL).json()
    assert after["stale"] is False and after["graph_version"] > before["graph_version"]
    moved = {c["id"]: c for c in after["cruxes"]}[crux]
    assert moved["credence"] != before["cruxes"][0]["credence"]
    assert after == json.loads(json.dumps(ranking_latest(map=Map.objects.get(pk=seeded.pk))))


def test_the_ranking_is_served_when_the_cache_is_unreachable(seeded, client_for):
    with override_settings(CACHES=UNREACHABLE_CACHES):
        response = client_for().get(URL + "?limit=3")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["cruxes"]] == [
        c["id"] for c in ranking_latest(map=seeded, limit=3)["cruxes"]
    ]


@pytest.mark.parametrize("query", ["", "?limit=1"])
def test_the_first_reader_after_a_new_run_is_served_from_the_cache(seeded, client_for, query):
    # the worker rendered the run ahead: even the first request reads no score rows
    with CaptureQueriesContext(connection) as captured:
        first = client_for().get(URL + query)
    assert first.status_code == 200
    assert _score_queries(captured) == []
    assert first.json()["cruxes"]
