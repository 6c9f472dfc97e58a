"""The reader: ``parse`` (text to dict), ``validate`` (every rule, then a normalised copy)."""

from __future__ import annotations

from claims.formats.argmap import graph, schema
from claims.formats.argmap.common import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    ArgmapFormatError,
    Problems,
    gc_paused,
    json_type,
)
from core import strict_json


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
        with gc_paused():
            doc = strict_json.loads(
                text, raw=raw, max_depth=MAX_DEPTH, max_int_digits=MAX_INT_DIGITS
            )
    except strict_json.TooDeep:
        raise ArgmapFormatError([too_deep]) from None
    except strict_json.StrictJsonError as exc:
        raise ArgmapFormatError([f"$: invalid JSON: {exc}"]) from None
    if not isinstance(doc, dict):
        raise ArgmapFormatError([f"$: expected an object, got {json_type(doc)}"])
    return doc


def validate(doc: dict) -> dict:
    """Check a parsed document against every rule; return a normalised copy.

    Reads versions 1 and 2. Raises ArgmapFormatError listing all problems: schema
    problems sorted by path, then graph problems (duplicate ids, unknown endpoints,
    self-loops, duplicate edges and votes, subframe_of between non-frames or in a
    cycle; in version 2 also undercut targets, groups, cycles through undercuts and
    edge votes).

    The copy is a version-2 document with every default filled in (category None,
    text "", prior 0.5, source locator/quote "", an edge's id from
    claims.edge_keys.default_edge_key, weight 1.0, rationale "", sources [], group
    None, target None for an undercut and target_edge None for other edges, votes
    [], edge_votes [], description "", visibility "public"), numbers as floats,
    titles stripped of surrounding whitespace and unknown top-level keys dropped;
    items keep their order.
    """
    if not isinstance(doc, dict):
        raise ArgmapFormatError([f"$: expected an object, got {json_type(doc)}"])
    with gc_paused():
        problems = Problems()
        skip = schema.check(doc, problems)
        graph.check_graph(doc, skip, problems)
        if problems.count:
            raise ArgmapFormatError(problems.lines())
        return graph.normalise(doc)


def load(data: bytes | str) -> dict:
    """parse() then validate(): the normalised document, or ArgmapFormatError."""
    return validate(parse(data))
