"""Answer 503 with a clear message when the database is unreachable.

Without this a PostgreSQL outage would surface as a 500 page; with connection
health checks on, the next request after the outage reconnects by itself.
"""

import json
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

MESSAGE = "The database is unavailable right now; please try again in a moment."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self._unavailable(request, exc)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, OperationalError | InterfaceError):
            return self._unavailable(request, exc)
        return None

    def _unavailable(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.warning("database unavailable for %s: %s", request.path, exc)
        if request.path.startswith("/api/"):
            body = {"error": {"code": "database_unavailable", "message": MESSAGE, "fields": {}}}
            response = HttpResponse(json.dumps(body), status=503, content_type="application/json")
        else:
            response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        return response
