"""Shared pieces of the REST API: the one error shape, strict fields, throttles."""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from claims.errors import ArgmapError

logger = logging.getLogger(__name__)

_DRF_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_format",
    429: "throttled",
}


def _flatten(detail: object, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {json.path: [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "non_field_errors":
                sub = path or "$"
            for k, v in _flatten(value, sub).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(d, dict | list) for d in detail):
            out[path or "$"] = [str(d) for d in detail]
        else:
            for i, value in enumerate(detail):
                for k, v in _flatten(value, f"{path}[{i}]").items():
                    out.setdefault(k, []).extend(v)
    else:
        out[path or "$"] = [str(detail)]
    return out


def error_response(status_code: int, code: str, message: str, fields=None) -> Response:
    return Response(
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status_code,
    )


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error is {"error": {"code", "message", "fields"}} with the right status."""
    if isinstance(exc, ArgmapError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    if isinstance(exc, Http404):
        return error_response(404, "not_found", str(exc) or "not found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, "permission_denied", str(exc) or "permission denied")
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "payload_too_large", "the request body is too large")
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc)
        return error_response(
            503, "database_unavailable", "the database is unavailable; try again shortly"
        )
    if isinstance(exc, DatabaseError):
        # A constraint the checks above missed: refuse the request, never a 500.
        logger.warning("database refused a write: %s", exc)
        return error_response(400, "invalid", "the database refused this change")
    if isinstance(exc, exceptions.APIException):
        code = _DRF_CODES.get(exc.status_code, "error")
        if isinstance(exc, exceptions.ValidationError):
            fields = _flatten(exc.detail)
            first = next(iter(fields.items()), ("$", ["invalid"]))
            message = f"{first[0]}: {first[1][0]}"
            return error_response(400, "invalid", message, fields)
        if isinstance(exc, exceptions.ParseError):
            return error_response(400, "invalid_json", f"malformed request body: {exc.detail}")
        response = error_response(exc.status_code, code, str(exc.detail))
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response
    return None


class StrictFloatField(serializers.FloatField):
    """A JSON number only: strings, booleans and null are refused (DRF would coerce)."""

    default_error_messages = {
        "invalid": "must be a number",
        "range": "must be between {min} and {max}",
    }

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        if not math.isfinite(data) or not self.min_value <= data <= self.max_value:
            self.fail("range", min=self.min_value, max=self.max_value)
        return float(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF would turn 5 into "5")."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField())
                ),
            },
        )
    },
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: OpenApiResponse(ERROR_SCHEMA, description=_DRF_CODES.get(c, "error")) for c in codes}
