r"""The field rules: ``argmap-v2.schema.json`` (``argmap-v1.schema.json`` for a version-1
document), checked by jsonschema-rs.

The schema's patterns mean what Python's ``re.search`` makes of them (the schema
says so: ``\w`` is Unicode-aware, as in Django usernames), while jsonschema-rs
reads patterns as ECMA-262 and runs them with Rust's regex engine. So
jsonschema-rs gets a copy of the schema (``_rust_copy``) whose patterns are
spelled for it (``_for_rust``): ``\w``, ``\s`` and ``\d`` become the code point
ranges Python's ``re`` matches on this interpreter, and the lone-surrogate range
is dropped (no Rust string holds one: jsonschema-rs refuses a Python ``str``
that has one with an exception, so such a document always takes the careful
path below). The file itself is unchanged: it stays the format's definition,
and the messages are read from it.

Fast path: the top level (without the items) and every chunk of nodes, edges,
votes and edge votes go through ``is_valid``; a valid document costs nothing else (but a
look for tuples where arrays are allowed: jsonschema-rs reads a tuple as an
array, jsonschema does not). Only an item of a chunk that fails (or that
jsonschema-rs cannot read) is looked at on its own: its errors from
``iter_errors`` on a readable copy (``_readable``: no lone surrogates, nothing
but JSON) become messages, each checked again against the original value with
Python's semantics first:

* ``pattern`` and ``not: {pattern}``: ``re.search`` with the schema's own
  pattern (``$`` also matches before a final newline in Python; the copy's
  stand-ins for lone surrogates are control characters);
* ``minLength`` and ``maxLength`` that the file's schema does not have come
  from a rewritten pattern (``_rust_copy``) and are judged as that pattern;
* ``type``: Python's idea of the value's type (jsonschema-rs refuses NaN and
  the infinities whatever the schema); minimum and maximum of such a number are
  checked here too.

The messages are written here (``_message``), from the keyword, the schema's
``errorMessage`` overrides and the original value, never from jsonschema-rs's
own wording. tests/formats compares the outcome with jsonschema's on many
documents.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import numbers
import re
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs

from claims.formats.argmap.common import (
    FORMAT_VERSION,
    READ_VERSIONS,
    TYPE_PREDICATES,
    JsonPath,
    Problems,
    document_version,
    is_number,
    json_type,
    show,
)

_FORMATS_DIR = Path(__file__).resolve().parent.parent
SCHEMA_PATHS = {
    version: _FORMATS_DIR / f"argmap-v{version}.schema.json" for version in READ_VERSIONS
}
SCHEMA_PATH = SCHEMA_PATHS[FORMAT_VERSION]

# The top-level arrays whose items are checked chunk by chunk (those a version has).
ITEM_LISTS = ("nodes", "edges", "votes", "edge_votes")
CHUNK_ITEMS = 4096

# What a version-1 document may not use, and how the problem is named.
_V2_EDGE_FIELDS = ("id", "rationale", "sources", "group", "target_edge")
_V2_HINT = 'a version 2 field: declare "version": 2 to use it'
_V1_EDGE_VOTES = 'a version 2 section in a version 1 file (declare "version": 2 to use it)'

# Keywords that do not constrain a value.
_ANNOTATIONS = frozenset({"$comment", "title", "description", "default", "examples"})


@functools.cache
def _schema(version: int = FORMAT_VERSION) -> dict:
    return json.loads(SCHEMA_PATHS[version].read_text(encoding="utf-8"))


def load_schema(version: int = FORMAT_VERSION) -> dict:
    """The argmap JSON Schema of ``version`` (2 by default), a fresh copy of the cached file."""
    return copy.deepcopy(_schema(version))


# --------------------------------------------------------------- patterns for Rust


@functools.cache
def _python_classes() -> dict[str, str]:
    r"""What Python's re matches with \w, \s and \d, as ECMA-262 class ranges."""
    every = array("I", range(0x110000)).tobytes().decode("utf-32-le", "surrogatepass")
    classes = {}
    for letter in "wsd":
        spans = [(m.start(), m.end() - 1) for m in re.finditer(rf"\{letter}+", every)]
        classes[letter] = "".join(
            f"\\u{{{a:X}}}" if a == b else f"\\u{{{a:X}}}-\\u{{{b:X}}}" for a, b in spans
        )
    return classes


def _for_rust(pattern: str) -> str:
    r"""pattern spelled so that jsonschema-rs matches what Python's re.search matches.

    Raises ValueError for what has no exact spelling here (``.``, a negated
    class escape inside a class); ``$`` is kept although Rust's does not match
    before a final newline (stricter, and the careful path checks with re).
    """
    pattern = pattern.replace("\\ud800-\\udfff", "")  # no Rust string holds a lone surrogate
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escape = pattern[i + 1]
            i += 2
            letter = escape.lower()
            if letter not in "wsd":
                out.append(char + escape)
            elif not in_class:
                out.append(("[^" if escape.isupper() else "[") + _python_classes()[letter] + "]")
            elif escape.islower():
                out.append(_python_classes()[letter])
            else:
                raise ValueError(f"cannot translate \\{escape} inside a class in {pattern!r}")
            continue
        if char == "." and not in_class:
            raise ValueError(f"cannot translate '.' in {pattern!r}")
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})  # values, not schemas


# A whole pattern that is one class repeated: ^[...]{m,n}$
_REPEATED_CLASS = re.compile(r"\^(\[(?:[^\]\\]|\\.)+\])\{(\d+),(\d+)\}\$")


def _rust_copy(schema: Any) -> Any:
    """The schema for jsonschema-rs: patterns spelled for Rust, without errorMessage.

    Rust's regex compiles ``[class]{1,150}`` as 150 copies of the class, megabytes
    for a Unicode-wide one such as ``\\w``: a whole pattern of that shape becomes
    ``^[class]+$`` with minLength and maxLength (both count code points, as the
    repetition does); the careful path judges these bounds' errors as the pattern.
    """
    if isinstance(schema, list):
        return [_rust_copy(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    copied = {
        key: value if key in _DATA_KEYWORDS else _rust_copy(value)
        for key, value in schema.items()
        if key != "errorMessage"  # ours (messages), read from the file's version
    }
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        repeated = _REPEATED_CLASS.fullmatch(pattern)
        if repeated:
            chars, low, high = repeated.group(1), int(repeated.group(2)), int(repeated.group(3))
            pattern = f"^{chars}{'+' if low else '*'}$"
            copied["minLength"] = max(low, schema.get("minLength", 0))
            copied["maxLength"] = min(high, schema.get("maxLength", high))
        copied["pattern"] = _for_rust(pattern)
    return copied


def _validator(schema: dict) -> Any:
    # The regex crate's engine (linear time) rather than fancy-regex: no pattern here
    # needs backtracking. The mask keeps the values out of jsonschema-rs's own
    # messages, which are not used and would copy a 10 MB string into each one.
    return jsonschema_rs.Draft202012Validator(
        schema, pattern_options=jsonschema_rs.RegexOptions(), mask="(value)"
    )


class _Check:
    """One jsonschema-rs validator and the schema its errors' schema_path lead into.

    With ``one_item``, the schema is that of an array: a single item is checked as
    an array of one (one compiled validator per list, chunks and items alike: a
    pattern such as the usernames' costs megabytes each time it is compiled).
    """

    def __init__(self, schema: dict, reference: dict, one_item: bool = False) -> None:
        self.validator = _validator(schema)
        self.reference = reference  # the file's own version: patterns and errorMessage
        self.one_item = one_item

    def is_valid(self, instance: Any) -> bool:
        try:
            return self.validator.is_valid([instance] if self.one_item else instance)
        except (ValueError, TypeError, OverflowError):  # UnicodeEncodeError is a ValueError
            return False  # the careful path reads a copy

    def problems(self, instance: Any, readable: Any = None) -> list[tuple[JsonPath, str, str]]:
        """(path, keyword, message) of every problem of instance, checked with Python's rules."""
        if readable is None:
            readable = _readable(instance)
        errors = self.validator.iter_errors([readable] if self.one_item else readable)
        found: list[tuple[JsonPath, str, str]] = []
        for error in errors:
            path = tuple(error.instance_path)[1 if self.one_item else 0 :]
            found.extend(_messages(error, path, self.reference, instance))
        return found


class _ItemList:
    """The validator of one item list (nodes, edges, votes, edge votes): by chunk or by item."""

    def __init__(self, rust: dict, reference: dict, limit: float) -> None:
        self.check = _Check(
            {"$defs": rust["$defs"], "type": "array", "items": rust["items"]},
            {"$defs": reference["$defs"], "type": "array", "items": reference["items"]},
            one_item=True,
        )
        self.limit = limit
        # jsonschema-rs takes a tuple for an array, jsonschema (and so this format) does not.
        item = reference["items"]
        while "$ref" in item:
            item = _resolve(reference, item["$ref"].removeprefix("#/").split("/"))
        self.arrays = tuple(
            key for key, sub in item.get("properties", {}).items() if sub.get("type") == "array"
        )

    def _has_tuple(self, item: Any) -> bool:
        return isinstance(item, dict) and any(
            isinstance(item.get(key), tuple) for key in self.arrays
        )

    def chunk_is_valid(self, items: list) -> bool:
        try:
            if not self.check.validator.is_valid(items):
                return False
        except (ValueError, TypeError, OverflowError):
            return False
        return not self.arrays or not any(map(self._has_tuple, items))

    def is_valid(self, item: Any) -> bool:
        return self.check.is_valid(item) and not self._has_tuple(item)


class _Validators:
    """Built once from the schema: the top level without the items, and each item list."""

    def __init__(self, schema: dict) -> None:
        rust = _rust_copy(schema)
        shallow = copy.deepcopy(rust)
        self.items: dict[str, _ItemList] = {}
        for list_name in ITEM_LISTS:
            if list_name not in schema["properties"]:
                continue  # edge_votes: version 2 only
            prop = shallow["properties"][list_name]
            self.items[list_name] = _ItemList(
                {"$defs": rust["$defs"], "items": prop.pop("items")},
                {"$defs": schema["$defs"], "items": schema["properties"][list_name]["items"]},
                prop.get("maxItems", math.inf),
            )
        self.top = _Check(shallow, schema)
        self.top_keys = tuple(schema["properties"])


@functools.cache
def _validators(version: int = FORMAT_VERSION) -> _Validators:
    return _Validators(_schema(version))


# ---------------------------------------------------------------------------- check


def top_problems(doc: dict, version: int | None = None) -> list[tuple[JsonPath, str, str]]:
    """The problems of the document's top level, its known sections but not their items.

    ``version``: whose schema checks it; by default the document's own (1 or 2).
    """
    checks = _validators(document_version(doc) if version is None else version)
    top = {key: doc[key] for key in checks.top_keys if key in doc}
    for list_name in checks.items:
        if isinstance(top.get(list_name), tuple):
            top[list_name] = _UNREADABLE  # jsonschema-rs would take it for an array
    if checks.top.is_valid(top):
        return []
    readable = {key: _readable(value) for key, value in top.items() if key not in ITEM_LISTS}
    for list_name, item_list in checks.items.items():
        value = top.get(list_name)
        if isinstance(value, list):
            # Without the items, which iter_errors would convert one by one: as long as
            # needed for maxItems (the message counts the original).
            readable[list_name] = [None] * int(min(len(value), item_list.limit + 1))
        elif list_name in top:
            readable[list_name] = _readable(value)
    return checks.top.problems(doc, readable)


def item_problems(
    list_name: str, item: Any, version: int = FORMAT_VERSION
) -> list[tuple[JsonPath, str, str]]:
    """The problems of one item (``list_name``: nodes, edges, votes or edge_votes)."""
    item_list = _validators(version).items[list_name]
    return [] if item_list.is_valid(item) else item_list.check.problems(item)


def _v1_hints(found: list[tuple[JsonPath, str, str]]) -> list[tuple[JsonPath, str, str]]:
    """A version-1 edge's problems, naming the version-2 fields and kind it uses as such."""
    named = []
    for path, keyword, message in found:
        if keyword == "additionalProperties" and path and path[-1] in _V2_EDGE_FIELDS:
            message = f"unknown key in a version 1 file ({show(path[-1])} is {_V2_HINT})"
        elif keyword == "enum" and path == ("kind",) and message.startswith("'undercuts'"):
            message = "'undercuts' is a version 2 kind: declare \"version\": 2 to use it"
        named.append((path, keyword, message))
    return named


def check(doc: dict, problems: Problems) -> set[str]:
    """Add the schema problems of doc to problems; the item lists too long to look into.

    A version-1 document is checked against the version-1 schema, anything else
    against the version-2 one (whose ``version`` rule names an unknown version).
    """
    version = document_version(doc)
    checks = _validators(version)
    problems.add_schema_errors(top_problems(doc, version), ())
    if version == 1 and "edge_votes" in doc:
        problems.add_schema_errors([(("edge_votes",), "version", _V1_EDGE_VOTES)], ())
    skip: set[str] = set()  # lists too long (or not lists) to look into
    for list_name, item_list in checks.items.items():
        items = doc.get(list_name)
        if not isinstance(items, list) or len(items) > item_list.limit:
            skip.add(list_name)
            continue
        stop = False
        for start in range(0, len(items), CHUNK_ITEMS):
            chunk = items[start : start + CHUNK_ITEMS]
            if item_list.chunk_is_valid(chunk):
                continue
            for offset, item in enumerate(chunk):
                if item_list.is_valid(item):
                    continue
                found = item_list.check.problems(item)
                if not found:
                    continue  # Python's semantics accept what Rust's refused
                if version == 1 and list_name == "edges":
                    found = _v1_hints(found)
                if problems.full:
                    problems.truncated = True
                    stop = True
                    break
                problems.add_schema_errors(found, (list_name, start + offset))
            if stop:
                break
    return skip


# -------------------------------------------------------------------- readable copy


_SURROGATES = re.compile("[\ud800-\udfff]")
# jsonschema-rs refuses NaN whatever the schema says, the stand-in for what it cannot read.
_UNREADABLE = math.nan
_MAX_COPY_DEPTH = 100


def _readable(value: Any, depth: int = 0) -> Any:
    """A copy of value that jsonschema-rs can read, for the careful path only.

    A string with a lone surrogate becomes as many NULs (the same length; a
    control character, which every ``not`` pattern here refuses, ``\\S`` matches
    and the keys' and usernames' patterns refuse, like the surrogate; each error
    is checked again against the original). In keys, each lone surrogate becomes
    a NUL, and keys that are not strings become strings (all of them unknown
    keys, named from the original). Other numbers become floats, anything else
    (tuples included: not JSON arrays to jsonschema) NaN.
    """
    if isinstance(value, str):
        if value.isascii() or _SURROGATES.search(value) is None:
            return value
        return "\0" * len(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if depth > _MAX_COPY_DEPTH:
        return _UNREADABLE
    if isinstance(value, dict):
        return {
            _SURROGATES.sub("\0", key) if isinstance(key, str) else f"\0{key!r}": _readable(
                item, depth + 1
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_readable(item, depth + 1) for item in value]
    if isinstance(value, numbers.Number):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return _UNREADABLE
    return _UNREADABLE


# ------------------------------------------------------------------------- messages


def _resolve(schema: Any, path: tuple) -> Any:
    for part in path:
        schema = schema[int(part)] if isinstance(schema, list) else schema[part]
    return schema


def _at(instance: Any, path: JsonPath) -> Any:
    for part in path:
        instance = instance[part]
    return instance


def _messages(
    error: Any, path: JsonPath, reference: dict, original: Any
) -> Iterator[tuple[JsonPath, str, str]]:
    """(path, keyword, message) for one jsonschema-rs error at path, judged on the original."""
    schema_path = tuple(error.schema_path)
    keyword = schema_path[-1]
    schema = _resolve(reference, schema_path[:-1])
    try:
        instance = _at(original, path)
    except (LookupError, TypeError):  # not expected: the schema never looks into unknown keys
        instance = error.instance
    if keyword in ("minLength", "maxLength") and isinstance(instance, str):
        bound = schema.get(keyword)
        if bound is None or (
            len(instance) >= bound if keyword == "minLength" else len(instance) <= bound
        ):
            keyword = "pattern"  # a bound of the pattern's repetition (_rust_copy)
    value = schema[keyword]

    if keyword == "required":
        for missing in value:
            if isinstance(instance, dict) and missing not in instance:
                yield (*path, missing), keyword, "required field is missing"
        return
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                yield (*path, key), keyword, f"unknown key (allowed: {', '.join(allowed)})"
        return
    if keyword == "pattern" and isinstance(instance, str) and re.search(value, instance):
        return  # Python's re matches (Rust's `$` does not match before a final newline)
    found = None
    if (
        keyword == "not"
        and isinstance(value, dict)
        and set(value) - _ANNOTATIONS == {"pattern"}
        and isinstance(instance, str)
    ):
        found = re.search(value["pattern"], instance)
        if found is None:
            return  # what failed was a stand-in for a lone surrogate
    if keyword == "type":
        types = [value] if isinstance(value, str) else value
        if any(TYPE_PREDICATES[t](instance) for t in types):
            # A number jsonschema-rs cannot hold (NaN, an infinity): its range is checked here.
            if is_number(instance):
                for bound in ("minimum", "maximum"):
                    limit = schema.get(bound)
                    if limit is not None and (
                        instance < limit if bound == "minimum" else instance > limit
                    ):
                        yield path, bound, _message(bound, limit, instance, schema)
            return

    message = _message(keyword, value, instance, schema, fallback=error.message)
    if found is not None:
        message += f" (U+{ord(found.group()[0]):04X} at offset {found.start()})"
    yield path, keyword, message


def _message(keyword: str, value: Any, instance: Any, schema: dict, fallback: str = "") -> str:
    custom = schema.get("errorMessage")
    if isinstance(custom, dict):
        custom = custom.get(keyword)
    if isinstance(custom, str):
        return custom.replace("{value}", show(instance))
    if keyword == "type":
        expected = " or ".join([value] if isinstance(value, str) else value)
        got = json_type(instance)
        if instance is not None and not isinstance(instance, list | dict):
            got += " " + show(instance)
        return f"expected {expected}, got {got}"
    if keyword == "enum":
        return f"{show(instance)} is not one of [{', '.join(show(v) for v in value)}]"
    if keyword == "const":
        return f"expected {show(value)}, got {show(instance)}"
    if keyword in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"{show(instance)} is out of range (must be from {low} to {high})"
        if keyword == "minimum":
            return f"{show(instance)} is less than the minimum of {value}"
        return f"{show(instance)} is greater than the maximum of {value}"
    if keyword == "minLength":
        if value == 1:
            return "must not be empty"
        return f"is too short ({len(instance)} characters, minimum {value})"
    if keyword == "maxLength":
        return f"is too long ({len(instance)} characters, maximum {value})"
    if keyword == "maxItems":
        return f"has too many items ({len(instance)}, maximum {value})"
    if keyword == "minItems":
        return f"has too few items ({len(instance)}, minimum {value})"
    if keyword == "pattern":
        return f"{show(instance)} does not match {value}"
    if keyword == "not":
        return f"{show(instance)} is not allowed"
    return fallback
