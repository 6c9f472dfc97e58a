"""The API endpoints and HTML pages cost as many queries on a 5,000-crux map as on a 10-crux one.

Both maps come from claims.synthetic (33 nodes: 10 cruxes; 16,667 nodes: 5,000 cruxes),
imported with map_import and ranked with ranking_refresh once for the module.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Map
from claims.services import map_import
from claims.synthetic import generate_map
from cruxes.models import CruxScore, RankingRun
from cruxes.services import ranking_refresh

pytestmark = pytest.mark.django_db

# nodes -> cruxes in claims.synthetic: round(0.3 * n) once the 10 frames are set aside
SIZES = {"small": (33, 10), "large": (16_667, 5_000)}

ENDPOINTS = {
    "map": "/api/v1/maps/{slug}/",
    "nodes": "/api/v1/maps/{slug}/nodes/",
    "nodes_page_size_500": "/api/v1/maps/{slug}/nodes/?page_size=500",
    "node": "/api/v1/maps/{slug}/nodes/{crux}/",
    "ranking": "/api/v1/maps/{slug}/ranking/",
    "ranking_limit": "/api/v1/maps/{slug}/ranking/?limit=5",
    "ranking_frame": "/api/v1/maps/{slug}/ranking/?frame={frame}",
    "edges": "/api/v1/maps/{slug}/edges/",
}


@pytest.fixture(scope="module")
def ranked_maps(django_db_setup, django_db_blocker):
    """Two public maps, committed and ranked once for the whole module; removed after."""
    with django_db_blocker.unblock():
        made = {}
        for name, (nodes, cruxes) in SIZES.items():
            doc = generate_map(nodes, seed=1)
            doc["map"]["slug"] = f"perf-{name}"
            doc["votes"] = []  # no voter accounts to clean up; the engine uses the priors
            map_import(data=doc, owner=None)
            the_map = Map.objects.get(slug=f"perf-{name}")
            ranking_refresh(map_id=the_map.pk)
            run = RankingRun.objects.get(map=the_map)
            assert CruxScore.objects.filter(run=run, frame_key="").count() == cruxes
            frame = next(n["id"] for n in doc["nodes"] if n["kind"] == "frame")
            crux = next(n["id"] for n in doc["nodes"] if n["kind"] == "crux")
            made[name] = {"slug": the_map.slug, "frame": frame, "crux": crux}
        yield made
        Map.objects.filter(slug__in=[m["slug"] for m in made.values()]).delete()


def _queries(url: str) -> tuple[int, list[str]]:
    client = APIClient()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured), [q["sql"][:200] for q in captured.captured_queries]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint_query_count_does_not_grow_with_the_map(ranked_maps, endpoint):
    counts = {}
    for name, params in ranked_maps.items():
        counts[name] = _queries(ENDPOINTS[endpoint].format(**params))
    (small, _), (large, large_sql) = counts["small"], counts["large"]
    assert small == large, f"{small} queries on 10 cruxes, {large} on 5,000:\n" + "\n".join(
        large_sql
    )
    assert large <= 6, "\n".join(large_sql)


PAGES = {
    "map": "/maps/{slug}/",
    "map_search": "/maps/{slug}/?q=claim",
    "frame": "/maps/{slug}/frames/{frame}/",
    "node": "/maps/{slug}/nodes/{crux}/",
    "graph": "/maps/{slug}/graph/",
    "graph_json": "/maps/{slug}/graph.json",
    "graph_json_frame": "/maps/{slug}/graph.json?frame={frame}",
}


@pytest.mark.parametrize("viewer", ["anonymous", "logged_in"])
@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_does_not_grow_with_the_map(ranked_maps, client, page, viewer):
    from tests.factories import UserFactory

    if viewer == "logged_in":
        client.force_login(UserFactory(username="perf-viewer"))
    counts = {}
    for name, params in ranked_maps.items():
        url = PAGES[page].format(**params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = [q["sql"][:200] for q in captured.captured_queries]
    small, large = counts["small"], counts["large"]
    assert len(small) == len(large), (
        f"{len(small)} queries on 10 cruxes, {len(large)} on 5,000:\n" + "\n".join(large)
    )


def test_ranking_lists_every_crux_with_its_frames(ranked_maps):
    body = APIClient().get(f"/api/v1/maps/{ranked_maps['large']['slug']}/ranking/").json()
    assert len(body["cruxes"]) == 5_000 and not body["stale"]
    assert [c["rank"] for c in body["cruxes"]] == list(range(1, 5_001))
    assert (
        sum(len(c["frames"]) for c in body["cruxes"])
        == CruxScore.objects.filter(run__map__slug=ranked_maps["large"]["slug"])
        .exclude(frame_key="")
        .count()
    )


def test_limited_ranking_lists_the_frames_of_its_cruxes_only(ranked_maps):
    slug = ranked_maps["large"]["slug"]
    full = APIClient().get(f"/api/v1/maps/{slug}/ranking/").json()["cruxes"]
    for limit in (5, 300):
        page = APIClient().get(f"/api/v1/maps/{slug}/ranking/?limit={limit}").json()["cruxes"]
        assert page == full[:limit]
