"""Celery tasks: a few lines each, calling services. They take ids, never models."""

import contextlib
import logging
import time

import redis
from celery import shared_task
from django.conf import settings

from core.broker import broker_redis
from cruxes import services

logger = logging.getLogger(__name__)

# While a map's recompute message waits in the queue, further writes to the map
# need not send another: the worker reads the map's version only after it has
# taken the map's flag down, so every write committed before then is in its
# run. The flag lives in the broker's Redis, next to the queue: when Redis loses
# the queue it loses the flags too. Its TTL bounds how long a lost message (or a
# worker that died before clearing it) can hold publishing back; the beat sweep,
# which publishes directly, repairs the staleness meanwhile.
RECOMPUTE_PENDING_TTL = 60


def recompute_pending_key(map_id: int) -> str:
    return f"argmap:recompute-pending:{map_id}"


def _broker_redis() -> redis.Redis | None:
    # One name here, so that a test can stand a dead Redis in for this module's flags.
    return broker_redis()


def recompute_ranking_request(map_id: int) -> bool:
    """Publish recompute_ranking(map_id) unless one is already pending; True if sent.

    Raises what Redis or the broker raises (the caller decides what an outage means).
    """
    broker = _broker_redis()
    if broker is not None and not broker.set(
        recompute_pending_key(map_id), 1, nx=True, ex=RECOMPUTE_PENDING_TTL
    ):
        return False
    try:
        recompute_ranking.delay(map_id)
    except Exception:
        if broker is not None:
            # Not sent: the flag must not hold back the next write's message.
            with contextlib.suppress(Exception):
                broker.delete(recompute_pending_key(map_id))
        raise
    return True


# After a failed publish, skip further attempts for a few seconds: each attempt
# against a dead broker costs the web request a connect timeout, and the sweep
# re-enqueues every stale map once the broker is back.
_BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0


def recompute_ranking_soon(map_id: int) -> None:
    """Ask for the map's recompute; a broker outage must not fail the user's write.

    Registered with claims.hooks.on_graph_changed: called after each committed
    change of a map. The change is already committed; the periodic sweep picks
    the map up later if the message cannot be sent now.
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.warning("broker recently unreachable; recompute of map %s left to the sweep", map_id)
        return
    try:
        recompute_ranking_request(map_id)
    except Exception:
        _broker_down_until = time.monotonic() + _BROKER_BACKOFF_SECONDS
        logger.exception("could not enqueue recompute_ranking(%s); the sweep will retry", map_id)


@shared_task(
    name="cruxes.tasks.recompute_ranking",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def recompute_ranking(map_id: int) -> int:
    """Bring the map's ranking up to its graph_version; returns computations done."""
    broker = _broker_redis()
    if broker is not None:
        try:
            # First, so that a write committed from here on sends a new message.
            broker.delete(recompute_pending_key(map_id))
        except Exception:  # noqa: BLE001 - the flag expires by itself; compute anyway
            logger.warning("could not clear the recompute flag of map %s", map_id, exc_info=True)
    return services.ranking_refresh(map_id=map_id)


@shared_task(name="cruxes.tasks.sweep_stale_rankings", ignore_result=True)
def sweep_stale_rankings() -> int:
    """Re-enqueue every map whose latest run is older than its graph (lost messages)."""
    return services.ranking_sweep()


@shared_task(name="cruxes.tasks.prune_ranking_runs", ignore_result=True)
def prune_ranking_runs() -> int:
    """Delete the ranking runs no map keeps any more (the worker prunes after each run;
    this catches maps that get no new run, e.g. after lowering RANKING_KEEP_RUNS)."""
    return services.ranking_prune_all()


# ---- schools of thought (issue 18; cruxes/schools_service.py) -------------------------
# After each ranking run, but at most one schools run per map every
# SCHOOLS_MIN_INTERVAL_S seconds: clustering a busy map after every vote would keep a
# worker busy for nothing. The first request of a quiet map runs at once and marks the
# map "recent"; a request while it is recent sends one delayed message (its "later"
# flag) for when the interval ends, so the last changes are never left out for long;
# the beat sweep repairs what a lost message left stale.
_schools_local_recent: dict[int, float] = {}


def schools_recent_key(map_id: int) -> str:
    return f"argmap:schools-recent:{map_id}"


def schools_later_key(map_id: int) -> str:
    return f"argmap:schools-later:{map_id}"


def recompute_schools_request(map_id: int) -> str:
    """Publish recompute_schools(map_id) within the throttle: "now", "later" (a delayed
    message, for the end of the interval) or "pending" (one is already waiting).

    Raises what Redis or the broker raises (the caller decides what an outage means).
    """
    interval = settings.SCHOOLS_MIN_INTERVAL_S
    broker = _broker_redis()
    if broker is None:
        # No broker (tasks in-process, development): a process-local throttle only.
        now = time.monotonic()
        if now - _schools_local_recent.get(map_id, -interval - 1.0) < interval:
            return "pending"
        _schools_local_recent[map_id] = now
        recompute_schools.delay(map_id)
        return "now"
    if interval <= 0 or broker.set(schools_recent_key(map_id), 1, nx=True, ex=interval):
        try:
            recompute_schools.delay(map_id)
        except Exception:
            if interval > 0:
                with contextlib.suppress(Exception):
                    broker.delete(schools_recent_key(map_id))
            raise
        return "now"
    wait = broker.ttl(schools_recent_key(map_id))
    wait = wait if isinstance(wait, int) and wait > 0 else interval
    # The flag outlives the message's delay a little: if the message is lost, it
    # expires and the next request (or the sweep) sends another.
    if not broker.set(schools_later_key(map_id), 1, nx=True, ex=wait + 30):
        return "pending"
    try:
        recompute_schools.apply_async((map_id,), countdown=wait)
    except Exception:
        with contextlib.suppress(Exception):
            broker.delete(schools_later_key(map_id))
        raise
    return "later"


def recompute_schools_soon(map_id: int) -> None:
    """Ask for the map's schools after its ranking run stored; never raises (a broker
    outage must not fail the ranking: the sweep asks again)."""
    try:
        recompute_schools_request(map_id)
    except Exception:
        logger.exception("could not enqueue recompute_schools(%s); the sweep will retry", map_id)


@shared_task(
    name="cruxes.tasks.recompute_schools",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def recompute_schools(map_id: int) -> bool:
    """Bring the map's schools of thought up to its graph version; True if computed."""
    from cruxes.schools_service import schools_compute

    broker = _broker_redis()
    interval = settings.SCHOOLS_MIN_INTERVAL_S
    if broker is not None and interval > 0:
        try:
            # A run starts the map's interval; a request from now on waits for its end.
            broker.set(schools_recent_key(map_id), 1, ex=interval)
            broker.delete(schools_later_key(map_id))
        except Exception:  # noqa: BLE001 - the flags expire by themselves; compute anyway
            logger.warning("could not set the schools flags of map %s", map_id, exc_info=True)
    return schools_compute(map_id=map_id) is not None


@shared_task(name="cruxes.tasks.sweep_stale_schools", ignore_result=True)
def sweep_stale_schools() -> int:
    """Ask for the schools of every map whose schools are older than its ranking."""
    from cruxes.schools_service import schools_sweep

    return schools_sweep()
