"""DRF throttles on a moving window in Redis (the `limits` library), failing open.

DRF's own throttles keep each caller's recent request times as a pickled list in
the cache: a GET and a SET of the whole list per throttle and request, with a
race between the two. At the rates the API allows the list holds hundreds of
times, and that cost ~0.6 ms of CPU per vote, a quarter of it
(docs/BENCHMARKS.md). `limits` keeps the same moving window in Redis, checked
and counted by one atomic script: one round trip per throttle. The rates,
scopes and cache keys are DRF's; without Redis (development) DRF's code runs.

Rate limits protect the service; they must not take it down with them: with
Redis unreachable a request is let through (and logged), not answered 500.
"""

import functools
import logging
import time

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from rest_framework import throttling

logger = logging.getLogger(__name__)


@functools.cache
def _limiter(url: str) -> MovingWindowRateLimiter:
    """One limiter (and Redis connection pool) per process and URL."""
    # Short timeouts and no retries: an outage must cost a request milliseconds.
    storage = RedisStorage(url, socket_connect_timeout=1, socket_timeout=1, retry=None)
    return MovingWindowRateLimiter(storage)


class _MovingWindow:
    def allow_request(self, request, view) -> bool:
        self._window = None
        try:
            if not settings.REDIS_URL:
                return super().allow_request(request, view)
            return self._hit(request, view)
        except Exception as exc:  # noqa: BLE001 - any cache or Redis error
            logger.warning("throttle store unavailable, allowing request: %s", exc)
            return True

    def _hit(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self._window = (RateLimitItemPerSecond(self.num_requests, self.duration), key)
        return _limiter(settings.REDIS_URL).hit(*self._window)

    def wait(self) -> float | None:
        if self._window is None:
            return super().wait()
        try:
            stats = _limiter(settings.REDIS_URL).get_window_stats(*self._window)
        except Exception:  # noqa: BLE001 - the 429 stands; only its Retry-After is lost
            return None
        return max(0.0, stats.reset_time - time.time())


class AnonRateThrottle(_MovingWindow, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_MovingWindow, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_MovingWindow, throttling.ScopedRateThrottle):
    def _hit(self, request, view) -> bool:
        # As DRF's ScopedRateThrottle.allow_request: the view names the scope.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super()._hit(request, view)
