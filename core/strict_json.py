"""Strict JSON loading, shared by the file formats and the API's request parser.

Python's json module accepts NaN and Infinity, lets a huge number overflow to
inf (or raise a bare ValueError past ~4,300 digits), silently keeps the last of
duplicate keys, and recurses until RecursionError on deep nesting. Each of these
is refused here with a message naming the problem. Pure Python, no Django.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any


class StrictJsonError(ValueError):
    """The text is not JSON argmap accepts; str(error) names the problem."""


class TooDeep(StrictJsonError):
    pass


def _show(key: str, limit: int = 40) -> str:
    return repr(key if len(key) <= limit else key[:limit] + "…")


def _refuse_constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not a valid JSON number (numbers must be finite)")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJsonError(f"the number {text[:40]} is too large (numbers must be finite)")
    return value


def _int_parser(max_digits: int):
    def parse_int(text: str) -> int:
        if len(text.lstrip("-")) > max_digits:
            raise StrictJsonError(f"an integer of {len(text)} digits is too long")
        return int(text)

    return parse_int


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise StrictJsonError(f"duplicate key {_show(key)} in an object")
            seen.add(key)
    return obj


# Everything but the characters that matter to nesting: quotes and brackets.
_NESTING_BYTES = b'"[]{}'
_OTHER_BYTES = bytes(b for b in range(256) if b not in _NESTING_BYTES)
_STRING_BYTES_RE = re.compile(rb'"[^"]*"')
_OPEN_CLOSE = bytes.maketrans(b"{}", b"[]")


def nesting_too_deep(data: bytes, limit: int) -> bool:
    """Whether arrays and objects in JSON text nest deeper than limit (strings ignored).

    Runs in C-speed passes: drop escaped backslashes and quotes, keep only quotes
    and brackets, drop what was inside strings, then peel off innermost pairs
    `limit` times; what is left is too deep (or unbalanced, and looked at closely).
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Dropping two adjacent quotes either empties a string or merges two strings
    # with nothing between them: which brackets lie inside strings is unchanged.
    quotes_and_brackets = data.translate(None, _OTHER_BYTES).replace(b'""', b"")
    brackets = _STRING_BYTES_RE.sub(b"", quotes_and_brackets)
    rest = brackets.translate(_OPEN_CLOSE)
    for _ in range(limit):
        shorter = rest.replace(b"[]", b"")
        if shorter == rest:
            break
        rest = shorter
    if not rest:
        return False
    depth = 0
    for byte in brackets:
        if byte == 0x5B or byte == 0x7B:  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads(text: str, *, raw: bytes | None = None, max_depth: int, max_int_digits: int) -> Any:
    """json.loads with the refusals above; raises StrictJsonError (TooDeep for nesting)."""
    if nesting_too_deep(
        raw if raw is not None else text.encode("utf-8", "surrogatepass"), max_depth
    ):
        raise TooDeep(f"arrays and objects nest more than {max_depth} levels deep")
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_parse_float,
            parse_int=_int_parser(max_int_digits),
            object_pairs_hook=_object_without_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise StrictJsonError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise TooDeep(f"arrays and objects nest more than {max_depth} levels deep") from None
