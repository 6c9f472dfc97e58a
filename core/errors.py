"""argmap's domain errors: one small hierarchy, mapped to 4xx in one place.

Services raise these when a change is not allowed; the API, the HTML views and
the management commands translate them (status, message, fields by path).
"""


class ArgmapError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def problems(self) -> list[str]:
        """Every problem as one line, `path: message` where a path is known."""
        if not self.fields:
            return [self.message]
        return [f"{path}: {msg}" for path, msgs in self.fields.items() for msg in msgs]


class ValidationFailed(ArgmapError):
    status = 400
    code = "invalid"


class NotFound(ArgmapError):
    status = 404
    code = "not_found"


class PermissionDenied(ArgmapError):
    status = 403
    code = "permission_denied"


class Conflict(ArgmapError):
    status = 409
    code = "conflict"


class StaleRevision(Conflict):
    code = "stale_revision"


class NotAuthenticated(ArgmapError):
    status = 401
    code = "not_authenticated"


class PayloadTooLarge(ArgmapError):
    status = 413
    code = "payload_too_large"


class UnsupportedFormat(ArgmapError):
    status = 415
    code = "unsupported_format"
