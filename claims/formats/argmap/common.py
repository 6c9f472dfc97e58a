"""What the reader, the schema check, the graph rules and the writer share.

The format's constants, the error type, the list of problems a document collects
while it is checked, and how values and JSON paths are shown in the messages.
"""

from __future__ import annotations

import contextlib
import gc
import json
import numbers
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMAT_NAME = "argmap"
FORMAT_VERSION = 2  # what the writer writes
READ_VERSIONS = (1, 2)  # what the reader reads (a v1 document is normalised to v2)

# The same limits as the schema's maxItems (tests/formats checks they agree).
MAX_NODES = 200_000
MAX_EDGES = 1_000_000
MAX_VOTES = 2_000_000
MAX_EDGE_VOTES = 2_000_000
MAX_RATIONALE_CHARS = 2000
MAX_DEPTH = 64  # arrays and objects nested deeper than this are refused before json.loads
MAX_PROBLEMS = 1000  # an ArgmapFormatError lists at most this many (plus a final note)
MAX_MESSAGE_CHARS = 200
MAX_INT_DIGITS = 1000

DEFAULT_CATEGORY = None
DEFAULT_TEXT = ""
DEFAULT_PRIOR = 0.5
DEFAULT_WEIGHT = 1.0
DEFAULT_RATIONALE = ""
DEFAULT_GROUP = None
DEFAULT_VISIBILITY = "public"
DEFAULT_DESCRIPTION = ""
FLOAT_DECIMALS = 6

JsonPath = tuple[str | int, ...]


class ArgmapFormatError(ValueError):
    """The document is not valid argmap JSON (version 1 or 2).

    ``problems`` lists every problem found, each as ``"<json path>: <message>"``
    (``$`` is the whole document, e.g. ``nodes[12].kind``); ``str()`` joins
    them with newlines.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems) or ["$: invalid argmap document"]
        super().__init__("\n".join(self.problems))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a few million containers.

    json.loads and the normalised copy allocate millions of acyclic objects, and
    letting the collector scan them again and again more than doubles the time.
    Reference counting still frees them as usual; the rare cyclic garbage waits
    for the collector to resume.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ------------------------------------------------------------ JSON types, as jsonschema


def is_number(x: Any) -> bool:
    # JSON Schema's "number" in Python: any numbers.Number except bool.
    t = type(x)
    if t is float or t is int:
        return True
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


def is_integer(x: Any) -> bool:
    # JSON Schema's draft 6+ "integer": an int (not bool) or an integral float.
    if isinstance(x, bool):
        return False
    if isinstance(x, float):
        return x.is_integer()
    return isinstance(x, int)


TYPE_PREDICATES = {
    "string": lambda x: isinstance(x, str),
    "number": is_number,
    "integer": is_integer,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# ------------------------------------------------------------------------- messages


_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}\Z")
_SIMPLE_PROPERTY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def show(value: Any, limit: int = 40) -> str:
    """A short rendering of a value for a message (never a whole 10 MB string)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        if len(value) > limit:
            return f"{value[:limit]!r}... ({len(value)} characters)"
        return repr(value)
    if isinstance(value, int):
        text = str(value) if value.bit_length() < 128 else "a very large integer"
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    if isinstance(value, dict):
        return f"an object with {len(value)} keys"
    return f"a {type(value).__name__}"


def is_key(value: str) -> bool:
    """Whether value is a valid id (map slug, node, edge or group id)."""
    return _KEY_RE.match(value) is not None


def name(node_id: str) -> str:
    """An id as it appears in a message: bare when it is a valid key, else quoted."""
    return node_id if _KEY_RE.match(node_id) else show(node_id)


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and _SIMPLE_PROPERTY_RE.match(part):
            out += f".{part}" if out else part
        else:
            # Quoted, short, and never containing ": " (callers split problems on it).
            text = part if isinstance(part, str) else str(part)
            if len(text) > 40:
                text = text[:40] + "..."
            out += "[" + json.dumps(text).replace(":", "\\u003a") + "]"
    return out or "$"


def _cap(message: str) -> str:
    if len(message) > MAX_MESSAGE_CHARS:
        return message[: MAX_MESSAGE_CHARS - 3] + "..."
    return message


# Top-level sections in document order; anything else after them.
_SECTION_ORDER = {
    "format": 0,
    "version": 1,
    "map": 2,
    "nodes": 3,
    "edges": 4,
    "votes": 5,
    "edge_votes": 6,
}


def _path_sort_key(path: JsonPath) -> tuple:
    head = (_SECTION_ORDER.get(path[0], len(_SECTION_ORDER)),) if path else ()
    return head + tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


class Problems:
    """The problems of one document: schema ones (listed by path), then graph ones."""

    def __init__(self) -> None:
        self.schema: list[tuple[JsonPath, str]] = []
        self.graph: list[tuple[JsonPath, str]] = []
        self.count = 0
        self.truncated = False

    @property
    def full(self) -> bool:
        return self.count >= MAX_PROBLEMS

    def add_schema_errors(
        self, found: Iterable[tuple[JsonPath, str, str]], prefix: JsonPath
    ) -> None:
        """(path, keyword, message) triples of one checked value, its path being prefix."""
        found = list(found)
        typed = {path for path, keyword, _ in found if keyword == "type"}
        seen: set[tuple[JsonPath, str]] = set()
        for path, keyword, message in found:
            if path in typed and keyword != "type":
                continue  # "expected string, got integer 5" says it all
            item = ((*prefix, *path), message)
            if item not in seen:
                seen.add(item)
                self._add(self.schema, item)

    def add(self, path: JsonPath, message: str) -> None:
        self._add(self.graph, (path, message))

    def _add(self, bucket: list[tuple[JsonPath, str]], item: tuple[JsonPath, str]) -> None:
        if self.full:
            self.truncated = True
            return
        self.count += 1
        bucket.append(item)

    def lines(self) -> list[str]:
        ordered = sorted(self.schema, key=lambda item: _path_sort_key(item[0])) + self.graph
        lines = [f"{format_path(path)}: {_cap(message)}" for path, message in ordered]
        if self.truncated:
            lines.append(f"$: too many problems; only the first {MAX_PROBLEMS} are listed")
        return lines


def document_version(doc: Any) -> int:
    """The version whose rules check ``doc``: 1 for a version-1 document, else 2.

    Anything but a version 1 is checked against the version-2 schema, which names
    what is wrong with an unknown version (``1.0`` is the JSON number 1; ``true``
    and ``"1"`` are not).
    """
    version = doc.get("version") if isinstance(doc, dict) else None
    return 1 if is_integer(version) and version == 1 else FORMAT_VERSION
