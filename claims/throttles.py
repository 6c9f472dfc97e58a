"""DRF throttles that fail open when the cache (Redis) is down.

Rate limits protect the service; they must not take it down with them: with
the cache unreachable a request is let through (and logged), not answered 500.
"""

import logging

from rest_framework import throttling

logger = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001 - any cache backend error
            logger.warning("throttle cache unavailable, allowing request: %s", exc)
            return True


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_FailOpen, throttling.ScopedRateThrottle):
    pass
