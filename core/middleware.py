"""Request guards that answer before any view runs.

DatabaseUnavailableMiddleware: 503 with a clear message when the database is
unreachable. Without it a PostgreSQL outage would surface as a 500 page; with
connection health checks on, the next request after the outage reconnects.

NulByteMiddleware: 400 naming the parameter when a page's query string or form
carries a NUL byte, which PostgreSQL refuses in any text (a 500 otherwise).
"""

import json
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, QueryDict

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


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_parameter(params: QueryDict) -> str | None:
    """The name of the first parameter whose name or a value holds a NUL byte."""
    for name, values in params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "\\x00")
    return None


class NulByteMiddleware:
    """Refuse a NUL byte in a page's query string or form fields with a 400.

    PostgreSQL cannot store or compare text holding U+0000: a search, a filter
    or a form field carrying one would raise in the database, a 500. Checked
    here, once, every page and form is covered, those written later included.
    The API is left to its own field validators, which answer the same 400 in
    its JSON error shape. Uploaded files are not looked at: they are bytes,
    and the import's parser refuses what it cannot take.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        where, name = "query string", _nul_parameter(request.GET)
        content_type = request.content_type or ""
        if name is None and request.method == "POST" and content_type.startswith(_FORM_TYPES):
            where, name = "form", _nul_parameter(request.POST)
        if name is None:
            return self.get_response(request)
        message = (
            f"The {where} parameter '{name}' contains a NUL byte (%00), which argmap does "
            "not accept in any text; remove it and try again."
        )
        logger.info("refused a NUL byte in %s of %s", where, request.path)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
