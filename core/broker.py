"""The broker's Redis, for the flags kept next to the queues (a map's pending recompute,
its pending duplicate search, its schools throttle)."""

import redis
from django.conf import settings

_clients: dict[str, redis.Redis] = {}


def broker_redis() -> redis.Redis | None:
    """A client of the broker's Redis (built once per process), or None without one
    (tasks run in-process)."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    client = _clients.get(url)
    if client is None:
        # The broker's own timeouts: an outage costs a request seconds, not minutes.
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        client = _clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=options.get("socket_connect_timeout", 2),
            socket_timeout=options.get("socket_timeout", 5),
        )
    return client
