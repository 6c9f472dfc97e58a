"""Recompute on every edit, with a real Celery worker over the real Redis."""

import time

import pytest
import redis
from django.conf import settings

from claims.models import Map
from claims.services import edge_create, node_create, node_update
from cruxes.models import RankingRun
from cruxes.selectors import ranking_latest
from cruxes.services import vote_cast
from tests.factories import UserFactory
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def fresh_ranking(the_map):
    """The latest ranking if it is fresh (computed at the map's current version)."""
    the_map = Map.objects.get(pk=the_map.pk)
    ranking = ranking_latest(map=the_map)
    return ranking if not ranking["stale"] else None


@pytest.fixture
def small_map():
    purge_broker()  # messages of earlier tests name maps that no longer exist
    owner = UserFactory(username="mapper")
    from claims.services import map_create

    the_map = map_create(slug="worker-map", title="Worker map", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", title="Frame", category="outer", created_by=owner
    )
    rival = node_create(
        map=the_map, kind="frame", title="Rival", category="outer", created_by=owner
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", created_by=owner)
    edge_create(
        map=the_map, source=crux, target=frame, kind="supports", weight=0.8, created_by=owner
    )
    edge_create(
        map=the_map, source=crux, target=rival, kind="undermines", weight=0.5, created_by=owner
    )
    return the_map, crux


def test_a_vote_leads_to_a_fresh_ranking_that_reflects_it(small_map):
    the_map, crux = small_map
    with celery_worker(purge=False):
        first = wait_for(lambda: fresh_ranking(the_map), timeout=10)
        assert first["cruxes"][0]["n_votes"] == 0
        vote_cast(user=UserFactory(username="v1"), node=crux, credence=0.9)
        voted_version = Map.objects.get(pk=the_map.pk).graph_version
        after = wait_for(lambda: fresh_ranking(the_map), timeout=10)
    assert after["graph_version"] == voted_version > first["graph_version"]
    row = next(c for c in after["cruxes"] if c["id"] == crux.key)
    assert row["n_votes"] == 1
    assert row["credence"] != first["cruxes"][0]["credence"]


def test_fifty_rapid_edits_cost_at_most_five_computations(small_map):
    the_map, crux = small_map
    with celery_worker(purge=False):
        wait_for(lambda: fresh_ranking(the_map), timeout=10)
        runs_before = RankingRun.objects.filter(map=the_map).count()
        for i in range(50):
            crux = node_update(node=crux, edited_by=None, prior=0.3 + i / 100)
        final_version = Map.objects.get(pk=the_map.pk).graph_version
        ranking = wait_for(lambda: fresh_ranking(the_map), timeout=15)
        time.sleep(1.0)  # let any queued messages drain: they must not compute again
    assert ranking["graph_version"] == final_version
    computations = RankingRun.objects.filter(map=the_map).count() - runs_before
    assert 1 <= computations <= 5


def test_a_lost_recompute_message_is_repaired_by_the_sweep(small_map):
    the_map, crux = small_map
    purge_broker()
    vote_cast(user=UserFactory(username="v2"), node=crux, credence=0.2)
    # The message is in Redis now; delete it, as if it had been lost.
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert broker.llen("celery") >= 1
    broker.delete("celery")
    version = Map.objects.get(pk=the_map.pk).graph_version
    assert ranking_latest(map=Map.objects.get(pk=the_map.pk))["stale"]
    with celery_worker(beat=True, purge=False, env={"RANKING_SWEEP_SECONDS": "1"}):
        ranking = wait_for(lambda: fresh_ranking(the_map), timeout=20)
    assert ranking["graph_version"] == version


def test_celery_settings_are_safe_for_redelivery():
    assert settings.CELERY_TASK_TIME_LIMIT < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == (
        settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    )
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.RANKING_SWEEP_SECONDS < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
