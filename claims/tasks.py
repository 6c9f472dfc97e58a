"""Celery tasks of the graph app: the possible-duplicates list (issue 17).

A few lines each, calling services; they take ids, never models. Scheduled after
every committed change of a map (claims.hooks.on_graph_changed, registered in
ClaimsConfig.ready) and repaired by the beat sweep (argmap/celery.py).
"""

from __future__ import annotations

import contextlib
import logging
import time

import redis
from celery import shared_task

from claims.services import duplicates as service
from core.broker import broker_redis

logger = logging.getLogger(__name__)

# While a map's message waits, further edits need not send another: the task takes
# the flag down before it reads the map, so every edit committed before then is in
# its run. The countdown gathers a burst of edits (an import, a moderator's session)
# into one run; the TTL bounds how long a lost message holds publishing back (the
# sweep repairs meanwhile).
DUPLICATES_DELAY_SECONDS = 2
DUPLICATES_PENDING_TTL = 120
#: How often beat looks for maps whose list is older than their graph.
DUPLICATES_SWEEP_SECONDS = 300


def duplicates_pending_key(map_id: int) -> str:
    return f"argmap:duplicates-pending:{map_id}"


def _broker_redis() -> redis.Redis | None:
    # One name here, so that a test can stand a dead Redis in for this module's flags.
    return broker_redis()


_BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0


def duplicates_refresh_soon(map_id: int) -> None:
    """Ask for the map's duplicates recompute, once per burst of edits.

    Registered with claims.hooks.on_graph_changed (after the commit). A broker
    outage must not fail the user's write: the sweep picks the map up later.
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    broker = _broker_redis()
    try:
        if broker is not None and not broker.set(
            duplicates_pending_key(map_id), 1, nx=True, ex=DUPLICATES_PENDING_TTL
        ):
            return
        try:
            duplicates_refresh.apply_async((map_id,), countdown=DUPLICATES_DELAY_SECONDS)
        except Exception:
            if broker is not None:
                with contextlib.suppress(Exception):
                    broker.delete(duplicates_pending_key(map_id))
            raise
    except Exception:
        _broker_down_until = time.monotonic() + _BROKER_BACKOFF_SECONDS
        logger.exception("could not enqueue duplicates_refresh(%s); the sweep will retry", map_id)


@shared_task(
    name="claims.tasks.duplicates_refresh",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def duplicates_refresh(map_id: int) -> int:
    """Bring the map's possible-duplicate pairs up to its graph_version (idempotent)."""
    broker = _broker_redis()
    if broker is not None:
        try:
            broker.delete(duplicates_pending_key(map_id))  # first: later edits send anew
        except Exception:  # noqa: BLE001 - the flag expires by itself
            logger.warning("could not clear the duplicates flag of map %s", map_id, exc_info=True)
    return service.duplicates_refresh(map_id=int(map_id))


@shared_task(name="claims.tasks.sweep_stale_duplicates", ignore_result=True)
def sweep_stale_duplicates() -> int:
    """Re-enqueue the maps whose duplicates list is older than their graph (lost messages)."""
    stale = service.duplicates_stale_maps()
    for map_id in stale:
        duplicates_refresh.delay(map_id)
    return len(stale)
