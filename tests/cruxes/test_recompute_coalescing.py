"""One recompute message per map while one is pending, with a real worker over Redis.

A vote whose message is skipped (one is already waiting) must still be in the
ranking the worker computes: the worker takes the map's flag down before it
reads the map.
"""

import threading

import pytest

from claims.models import Map
from claims.services import edge_create, map_create, node_create
from cruxes import tasks
from cruxes.selectors import ranking_latest
from cruxes.services import vote_cast
from tests.factories import UserFactory
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def voted_map():
    purge_broker()
    owner = UserFactory(username="mapper")
    the_map = map_create(slug="coalesce", title="Coalesce", owner=owner)
    frame = node_create(map=the_map, kind="frame", title="F", category="outer", created_by=owner)
    cruxes = []
    for i in range(3):
        crux = node_create(map=the_map, kind="crux", title=f"C{i}", created_by=owner)
        edge_create(
            map=the_map, source=crux, target=frame, kind="supports", weight=0.5, created_by=owner
        )
        cruxes.append(crux)
    return the_map, cruxes


@pytest.fixture
def sent(monkeypatch):
    """How many recompute messages really went to the broker."""
    count = {"messages": 0}
    lock = threading.Lock()
    real = tasks.recompute_ranking.delay

    def counting(*args, **kwargs):
        with lock:
            count["messages"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.recompute_ranking, "delay", counting)
    return count


def fresh(the_map):
    ranking = ranking_latest(map=Map.objects.get(pk=the_map.pk))
    return None if ranking["stale"] else ranking


def test_votes_while_a_recompute_is_pending_send_no_message_yet_all_count(voted_map, sent):
    the_map, cruxes = voted_map
    voters = [UserFactory(username=f"voter{i}") for i in range(40)]
    with celery_worker(purge=False):
        wait_for(lambda: fresh(the_map), timeout=10)
        sent["messages"] = 0
        for i, voter in enumerate(voters):
            vote_cast(user=voter, node=cruxes[i % 3], credence=0.05 + i / 50)
        version = Map.objects.get(pk=the_map.pk).graph_version
        ranking = wait_for(
            lambda: (r := fresh(the_map)) and r["graph_version"] == version and r, timeout=10
        )
    assert sum(c["n_votes"] for c in ranking["cruxes"]) == 40
    # 40 votes in well under the worker's debounce: a handful of messages, not 40.
    assert 1 <= sent["messages"] <= 10, sent


def test_while_a_lost_message_holds_the_flag_the_sweep_repairs(voted_map, sent):
    import redis
    from django.conf import settings

    the_map, cruxes = voted_map
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # Building the map sent one ranking message (no worker runs yet); it is lost, its flag
    # stays. (The duplicate finder's message, claims.tasks, is another task's.)
    queued = broker.lrange("celery", 0, -1)
    assert sum(b"cruxes.tasks.recompute_ranking" in m for m in queued) == 1
    broker.delete("celery")
    for i, crux in enumerate(cruxes):
        vote_cast(user=UserFactory(username=f"v{i}"), node=crux, credence=0.8)
    assert sent["messages"] == 0  # each vote relied on the message that was lost
    assert 0 < broker.ttl(tasks.recompute_pending_key(the_map.pk)) <= tasks.RECOMPUTE_PENDING_TTL
    version = Map.objects.get(pk=the_map.pk).graph_version
    with celery_worker(beat=True, purge=False, env={"RANKING_SWEEP_SECONDS": "1"}):
        ranking = wait_for(
            lambda: (r := fresh(the_map)) and r["graph_version"] == version and r, timeout=20
        )
        # The worker took the flag down: the next vote publishes again.
        wait_for(lambda: not broker.exists(tasks.recompute_pending_key(the_map.pk)), timeout=5)
        vote_cast(user=UserFactory(username="late"), node=cruxes[0], credence=0.6)
        assert sent["messages"] == 1
    assert sum(c["n_votes"] for c in ranking["cruxes"]) == 3
