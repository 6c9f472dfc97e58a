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


class Moved(ArgmapError):
    """What was asked for was merged into something else (issue 17: a node's tombstone).

    The old key keeps working: a page or an API read answers 301 to the same path
    with `new_key` in place of `old_key` (core.html, core.api_base); a write is
    refused with this 409 and the same pointer, never applied to the survivor
    behind the client's back (it named another node).
    """

    status = 409
    code = "merged"

    def __init__(self, message: str, *, old_key: str, new_key: str, field: str = "key") -> None:
        super().__init__(message, fields={field: [f"merged into '{new_key}'"]})
        self.old_key = old_key
        self.new_key = new_key


def moved_location(path: str, query: str, exc: Moved) -> str:
    """`path?query` with the merged key replaced by the survivor's: every path segment
    after the map's slug (`/maps/<slug>/…`) and every query value that is the old key."""
    from urllib.parse import parse_qsl, urlencode

    parts = path.split("/")
    start = parts.index("maps") + 2 if "maps" in parts else 0
    parts = [p if i < start or p != exc.old_key else exc.new_key for i, p in enumerate(parts)]
    pairs = [
        (k, exc.new_key if v == exc.old_key else v)
        for k, v in parse_qsl(query, keep_blank_values=True)
    ]
    return "/".join(parts) + (f"?{urlencode(pairs)}" if pairs else "")
