"""When the schools are recomputed: after a ranking run, at most one run per map every
SCHOOLS_MIN_INTERVAL_S on a busy map (a Redis flag, then one delayed message), and beat's
sweep of the maps whose schools are older than their ranking."""

import pytest
import redis
from django.conf import settings

from cruxes import tasks
from cruxes.schools_service import schools_compute, schools_stale_maps, schools_sweep
from cruxes.services import vote_cast
from tests.factories import MapFactory
from tests.worker import purge_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    purge_broker()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    purge_broker()


def queued(client) -> list[bytes]:
    """The messages waiting in the background queue, where the schools runs go (delayed
    ones wait unacked elsewhere)."""
    return client.lrange(settings.BACKGROUND_QUEUE, 0, -1)


def test_a_quiet_map_is_sent_at_once_and_a_busy_one_once_more_at_the_intervals_end(broker):
    assert tasks.recompute_schools_request(41) == "now"
    assert len(queued(broker)) == 1
    ttl = broker.ttl(tasks.schools_recent_key(41))
    assert 0 < ttl <= settings.SCHOOLS_MIN_INTERVAL_S
    # Busy: the next requests within the interval send one delayed message, then none.
    assert tasks.recompute_schools_request(41) == "later"
    assert tasks.recompute_schools_request(41) == "pending"
    assert tasks.recompute_schools_request(41) == "pending"
    assert broker.exists(tasks.schools_later_key(41))
    # Another map has its own interval.
    assert tasks.recompute_schools_request(42) == "now"


def test_a_run_starts_the_interval_and_takes_the_later_flag_down(broker, a_map):
    broker.set(tasks.schools_later_key(a_map.pk), 1)
    tasks.recompute_schools.run(a_map.pk)  # the task's body, in this process
    assert not broker.exists(tasks.schools_later_key(a_map.pk))
    assert broker.ttl(tasks.schools_recent_key(a_map.pk)) > 0
    assert tasks.recompute_schools_request(a_map.pk) == "later"


def test_no_interval_sends_every_request(broker, settings):
    settings.SCHOOLS_MIN_INTERVAL_S = 0
    assert [tasks.recompute_schools_request(7) for _ in range(3)] == ["now"] * 3
    assert len(queued(broker)) == 3


def test_a_broker_outage_does_not_fail_the_ranking(monkeypatch, caplog):
    def down(map_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "recompute_schools_request", down)
    tasks.recompute_schools_soon(5)  # no exception
    assert "could not enqueue recompute_schools(5)" in caplog.text


def test_the_sweep_asks_for_maps_whose_schools_are_older_than_their_ranking(
    broker, a_map, camp_voters
):
    # The fixture's ranking run already asked for schools (ranking_compute does): start
    # from an empty broker, as after a lost message.
    broker.flushdb()
    idle = MapFactory(slug="never-ranked")
    assert schools_stale_maps() == [a_map.pk]  # ranked (camp_voters), no schools yet
    assert idle.pk not in schools_stale_maps()
    assert schools_sweep() == 1
    assert len(queued(broker)) == 1
    schools_compute(map_id=a_map.pk)
    assert schools_stale_maps() == []
    # A vote and a new ranking run make the schools stale again.
    from claims.models import Node
    from cruxes.services import ranking_compute

    vote_cast(user=camp_voters[0], node=Node.objects.get(map=a_map, key="c07"), credence=0.2)
    ranking_compute(map_id=a_map.pk)
    assert schools_stale_maps() == [a_map.pk]
    # Within the interval the sweep's request waits for its end: one delayed message.
    assert schools_sweep() == 1
    assert broker.exists(tasks.schools_later_key(a_map.pk))


def test_beat_sweeps_stale_schools():
    from argmap.celery import app

    app.loader.import_default_modules()
    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "cruxes.tasks.sweep_stale_schools" in entries


@pytest.mark.parametrize("value", ["-1", "600", "soon"])
def test_a_bad_interval_stops_the_settings(value):
    from tests.test_project import run_settings

    result = run_settings({"DEBUG": "1", "SCHOOLS_MIN_INTERVAL_S": value})
    assert result.returncode != 0
    assert "SCHOOLS_MIN_INTERVAL_S" in result.stderr
