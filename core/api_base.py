"""Shared pieces of the REST API: the one error shape, strict JSON bodies, strict fields."""

import json
import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.response import Response
from rest_framework.views import APIView

from core import strict_json
from core.errors import ArgmapError, Moved, PayloadTooLarge, ValidationFailed, moved_location

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


def error_body(code: str, message: str, fields=None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status_code: int, code: str, message: str, fields=None) -> Response:
    return Response(error_body(code, message, fields), status=status_code)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error is {"error": {"code", "message", "fields"}} with the right status."""
    if isinstance(exc, Moved) and context.get("request") is not None:
        return moved_response(exc, context["request"])
    if isinstance(exc, ArgmapError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    if isinstance(exc, Http404):
        return error_response(404, "not_found", str(exc) or "not found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, "permission_denied", str(exc) or "permission denied")
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            413, "payload_too_large", "the request body is too large (DATA_UPLOAD_MAX_MEMORY_SIZE)"
        )
    if isinstance(exc, MultiPartParserError):
        return error_response(400, "invalid", f"malformed multipart body: {exc}")
    if isinstance(exc, SuspiciousOperation):
        # Django's own refusals (too many form fields or files...): a 400, as Django
        # would answer outside DRF, but in the one error shape.
        logger.warning("suspicious request refused: %s", exc)
        return error_response(400, "invalid", f"bad request: {exc}")
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


def moved_response(exc: Moved, request) -> Response:
    """A merged node's old key: a read is a 301 to the survivor's same path with a JSON
    pointer; a write is a 409 with the same pointer (see core.errors.Moved)."""
    location = moved_location(request.path, request.META.get("QUERY_STRING", ""), exc)
    pointer = {"merged_into": exc.new_key, "location": location}
    if request.method in ("GET", "HEAD"):
        response = Response(pointer, status=301)
    else:
        response = Response({**error_body(exc.code, exc.message, exc.fields), **pointer}, 409)
    response["Location"] = location
    return response


# --- request bodies ------------------------------------------------------

# No JSON body of the API (imports excepted: they read the raw body under
# ARGMAP_MAX_IMPORT_BYTES) comes near this: a node at every length limit, with
# 50 sources and every character escaped as a surrogate pair, is under 1 MB.
MAX_JSON_BODY_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_JSON_INT_DIGITS = 30


class StrictJSONParser(JSONParser):
    """JSON bodies, refusing what DRF's parser lets through or chokes on.

    The size is checked before reading (413); then invalid UTF-8, nesting past
    MAX_JSON_DEPTH (which would otherwise raise RecursionError: a 500),
    duplicate keys (which JSON leaves undefined), NaN/Infinity, overflowing
    numbers and unpaired surrogate escapes (the database cannot store them)
    are each a 400 naming the problem.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        meta = request.META if request is not None else {}
        too_large = PayloadTooLarge(
            f"the request body is too large (more than {MAX_JSON_BODY_BYTES} bytes)",
            fields={"$": ["too large"]},
        )
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_JSON_BODY_BYTES:
            raise too_large
        raw = stream.read(MAX_JSON_BODY_BYTES + 1)
        if len(raw) > MAX_JSON_BODY_BYTES:
            raise too_large
        encoding = get_encoding(parser_context)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(
                f"the body is not valid {encoding}: {exc.reason} at byte {exc.start}"
            ) from None
        text = text.removeprefix("\ufeff")
        try:
            data = strict_json.loads(
                text, max_depth=MAX_JSON_DEPTH, max_int_digits=MAX_JSON_INT_DIGITS
            )
        except strict_json.TooDeep as exc:
            raise exceptions.ParseError(str(exc)) from None
        except strict_json.StrictJsonError as exc:
            raise exceptions.ParseError(f"invalid JSON: {exc}") from None
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "invalid JSON: a string holds an unpaired surrogate escape (\\ud800-\\udfff)"
            ) from None
        return data


# What a JSON body that is not an object was, in JSON's words.
_JSON_TYPES = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
}


def validated(serializer_class, data) -> dict:
    """The body checked by an input serializer: a JSON object, or a 400 that says what it was."""
    if not isinstance(data, dict):
        kind = _JSON_TYPES.get(type(data), type(data).__name__)
        raise ValidationFailed(
            f"the request body must be a JSON object, not {kind}",
            fields={"$": ["expected an object"]},
        )
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ApiView(APIView):
    """Every argmap API view: JSON in through the strict parser."""

    parser_classes = [StrictJSONParser]


# --- unknown URLs under /api/ ----------------------------------------------


@csrf_exempt
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """No endpoint at this /api/ path: the JSON error shape, never Django's HTML page.

    Like APPEND_SLASH (which a catch-all route disables), a GET or HEAD of a
    path that exists with a trailing slash is redirected; other methods get the
    404 with the right path in the message (a redirect would drop their body).
    """
    path = request.path_info
    with_slash = None
    if not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            with_slash = request.path + "/"
    if with_slash and request.method in ("GET", "HEAD"):
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(with_slash + (f"?{query}" if query else ""))
    message = f"no API endpoint at {path[:200]!r}"
    if with_slash:
        message += f"; API paths end with '/': {with_slash[:200]!r}"
    return JsonResponse(error_body("not_found", message), status=404)


def page_not_found_json_under_api(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/, Django's page elsewhere."""
    if request.path_info.startswith("/api/"):
        message = str(exception) if isinstance(exception, Http404) and str(exception) else ""
        return JsonResponse(
            error_body("not_found", message or f"no API endpoint at {request.path_info[:200]!r}"),
            status=404,
        )
    return page_not_found(request, exception)


# --- fields ---------------------------------------------------------------


class StrictFloatField(serializers.FloatField):
    """A JSON number only: strings, booleans and null are refused (DRF would coerce)."""

    default_error_messages = {
        "invalid": "must be a number",
        "range": "must be between {min} and {max}",
    }

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        # math.isfinite on floats only: an int too large for a float would raise
        # OverflowError there (a 500); compared as given it is just out of range.
        if (
            (isinstance(data, float) and not math.isfinite(data))
            or (self.min_value is not None and data < self.min_value)
            or (self.max_value is not None and data > self.max_value)
        ):
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
