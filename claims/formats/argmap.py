"""argmap JSON v1: read, check, normalise and canonically write argument maps.

Pure Python (no Django), so the management commands, the services and the tests
share one implementation:

    doc = load(data)    # parse() + validate(): a normalised dict, or ArgmapFormatError
    data = dumps(doc)   # canonical UTF-8 bytes

The field rules live in ``argmap-v1.schema.json`` next to this module (JSON
Schema 2020-12). Validating a 100k-node map with jsonschema item by item takes
far too long, so every item is first run through a predicate *compiled from the
same schema* (``_SchemaCompiler``); only items it rejects go through jsonschema,
whose errors become the messages. The rules that need the whole document
(unique ids, edge endpoints, subframe cycles, unique votes) follow in
``_check_graph``. See docs/FORMAT.md for the format itself.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import json
import math
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import itemgetter
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from core import strict_json

FORMAT_NAME = "argmap"
FORMAT_VERSION = 1

# The same limits as the schema's maxItems (tests/formats checks they agree).
MAX_NODES = 200_000
MAX_EDGES = 1_000_000
MAX_VOTES = 2_000_000
MAX_DEPTH = 64  # arrays and objects nested deeper than this are refused before json.loads
MAX_PROBLEMS = 1000  # an ArgmapFormatError lists at most this many (plus a final note)
MAX_MESSAGE_CHARS = 200
MAX_INT_DIGITS = 1000

DEFAULT_CATEGORY = None
DEFAULT_TEXT = ""
DEFAULT_PRIOR = 0.5
DEFAULT_WEIGHT = 1.0
DEFAULT_VISIBILITY = "public"
DEFAULT_DESCRIPTION = ""
FLOAT_DECIMALS = 6

SCHEMA_PATH = Path(__file__).with_name("argmap-v1.schema.json")

# The top-level arrays whose items are checked one by one.
_ITEM_LISTS = ("nodes", "edges", "votes")

JsonPath = tuple[str | int, ...]


class ArgmapFormatError(ValueError):
    """The document is not valid argmap JSON v1.

    ``problems`` lists every problem found, each as ``"<json path>: <message>"``
    (``$`` is the whole document, e.g. ``nodes[12].kind``); ``str()`` joins
    them with newlines.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems) or ["$: invalid argmap document"]
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------- schema


@functools.cache
def _schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


def load_schema() -> dict:
    """The argmap v1 JSON Schema (a fresh copy of the cached file contents)."""
    return copy.deepcopy(_schema())


class _Tools:
    """Validators built once from the schema."""

    def __init__(self, schema: dict) -> None:
        compiler = _SchemaCompiler(schema)
        shallow = copy.deepcopy(schema)
        # name -> (fast predicate, jsonschema validator, maxItems) for nodes/edges/votes items
        self.items: dict[str, tuple[Callable[[Any], bool], Draft202012Validator, float]] = {}
        for name in _ITEM_LISTS:
            prop = shallow["properties"][name]
            item_schema = prop.pop("items")
            wrapper = {"$defs": schema["$defs"], **item_schema}
            self.items[name] = (
                compiler.compile(item_schema),
                Draft202012Validator(wrapper),
                prop.get("maxItems", math.inf),
            )
        # The document without its item schemas: format, version, map, array types and sizes.
        self.top = Draft202012Validator(shallow)
        self.top_ok = compiler.compile(shallow)


@functools.cache
def _tools() -> _Tools:
    return _Tools(_schema())


# --------------------------------------------------------------------- schema compiler


def _is_number(x: Any) -> bool:
    # jsonschema's "number": any numbers.Number except bool.
    t = type(x)
    if t is float or t is int:
        return True
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


def _is_integer(x: Any) -> bool:
    # jsonschema's draft 6+ "integer": an int (not bool) or an integral float.
    if isinstance(x, bool):
        return False
    if isinstance(x, float):
        return x.is_integer()
    return isinstance(x, int)


_TYPE_PREDICATES: dict[str, Callable[[Any], bool]] = {
    "string": lambda x: isinstance(x, str),
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
}


class _SchemaCompiler:
    """Compile the subset of JSON Schema 2020-12 that argmap's schema uses into predicates.

    A predicate returns True exactly when jsonschema's Draft202012Validator finds
    the instance valid (tests/formats compare the two on many instances). A
    keyword outside the subset raises at compile time, so the schema cannot grow
    a rule that the fast path would silently skip.
    """

    ANNOTATIONS = frozenset(
        {
            "$schema",
            "$id",
            "$defs",
            "$comment",
            "title",
            "description",
            "default",
            "examples",
            "deprecated",
            "readOnly",
            "writeOnly",
            "errorMessage",  # ours: message overrides, by keyword (see _error_messages)
            "then",  # handled with "if"
            "else",
        }
    )

    def __init__(self, root: dict) -> None:
        self.root = root
        self.refs: dict[str, Callable[[Any], bool]] = {}

    def _ref(self, ref: str) -> Callable[[Any], bool]:
        if ref in self.refs:
            return self.refs[ref]
        cell: list[Callable[[Any], bool]] = []
        self.refs[ref] = lambda x: cell[0](x)  # stands in while a recursive $ref compiles
        fn = self.compile(self._resolve(ref))
        cell.append(fn)
        self.refs[ref] = fn
        return fn

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref!r} (only local JSON pointers)")
        target: Any = self.root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target

    def compile(self, schema: Any) -> Callable[[Any], bool]:
        if schema is True or schema == {}:
            return lambda x: True
        if schema is False:
            return lambda x: False
        if not isinstance(schema, dict):
            raise ValueError(f"not a schema: {schema!r}")
        for keyword in schema:
            if keyword not in self.ANNOTATIONS and not hasattr(self, _method(keyword)):
                raise ValueError(f"the fast validator does not support the keyword {keyword!r}")
        scalar = self._scalar(schema)
        if scalar is not None:
            return scalar
        checks: list[Callable[[Any], bool]] = []
        consumed: set[str] = set()
        kind = schema.get("type")
        if kind == "object" and isinstance(schema.get("properties"), dict):
            checks.append(self._object(schema))
            consumed = {"type", "properties", "additionalProperties", "required"}
        elif kind == "array":
            checks.append(self._array(schema))
            consumed = {"type", "items", "maxItems", "minItems"}
        for keyword, value in schema.items():
            if keyword in self.ANNOTATIONS or keyword in consumed:
                continue
            check = getattr(self, _method(keyword))(value, schema)
            if check is not None:
                checks.append(check)
        if not checks:
            return lambda x: True
        if len(checks) == 1:
            return checks[0]
        checks_t = tuple(checks)

        def all_of(x: Any) -> bool:
            for check in checks_t:  # noqa: SIM110 - a plain loop is faster on this hot path
                if not check(x):
                    return False
            return True

        return all_of

    # Specialised predicates for the common shapes: one call instead of one per keyword.

    def _collect_scalar(self, schema: Any, acc: dict, depth: int = 0) -> bool:
        """Gather string/number keywords of schema (through $ref and allOf) into acc."""
        if schema is True:
            return True
        if not isinstance(schema, dict) or depth > 32:
            return False
        for keyword, value in schema.items():
            if keyword in self.ANNOTATIONS:
                continue
            if keyword == "$ref":
                if not self._collect_scalar(self._resolve(value), acc, depth + 1):
                    return False
            elif keyword == "allOf":
                if not all(self._collect_scalar(sub, acc, depth + 1) for sub in value):
                    return False
            elif keyword == "type" and value in ("string", "number"):
                acc["types"].add(value)
            elif keyword == "minLength":
                acc["min_length"] = max(acc["min_length"], value)
            elif keyword == "maxLength":
                acc["max_length"] = min(acc["max_length"], value)
            elif keyword == "pattern":
                acc["patterns"].append(value)
            elif (
                keyword == "not"
                and isinstance(value, dict)
                and set(value) - self.ANNOTATIONS == {"pattern"}
            ):
                acc["forbidden"].append(value["pattern"])
            elif keyword == "minimum":
                acc["minimum"].append(value)
            elif keyword == "maximum":
                acc["maximum"].append(value)
            else:
                return False
        return True

    def _scalar(self, schema: dict) -> Callable[[Any], bool] | None:
        acc: dict[str, Any] = {
            "types": set(),
            "min_length": 0,
            "max_length": math.inf,
            "patterns": [],
            "forbidden": [],
            "minimum": [],
            "maximum": [],
        }
        if not self._collect_scalar(schema, acc):
            return None
        types = acc["types"]
        for_strings = bool(
            acc["min_length"] or acc["max_length"] < math.inf or acc["patterns"] or acc["forbidden"]
        )
        for_numbers = bool(acc["minimum"] or acc["maximum"])
        if len(types) > 1 or (for_strings and for_numbers):
            return None
        if types == {"string"} or (not types and for_strings):
            return self._string(acc, typed=bool(types))
        if types == {"number"} or (not types and for_numbers):
            return self._number(acc, typed=bool(types))
        return None

    @staticmethod
    def _string(acc: dict, typed: bool) -> Callable[[Any], bool]:
        low, high = acc["min_length"], acc["max_length"]
        required = tuple(re.compile(p).search for p in acc["patterns"])
        forbidden = tuple(re.compile(p).search for p in acc["forbidden"])

        def check(x: Any) -> bool:
            if not isinstance(x, str):
                return not typed
            if not low <= len(x) <= high:
                return False
            for search in required:
                if search(x) is None:
                    return False
            for search in forbidden:  # noqa: SIM110 - hot path
                if search(x) is not None:
                    return False
            return True

        return check

    @staticmethod
    def _number(acc: dict, typed: bool) -> Callable[[Any], bool]:
        # Written as "not below" and "not above", like jsonschema: NaN passes here
        # (validate() refuses non-finite numbers separately).
        low = max(acc["minimum"]) if acc["minimum"] else None
        high = min(acc["maximum"]) if acc["maximum"] else None

        def check(x: Any) -> bool:
            if not _is_number(x):
                return not typed
            if low is not None and x < low:
                return False
            return not (high is not None and x > high)

        return check

    def _object(self, schema: dict) -> Callable[[Any], bool]:
        """type: object with properties, additionalProperties and required."""
        compiled = {name: self.compile(sub) for name, sub in schema["properties"].items()}
        additional = schema.get("additionalProperties", True)
        extra = None if additional is True else self.compile(additional)
        required = frozenset(schema.get("required", ()))

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return False
            get = compiled.get
            for key, value in x.items():
                fn = get(key)
                if fn is None:
                    if extra is not None and not extra(value):
                        return False
                elif not fn(value):
                    return False
            return required <= x.keys()

        return check

    def _array(self, schema: dict) -> Callable[[Any], bool]:
        """type: array with items, maxItems and minItems."""
        item = self.compile(schema.get("items", True))
        low, high = schema.get("minItems", 0), schema.get("maxItems", math.inf)

        def check(x: Any) -> bool:
            if not isinstance(x, list) or not low <= len(x) <= high:
                return False
            for each in x:  # noqa: SIM110 - hot path
                if not item(each):
                    return False
            return True

        return check

    # One method per keyword: (keyword value, whole schema) -> predicate or None.

    def _kw_ref(self, ref: str, schema: dict) -> Callable[[Any], bool]:
        return self._ref(ref)

    def _kw_type(self, types: str | list[str], schema: dict) -> Callable[[Any], bool]:
        preds = tuple(_TYPE_PREDICATES[t] for t in ([types] if isinstance(types, str) else types))
        if len(preds) == 1:
            return preds[0]
        return lambda x: any(p(x) for p in preds)

    def _kw_enum(self, values: list[Any], schema: dict) -> Callable[[Any], bool]:
        strings = frozenset(v for v in values if isinstance(v, str))
        has_null = any(v is None for v in values)
        others = [v for v in values if v is not None and not isinstance(v, str)]
        for v in others:
            if not isinstance(v, bool | int | float):
                raise ValueError(f"the fast validator does not support the enum value {v!r}")

        def check(x: Any) -> bool:
            if isinstance(x, str):
                return x in strings
            if x is None:
                return has_null
            return any(_scalar_equal(x, v) for v in others)

        return check

    def _kw_const(self, value: Any, schema: dict) -> Callable[[Any], bool]:
        return self._kw_enum([value], schema)

    def _kw_minLength(self, n: int, schema: dict) -> Callable[[Any], bool]:
        return lambda x: not isinstance(x, str) or len(x) >= n

    def _kw_maxLength(self, n: int, schema: dict) -> Callable[[Any], bool]:
        return lambda x: not isinstance(x, str) or len(x) <= n

    def _kw_pattern(self, pattern: str, schema: dict) -> Callable[[Any], bool]:
        search = re.compile(pattern).search  # jsonschema uses re.search too
        return lambda x: not isinstance(x, str) or search(x) is not None

    def _kw_minimum(self, m: float, schema: dict) -> Callable[[Any], bool]:
        return lambda x: not _is_number(x) or not x < m

    def _kw_maximum(self, m: float, schema: dict) -> Callable[[Any], bool]:
        return lambda x: not _is_number(x) or not x > m

    def _kw_maxItems(self, n: int, schema: dict) -> Callable[[Any], bool]:
        return lambda x: not isinstance(x, list) or len(x) <= n

    def _kw_minItems(self, n: int, schema: dict) -> Callable[[Any], bool]:
        return lambda x: not isinstance(x, list) or len(x) >= n

    def _kw_items(self, item_schema: Any, schema: dict) -> Callable[[Any], bool]:
        item = self.compile(item_schema)

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            for each in x:  # noqa: SIM110 - hot path
                if not item(each):
                    return False
            return True

        return check

    def _kw_required(self, names: list[str], schema: dict) -> Callable[[Any], bool]:
        required = frozenset(names)
        return lambda x: not isinstance(x, dict) or required <= x.keys()

    def _kw_properties(self, props: dict[str, Any], schema: dict) -> Callable[[Any], bool]:
        compiled = {name: self.compile(sub) for name, sub in props.items()}
        additional = schema.get("additionalProperties", True)
        extra = None if additional is True else self.compile(additional)

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            get = compiled.get
            for key, value in x.items():
                fn = get(key)
                if fn is None:
                    if extra is not None and not extra(value):
                        return False
                elif not fn(value):
                    return False
            return True

        return check

    def _kw_additionalProperties(self, additional: Any, schema: dict) -> Any:
        if "properties" in schema or additional is True:
            return None  # handled by _kw_properties
        extra = self.compile(additional)
        return lambda x: not isinstance(x, dict) or all(extra(v) for v in x.values())

    def _kw_not(self, sub: Any, schema: dict) -> Callable[[Any], bool]:
        fn = self.compile(sub)
        return lambda x: not fn(x)

    def _kw_allOf(self, subs: list[Any], schema: dict) -> Callable[[Any], bool]:
        fns = tuple(self.compile(sub) for sub in subs)
        return lambda x: all(fn(x) for fn in fns)

    def _kw_if(self, if_schema: Any, schema: dict) -> Callable[[Any], bool]:
        cond = self.compile(if_schema)
        then = self.compile(schema.get("then", True))
        else_ = self.compile(schema.get("else", True))
        return lambda x: then(x) if cond(x) else else_(x)


def _method(keyword: str) -> str:
    return "_kw_" + keyword.lstrip("$")


def _scalar_equal(x: Any, v: Any) -> bool:
    # jsonschema's equal() for scalars: True/False are not 1/0, 1 == 1.0.
    if isinstance(x, bool) or isinstance(v, bool):
        return x is v
    return _is_number(x) and x == v


# ------------------------------------------------------------------------- messages


_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}\Z")
_SIMPLE_PROPERTY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _show(value: Any, limit: int = 40) -> str:
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


def _name(node_id: str) -> str:
    return node_id if _KEY_RE.match(node_id) else _show(node_id)


def _format_path(path: Iterable[str | int]) -> str:
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
_SECTION_ORDER = {"format": 0, "version": 1, "map": 2, "nodes": 3, "edges": 4, "votes": 5}


def _path_sort_key(path: JsonPath) -> tuple:
    head = (_SECTION_ORDER.get(path[0], len(_SECTION_ORDER)),) if path else ()
    return head + tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def _error_messages(error: Any) -> Iterator[tuple[JsonPath, str, str]]:
    """(path relative to the validated instance, keyword, message) for one jsonschema error."""
    path: JsonPath = tuple(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}

    if keyword == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield (*path, name), keyword, "required field is missing"
        return
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                yield (*path, key), keyword, f"unknown key (allowed: {', '.join(allowed)})"
        return

    custom = schema.get("errorMessage")
    if isinstance(custom, dict):
        custom = custom.get(keyword)
    if isinstance(custom, str):
        message = custom.replace("{value}", _show(instance))
    elif keyword == "type":
        expected = " or ".join([value] if isinstance(value, str) else value)
        got = _json_type(instance)
        if instance is not None and not isinstance(instance, list | dict):
            got += " " + _show(instance)
        message = f"expected {expected}, got {got}"
    elif keyword == "enum":
        message = f"{_show(instance)} is not one of [{', '.join(_show(v) for v in value)}]"
    elif keyword == "const":
        message = f"expected {_show(value)}, got {_show(instance)}"
    elif keyword in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            message = f"{_show(instance)} is out of range (must be from {low} to {high})"
        elif keyword == "minimum":
            message = f"{_show(instance)} is less than the minimum of {value}"
        else:
            message = f"{_show(instance)} is greater than the maximum of {value}"
    elif keyword == "minLength":
        if value == 1:
            message = "must not be empty"
        else:
            message = f"is too short ({len(instance)} characters, minimum {value})"
    elif keyword == "maxLength":
        message = f"is too long ({len(instance)} characters, maximum {value})"
    elif keyword == "maxItems":
        message = f"has too many items ({len(instance)}, maximum {value})"
    elif keyword == "minItems":
        message = f"has too few items ({len(instance)}, minimum {value})"
    elif keyword == "pattern":
        message = f"{_show(instance)} does not match {value}"
    elif keyword == "not":
        message = f"{_show(instance)} is not allowed"
    else:
        message = error.message
    if keyword == "not" and isinstance(value, dict) and isinstance(instance, str):
        pattern = value.get("pattern")
        found = re.search(pattern, instance) if isinstance(pattern, str) else None
        if found:
            message += f" (U+{ord(found.group()[0]):04X} at offset {found.start()})"
    yield path, keyword, message


class _Problems:
    def __init__(self) -> None:
        self.schema: list[tuple[JsonPath, str]] = []
        self.graph: list[tuple[JsonPath, str]] = []
        self.count = 0
        self.truncated = False

    @property
    def full(self) -> bool:
        return self.count >= MAX_PROBLEMS

    def add_schema_errors(self, errors: Iterable[Any], prefix: JsonPath) -> None:
        found: list[tuple[JsonPath, str, str]] = []
        for error in errors:
            found.extend(_error_messages(error))
        if not found:
            # The fast predicate and jsonschema disagree: never accept silently.
            found.append(((), "", "invalid"))
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
        lines = [f"{_format_path(path)}: {_cap(message)}" for path, message in ordered]
        if self.truncated:
            lines.append(f"$: too many problems; only the first {MAX_PROBLEMS} are listed")
        return lines


# ---------------------------------------------------------------------------- parse


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a few million containers.

    json.loads and the normalised copy allocate millions of acyclic objects, and
    letting the collector scan them again and again more than doubles the time.
    Reference counting still frees them as usual; the rare cyclic garbage (say a
    jsonschema error chain) waits for the collector to resume.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse(data: bytes | str) -> dict:
    """Parse argmap JSON text (UTF-8 bytes or str) into a dict, without checking the fields.

    Refuses invalid UTF-8, invalid JSON, NaN/Infinity and overflowing numbers,
    duplicate keys within an object, nesting deeper than MAX_DEPTH and a
    top level that is not an object. A leading byte-order mark is ignored.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArgmapFormatError(
                [f"$: invalid UTF-8 at byte {exc.start} ({exc.reason})"]
            ) from None
    elif isinstance(data, str):
        text = data
        raw = data.encode("utf-8", "surrogatepass")
    else:
        raise TypeError(f"parse() takes bytes or str, not {type(data).__name__}")
    if text.startswith("\ufeff"):
        text = text[1:]
    too_deep = f"$: nesting too deep (more than {MAX_DEPTH} levels of arrays and objects)"
    try:
        with _gc_paused():
            doc = strict_json.loads(
                text, raw=raw, max_depth=MAX_DEPTH, max_int_digits=MAX_INT_DIGITS
            )
    except strict_json.TooDeep:
        raise ArgmapFormatError([too_deep]) from None
    except strict_json.StrictJsonError as exc:
        raise ArgmapFormatError([f"$: invalid JSON: {exc}"]) from None
    if not isinstance(doc, dict):
        raise ArgmapFormatError([f"$: expected an object, got {_json_type(doc)}"])
    return doc


# ------------------------------------------------------------------------- validate


def _not_finite(value: Any) -> bool:
    # Only reachable from Python callers: parse() never produces NaN or infinities.
    return isinstance(value, float) and not math.isfinite(value)


def _check_graph(doc: dict, skip: set[str], problems: _Problems) -> None:
    """The rules that need more than one item: ids, endpoints, subframes, duplicates."""
    nodes = doc.get("nodes") if "nodes" not in skip else None
    edges = doc.get("edges") if "edges" not in skip else None
    votes = doc.get("votes") if "votes" not in skip else None
    known = isinstance(nodes, list)  # False: endpoints cannot be checked

    kinds: dict[str, Any] = {}
    first: dict[str, int] = {}
    for i, node in enumerate(nodes if known else ()):
        if not isinstance(node, dict):
            continue
        node_id = node.get("id")
        if isinstance(node_id, str):
            if node_id in first:
                problems.add(
                    ("nodes", i, "id"),
                    f"duplicate id {_show(node_id)} (first at nodes[{first[node_id]}])",
                )
            else:
                first[node_id] = i
                kinds[node_id] = node.get("kind")
        if _not_finite(node.get("prior")):
            problems.add(("nodes", i, "prior"), "must be a finite number")

    seen_edges: dict[tuple[str, str, str], int] = {}
    subframes: dict[str, list[tuple[str, int]]] = {}
    for i, edge in enumerate(edges if isinstance(edges, list) else ()):
        if not isinstance(edge, dict):
            continue
        if _not_finite(edge.get("weight")):
            problems.add(("edges", i, "weight"), "must be a finite number")
        source, target, kind = edge.get("source"), edge.get("target"), edge.get("kind")
        if not (isinstance(source, str) and isinstance(target, str)):
            continue
        usable = known
        if known and source not in kinds:
            problems.add(("edges", i, "source"), f"unknown node {_show(source)}")
            usable = False
        if known and target not in kinds:
            problems.add(("edges", i, "target"), f"unknown node {_show(target)}")
            usable = False
        if source == target:
            problems.add(("edges", i), f"self-loop: source and target are both {_show(source)}")
            usable = False
        if not isinstance(kind, str):
            continue
        key = (source, target, kind)
        if key in seen_edges:
            problems.add(
                ("edges", i),
                f"duplicate edge {_name(source)} -> {_name(target)} ({_name(kind)}) "
                f"(first at edges[{seen_edges[key]}])",
            )
            continue
        seen_edges[key] = i
        if kind != "subframe_of" or not usable:
            continue
        for end, node_id in (("source", source), ("target", target)):
            node_kind = kinds[node_id]
            if node_kind == "claim" or node_kind == "crux":
                problems.add(
                    ("edges", i, end),
                    f"subframe_of links frames only, but {_show(node_id)} is a {node_kind}",
                )
            usable = usable and node_kind == "frame"
        if usable:
            subframes.setdefault(source, []).append((target, i))

    for edge_index, cycle in _subframe_cycles(subframes):
        names = [_name(n) for n in cycle]
        if len(names) > 9:
            names = [*names[:4], f"... ({len(cycle) - 1} frames in all) ...", *names[-3:]]
        problems.add(("edges", edge_index), f"subframe_of cycle {' -> '.join(names)}")

    seen_votes: dict[tuple[str, str], int] = {}
    for i, vote in enumerate(votes if isinstance(votes, list) else ()):
        if not isinstance(vote, dict):
            continue
        if _not_finite(vote.get("credence")):
            problems.add(("votes", i, "credence"), "must be a finite number")
        node_id, user = vote.get("node"), vote.get("user")
        if isinstance(node_id, str) and known and node_id not in kinds:
            problems.add(("votes", i, "node"), f"unknown node {_show(node_id)}")
        if isinstance(node_id, str) and isinstance(user, str):
            key = (node_id, user)
            if key in seen_votes:
                problems.add(
                    ("votes", i),
                    f"duplicate vote by {_show(user)} on {_show(node_id)} "
                    f"(first at votes[{seen_votes[key]}])",
                )
            else:
                seen_votes[key] = i


def _subframe_cycles(adjacency: dict[str, list[tuple[str, int]]]) -> list[tuple[int, list[str]]]:
    """One cycle per strongly connected component of the subframe_of graph.

    Returns (index of the edge closing the cycle, [start, ..., start]) with start
    the smallest id of the component, by an iterative Tarjan then a BFS.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(adjacency):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(adjacency.get(root, ())))]
        while work:
            node, successors = work[-1]
            descended = False
            for succ, _ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(adjacency.get(succ, ()))))
                    descended = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)

    cycles = []
    for component in components:
        members = set(component)
        start = min(component)
        came_from: dict[str, str] = {start: start}
        frontier = [start]
        closing: tuple[str, int] | None = None
        while frontier and closing is None:
            following = []
            for node in frontier:
                for succ, edge_index in sorted(adjacency.get(node, ())):
                    if succ == start:
                        closing = (node, edge_index)
                        break
                    if succ in members and succ not in came_from:
                        came_from[succ] = node
                        following.append(succ)
                if closing is not None:
                    break
            frontier = following
        assert closing is not None  # a strongly connected component has a cycle through start
        path = [start]
        node = closing[0]
        while node != start:
            path.append(node)
            node = came_from[node]
        cycles.append((closing[1], [start, *reversed(path[1:]), start]))
    cycles.sort(key=lambda item: item[0])
    return cycles


def _strip_title(title: str) -> str:
    return title.strip()


def _normal_map(meta: Mapping[str, Any]) -> dict:
    return {
        "slug": meta["slug"],
        "title": _strip_title(meta["title"]),
        "description": meta.get("description", DEFAULT_DESCRIPTION),
        "visibility": meta.get("visibility", DEFAULT_VISIBILITY),
    }


def _normal_source(source: Mapping[str, Any]) -> dict:
    return {
        "document": source["document"],
        "locator": source.get("locator", ""),
        "quote": source.get("quote", ""),
    }


def _normal_node(node: Mapping[str, Any]) -> dict:
    kind = node["kind"]
    return {
        "id": node["id"],
        "kind": kind,
        "category": node.get("category", DEFAULT_CATEGORY) if kind == "frame" else None,
        "title": _strip_title(node["title"]),
        "text": node.get("text", DEFAULT_TEXT),
        "prior": float(node.get("prior", DEFAULT_PRIOR)),
        "sources": [_normal_source(s) for s in node.get("sources", ())],
    }


def _normal_edge(edge: Mapping[str, Any]) -> dict:
    return {
        "source": edge["source"],
        "target": edge["target"],
        "kind": edge["kind"],
        "weight": float(edge.get("weight", DEFAULT_WEIGHT)),
    }


def _normal_vote(vote: Mapping[str, Any]) -> dict:
    return {"node": vote["node"], "user": vote["user"], "credence": float(vote["credence"])}


def _normalise(doc: Mapping[str, Any]) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "map": _normal_map(doc["map"]),
        "nodes": [_normal_node(n) for n in doc["nodes"]],
        "edges": [_normal_edge(e) for e in doc["edges"]],
        "votes": [_normal_vote(v) for v in doc.get("votes", ())],
    }


def validate(doc: dict) -> dict:
    """Check a parsed document against every rule; return a normalised copy.

    Raises ArgmapFormatError listing all problems: schema problems sorted by
    path, then graph problems (duplicate ids, unknown endpoints, self-loops,
    duplicate edges and votes, subframe_of between non-frames or in a cycle).

    The copy has every default filled in (category None, text "", prior 0.5,
    source locator/quote "", weight 1.0, votes [], description "", visibility
    "public"), numbers as floats, titles stripped of surrounding whitespace and
    unknown top-level keys dropped; items keep their order.
    """
    if not isinstance(doc, dict):
        raise ArgmapFormatError([f"$: expected an object, got {_json_type(doc)}"])
    with _gc_paused():
        return _validate(doc)


def _validate(doc: dict) -> dict:
    tools = _tools()
    problems = _Problems()
    if not tools.top_ok(doc):
        problems.add_schema_errors(tools.top.iter_errors(doc), ())
    skip: set[str] = set()  # lists too long (or not lists) to look into
    for name, (fast, validator, limit) in tools.items.items():
        items = doc.get(name)
        if not isinstance(items, list) or len(items) > limit:
            skip.add(name)
            continue
        for i, item in enumerate(items):
            if not fast(item):
                if problems.full:
                    problems.truncated = True
                    break
                problems.add_schema_errors(validator.iter_errors(item), (name, i))
    _check_graph(doc, skip, problems)
    if problems.count:
        raise ArgmapFormatError(problems.lines())
    return _normalise(doc)


def load(data: bytes | str) -> dict:
    """parse() then validate(): the normalised document, or ArgmapFormatError."""
    return validate(parse(data))


# ---------------------------------------------------------------------------- dumps


_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses


def _number(value: Any) -> str:
    # Rounded to FLOAT_DECIMALS; repr() then gives the shortest form that reads
    # back the same (0.7, not 0.7000000000000001). Adding 0.0 turns -0.0 into 0.0.
    number = round(float(value), FLOAT_DECIMALS) + 0.0
    if not math.isfinite(number):
        raise ValueError(f"cannot write the non-finite number {value!r}")
    return repr(number)


def _dump_source(source: dict) -> str:
    return (
        "        {\n"
        f'          "document": {_encode_string(source["document"])},\n'
        f'          "locator": {_encode_string(source["locator"])},\n'
        f'          "quote": {_encode_string(source["quote"])}\n'
        "        }"
    )


def _dump_node(node: dict) -> str:
    if node["kind"] == "frame":
        category = node["category"]
        shown = "null" if category is None else _encode_string(category)
        category_line = f'      "category": {shown},\n'
    else:
        category_line = ""
    sources = node["sources"]
    if sources:
        sources_text = "[\n" + ",\n".join(_dump_source(s) for s in sources) + "\n      ]"
    else:
        sources_text = "[]"
    return (
        "    {\n"
        f"{category_line}"
        f'      "id": {_encode_string(node["id"])},\n'
        f'      "kind": {_encode_string(node["kind"])},\n'
        f'      "prior": {_number(node["prior"])},\n'
        f'      "sources": {sources_text},\n'
        f'      "text": {_encode_string(node["text"])},\n'
        f'      "title": {_encode_string(node["title"])}\n'
        "    }"
    )


def _dump_edge(edge: dict) -> str:
    return (
        "    {\n"
        f'      "kind": {_encode_string(edge["kind"])},\n'
        f'      "source": {_encode_string(edge["source"])},\n'
        f'      "target": {_encode_string(edge["target"])},\n'
        f'      "weight": {_number(edge["weight"])}\n'
        "    }"
    )


def _dump_vote(vote: dict) -> str:
    return (
        "    {\n"
        f'      "credence": {_number(vote["credence"])},\n'
        f'      "node": {_encode_string(vote["node"])},\n'
        f'      "user": {_encode_string(vote["user"])}\n'
        "    }"
    )


def _dump_list(items: list[str]) -> str:
    return "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"


def dumps(doc: Mapping[str, Any]) -> bytes:
    """The canonical serialisation of a (normalised) document, as UTF-8 bytes.

    Exactly ``json.dumps(d, ensure_ascii=False, indent=2, sort_keys=True) + "\\n"``
    of the normalised document, with nodes sorted by id, edges by (source,
    target, kind), votes by (node, user), sources in their own order, numbers
    rounded to 6 decimals, every field written (defaults included) except
    `category`, written for frames only. It is built from templates rather than
    by json.dumps, whose indenting encoder is pure Python and several times
    slower; tests/formats checks the two agree.

    Missing optional fields get their defaults; nothing else is checked, so run
    validate() first when the data's origin is not trusted.
    dumps(validate(parse(dumps(d)))) == dumps(d).
    """
    with _gc_paused():
        normal = _normalise(doc)
        nodes = sorted(normal["nodes"], key=itemgetter("id"))
        edges = sorted(normal["edges"], key=itemgetter("source", "target", "kind"))
        votes = sorted(normal["votes"], key=itemgetter("node", "user"))
        meta = json.dumps(normal["map"], ensure_ascii=False, indent=2, sort_keys=True)
        text = (
            "{\n"
            f'  "edges": {_dump_list([_dump_edge(e) for e in edges])},\n'
            f'  "format": {_encode_string(normal["format"])},\n'
            f'  "map": {meta.replace(chr(10), chr(10) + "  ")},\n'
            f'  "nodes": {_dump_list([_dump_node(n) for n in nodes])},\n'
            f'  "version": {normal["version"]},\n'
            f'  "votes": {_dump_list([_dump_vote(v) for v in votes])}\n'
            "}\n"
        )
    return text.encode("utf-8")


def dump_chunks(
    *,
    map: Mapping[str, Any],
    nodes: Iterable[Mapping[str, Any]],
    edges: Iterable[Mapping[str, Any]],
    votes: Iterable[Mapping[str, Any]] = (),
    chunk_chars: int = 1 << 18,
) -> Iterator[bytes]:
    """dumps() in pieces of about ``chunk_chars`` characters, for maps too large to hold.

    ``b"".join(dump_chunks(map=d["map"], nodes=..., edges=..., votes=...)) == dumps(d)``
    when the items come already in canonical order: nodes by id, edges by
    (source, target, kind), votes by (node, user), which is code-point order, as
    Python compares strings (SQL: ``ORDER BY ... COLLATE "C"``). An item out of
    that order raises ValueError rather than write a non-canonical file. Each
    item is normalised like dumps() does; the iterables are consumed lazily,
    edges first, then nodes, then votes (the order of the keys in the file).
    """
    meta = json.dumps(_normal_map(map), ensure_ascii=False, indent=2, sort_keys=True)
    parts: list[str] = []
    size = 0

    def pieces(items: Iterable[Mapping[str, Any]], normal, order, dump) -> Iterator[str]:
        previous = None
        first = True
        for item in items:
            item = normal(item)
            key = order(item)
            if previous is not None and key <= previous:
                raise ValueError(f"items out of canonical order: {key!r} after {previous!r}")
            previous = key
            yield ("[\n" if first else ",\n") + dump(item)
            first = False
        yield "[]" if first else "\n  ]"

    sections = (
        (
            '{\n  "edges": ',
            edges,
            _normal_edge,
            itemgetter("source", "target", "kind"),
            _dump_edge,
        ),
        (
            f',\n  "format": {_encode_string(FORMAT_NAME)},\n'
            f'  "map": {meta.replace(chr(10), chr(10) + "  ")},\n'
            '  "nodes": ',
            nodes,
            _normal_node,
            itemgetter("id"),
            _dump_node,
        ),
        (
            f',\n  "version": {FORMAT_VERSION},\n  "votes": ',
            votes,
            _normal_vote,
            itemgetter("node", "user"),
            _dump_vote,
        ),
    )
    for head, items, normal, order, dump in sections:
        parts.append(head)
        for piece in pieces(items, normal, order, dump):
            parts.append(piece)
            size += len(piece)
            if size >= chunk_chars:
                yield "".join(parts).encode("utf-8")
                parts.clear()
                size = 0
    parts.append("\n}\n")
    yield "".join(parts).encode("utf-8")
