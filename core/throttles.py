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

Anonymous callers are counted by core.net.client_address (never by an
X-Forwarded-For they wrote themselves). The HTML forms that do what an API
endpoint does count against the same scope, rate and bucket through
`@throttled(scope)`: one allowance per person, whichever door they use.
"""

import functools
import logging
import math
import time
from collections.abc import Callable, Iterable
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from rest_framework import throttling

from core.net import client_address

logger = logging.getLogger(__name__)


@functools.cache
def _limiter(url: str) -> MovingWindowRateLimiter:
    """One limiter (and Redis connection pool) per process and URL."""
    # Short timeouts and no retries: an outage must cost a request milliseconds.
    storage = RedisStorage(url, socket_connect_timeout=1, socket_timeout=1, retry=None)
    return MovingWindowRateLimiter(storage)


class _MovingWindow:
    def get_ident(self, request) -> str:
        # DRF's own reads X-Forwarded-For whenever NUM_PROXIES is unset.
        return client_address(request)

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


# --- HTML forms ---------------------------------------------------------------


class _AddressScopedRateThrottle(ScopedRateThrottle):
    """A scope counted by address even for a signed-in caller (as the API's
    register and token endpoints count: they take no credentials)."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled(
    scope: str,
    *,
    methods: Iterable[str] = ("POST",),
    signed_in_scope: str | None = None,
    by_address: bool = False,
) -> Callable:
    """Count a page's `methods` requests against the API's throttle `scope`.

    Same rates (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) and the same buckets
    as the API: a signed-in person by account, anyone else by address. A form
    counts only what it submits (POST); a page shown (GET) is free. With
    `signed_in_scope`, signed-in people count against that scope instead (the
    export download: anonymous callers by "export", accounts by "user"). With
    `by_address`, everyone counts by address (sign-up and log-in forms, whose API
    twins take no credentials: a session must not open a fresh allowance).
    Past the rate: 429, a short page saying when to try again, Retry-After.
    """
    counted = frozenset(m.upper() for m in methods)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in counted:
                user = getattr(request, "user", None)
                signed_in = bool(user and user.is_authenticated)
                name = signed_in_scope if signed_in and signed_in_scope else scope
                throttle = _AddressScopedRateThrottle() if by_address else ScopedRateThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=name)):
                    return _too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _too_many_requests(request: HttpRequest, wait: float | None) -> HttpResponse:
    seconds = math.ceil(wait) if wait is not None else None
    body = render_to_string("core/too_many_requests.html", {"seconds": seconds}, request=request)
    response = HttpResponse(body, status=429)
    if seconds is not None:
        response["Retry-After"] = str(seconds)
    return response
