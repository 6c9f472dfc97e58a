"""A per-map lock so that only one recompute of a map runs at a time.

On PostgreSQL it is a session advisory lock: it needs no extra table, costs no
write, and the server releases it the moment a worker process dies (SIGKILL
included), so a killed worker can never leave a map locked. On SQLite (the
embedded development mode, tasks in-process) a process-local lock does.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

# First half of the two-int advisory key: a namespace so argmap's locks cannot
# collide with another application's on the same database.
_ADVISORY_NAMESPACE = 0x4152  # "AR"
_local_locks: dict[int, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def map_ranking_lock(map_id: int) -> Iterator[bool]:
    """Try to take the map's lock without waiting; yields whether it was taken."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, map_id])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, map_id]
                    )
        return
    with _local_guard:
        lock = _local_locks.setdefault(map_id, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
