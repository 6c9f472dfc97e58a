"""The ranking cache holds one rendering per run and frame filter (issue 12, item 4).

`?limit=` takes any integer; when each value had its own full-ranking entry,
20 anonymous requests left 20 copies in Redis, which is also the broker and
never evicts. A limit is now a slice of the one cached rendering.
"""

import json

import pytest
import redis
from django.conf import settings

from claims.models import Map
from claims.services import map_import
from cruxes.selectors import ranking_latest
from cruxes.services import ranking_refresh
from tests.conftest import SEED_PATH

pytestmark = pytest.mark.django_db

URL = "/api/v1/maps/alignment/ranking/"


@pytest.fixture
def seeded(owner):
    map_import(data=json.loads(SEED_PATH.read_text()), owner=owner)
    the_map = Map.objects.get(slug="alignment")
    ranking_refresh(map_id=the_map.pk)
    return the_map


def ranking_entries() -> list[bytes]:
    """The ranking's keys in the real Redis database the cache uses."""
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    return list(client.scan_iter(match="*ranking-json*", count=1000))


def test_twenty_distinct_limits_make_no_more_than_one_cache_entry(seeded, client):
    # One rendering per run and filter: the whole, and its short start (SHORT_PAGE cruxes)
    # that short pages and freshness polls read; never one per limit.
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert len(ranking_entries()) == 2  # the worker rendered the new run ahead
    total = len(ranking_latest(map=seeded)["cruxes"])
    for limit in range(1000, 1020):
        response = client.get(f"{URL}?limit={limit}")
        assert response.status_code == 200
        assert len(response.json()["cruxes"]) == min(limit, total)
    for limit in (1, 2, 3, 999_999_999):
        assert client.get(f"{URL}?limit={limit}").status_code == 200
    assert len(ranking_entries()) == 2


def test_each_frame_filter_has_one_entry_whatever_the_limits(seeded, client):
    frames = [f["id"] for f in ranking_latest(map=seeded)["frames"]][:3]
    assert len(frames) == 3
    for frame in frames:
        for limit in ("", "1", "2", "7", "500"):
            assert client.get(f"{URL}?frame={frame}&limit={limit}").status_code == 200
    # one rendering (whole and short start) per frame filter, and the global one the
    # worker rendered ahead
    assert len(ranking_entries()) == 2 * (len(frames) + 1)


@pytest.mark.parametrize("frame", [None, "inner-alignment"])
def test_a_limit_answers_the_first_cruxes_of_the_whole_ranking(seeded, client, frame):
    whole = ranking_latest(map=seeded, frame=frame)
    total = len(whole["cruxes"])
    assert total > 3
    query = f"frame={frame}&" if frame else ""
    for limit in (0, 1, 3, total - 1, total, total + 5):
        answer = client.get(f"{URL}?{query}limit={limit}").json()
        expected = json.loads(json.dumps(ranking_latest(map=seeded, frame=frame, limit=limit)))
        assert answer == expected, limit
        assert answer["cruxes"] == expected["cruxes"] == whole["cruxes"][:limit]
