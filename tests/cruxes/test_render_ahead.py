"""The worker renders a new run's JSON from the engine's result in memory; a reader that
renders the stored rows must get the very same bytes (or the cache would serve another
ranking than the database holds)."""

import json
from pathlib import Path

import pytest
from django.core.cache import cache

from claims.models import Map
from claims.services import map_import
from cruxes.models import RankingRun
from cruxes.selectors import ranking_latest_json
from cruxes.services import ranking_refresh, vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEED = "fixtures/alignment.argmap.json"


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    settings.RANKING_DEBOUNCE_MS = 0


def test_the_rendering_ahead_is_the_rendering_of_the_stored_rows(owner):
    doc = json.loads(Path(SEED).read_bytes())
    map_import(data=doc, owner=owner)
    the_map = Map.objects.get(slug=doc["map"]["slug"])
    # Some votes, under and over the privacy floor, and on an undercut's source.
    nah = the_map.nodes.get(key="nah")
    for i in range(4):
        vote_cast(user=UserFactory(username=f"v{i}"), node=nah, credence=0.2 + 0.2 * i)
    lone = the_map.nodes.get(key="goal-misgeneralization")
    vote_cast(user=UserFactory(username="lone"), node=lone, credence=0.9)
    cache.clear()
    ranking_refresh(map_id=the_map.pk)  # stores the run and renders it ahead
    assert RankingRun.objects.filter(map=the_map).count() == 1
    ahead = ranking_latest_json(map=the_map)
    cache.clear()
    from_rows = ranking_latest_json(map=the_map)  # rendered from the stored rows
    assert ahead == from_rows
    body = json.loads(ahead)
    assert body["cruxes"] and any(c["why"]["frames"] for c in body["cruxes"])
    withheld = next(c for c in body["cruxes"] if c["id"] == "goal-misgeneralization")
    assert withheld["credence"] is None  # one voter: below the privacy floor
