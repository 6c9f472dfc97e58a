"""The schools task in a real Celery worker over the real Redis: it computes, and a
duplicate or redelivered message is harmless."""

import inspect

import pytest

from claims.models import Map, Node
from cruxes import services
from cruxes.models import SchoolMember, SchoolsRun
from cruxes.services import vote_cast
from cruxes.tasks import recompute_schools
from tests.factories import MapFactory, UserFactory
from tests.schools.electorates import camps
from tests.schools_service.electorate_db import build_camp_map, cast_votes
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def camp_map():
    purge_broker()  # messages of earlier tests name maps that no longer exist
    the_map = MapFactory(slug="schools-worker", owner=UserFactory(username="mapper"))
    voters = cast_votes(the_map, build_camp_map(the_map), camps(0), prefix="worker-voter")
    return Map.objects.get(pk=the_map.pk), voters


def test_the_worker_computes_the_schools_once_per_version(camp_map):
    the_map, _ = camp_map
    version = the_map.graph_version
    with celery_worker(purge=False):
        # Three messages for one version (a duplicate, a redelivery): one run.
        for _ in range(3):
            recompute_schools.delay(the_map.pk)
        run = wait_for(lambda: SchoolsRun.objects.filter(map=the_map).first(), timeout=60)
        recompute_schools.delay(the_map.pk)
        # The queue drained: nothing more was computed.
        wait_for(lambda: _queue_empty(), timeout=30)
    assert SchoolsRun.objects.filter(map=the_map).count() == 1
    assert run.graph_version == version
    assert [g["size"] for g in run.groups] == [15, 15]
    assert SchoolMember.objects.filter(run=run).count() == 30
    assert run.duration_ms > 0


def _queue_empty() -> bool:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return client.llen("celery") == 0 and not client.hlen("unacked")


@pytest.mark.skipif(
    "recompute_schools_soon" not in inspect.getsource(services.ranking_compute),
    reason="the lead's glue line in ranking_compute is not in yet",
)
def test_a_vote_leads_to_fresh_schools_through_the_ranking(camp_map, settings):
    the_map, voters = camp_map
    crux = Node.objects.get(map=the_map, key="c07")
    with celery_worker(purge=False, env={"SCHOOLS_MIN_INTERVAL_S": "0"}):
        vote_cast(user=voters[0], node=crux, credence=0.25)
        version = Map.objects.get(pk=the_map.pk).graph_version
        run = wait_for(
            lambda: SchoolsRun.objects.filter(map=the_map, graph_version=version).first(),
            timeout=60,
        )
    assert len(run.groups) == 2
