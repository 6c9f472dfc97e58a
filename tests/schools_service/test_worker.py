"""The schools task in a real Celery worker over the real Redis: it computes, and a
duplicate or redelivered message is harmless."""

import pytest

from claims.models import Map, Node
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
    queues = (settings.RANKING_QUEUE, settings.BACKGROUND_QUEUE)
    return not any(client.llen(q) for q in queues) and not client.hlen("unacked")


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


def test_a_vote_is_ranked_while_the_schools_wait_on_their_own_queue(camp_map, settings):
    """The ranking's worker takes no background job: with only it running, a vote's
    ranking comes fresh while the schools run waits on the background queue, and the
    background worker computes it when it starts (as docker-compose.yml deploys them)."""
    from cruxes.models import RankingRun, RunStatus

    the_map, voters = camp_map
    crux = Node.objects.get(map=the_map, key="c07")
    env = {"SCHOOLS_MIN_INTERVAL_S": "0"}
    with celery_worker(purge=False, env=env, queues=(settings.RANKING_QUEUE,)):
        vote_cast(user=voters[0], node=crux, credence=0.25)
        version = Map.objects.get(pk=the_map.pk).graph_version
        wait_for(
            lambda: RankingRun.objects.filter(
                map=the_map, graph_version=version, status=RunStatus.OK
            ).exists(),
            timeout=60,
        )
        waiting = wait_for(
            lambda: _queued(settings.BACKGROUND_QUEUE, b"recompute_schools"), timeout=10
        )
        assert waiting and not SchoolsRun.objects.filter(map=the_map).exists()
    with celery_worker(purge=False, queues=(settings.BACKGROUND_QUEUE,)):
        run = wait_for(
            lambda: SchoolsRun.objects.filter(map=the_map, graph_version=version).first(),
            timeout=60,
        )
    assert [g["size"] for g in run.groups] == [15, 15]


def _queued(queue: str, task: bytes) -> int:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return sum(task in m for m in client.lrange(queue, 0, -1))
