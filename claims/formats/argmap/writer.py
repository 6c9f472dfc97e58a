"""The canonical writer: ``dumps`` (a whole document) and ``dump_chunks`` (streamed).

Both write the same bytes: ``json.dumps(d, ensure_ascii=False, indent=2,
sort_keys=True) + "\\n"`` of the normalised document in canonical order, built
from templates rather than by json.dumps, whose indenting encoder is pure Python
and several times slower (tests/formats checks the two agree).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

from claims.formats.argmap.common import FLOAT_DECIMALS, FORMAT_NAME, FORMAT_VERSION, gc_paused
from claims.formats.argmap.graph import (
    normal_edge,
    normal_edge_vote,
    normal_map,
    normal_node,
    normal_vote,
    normalise,
)

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


def _dump_sources(sources: list) -> str:
    if not sources:
        return "[]"
    return "[\n" + ",\n".join(_dump_source(s) for s in sources) + "\n      ]"


def _dump_node(node: dict) -> str:
    if node["kind"] == "frame":
        category = node["category"]
        shown = "null" if category is None else _encode_string(category)
        category_line = f'      "category": {shown},\n'
    else:
        category_line = ""
    sources_text = _dump_sources(node["sources"])
    # A hidden node's flag and reason (normal_node keeps them only when set), in
    # sort_keys order: "hidden" and "hidden_reason" fall between "category" and "id".
    hidden_lines = ""
    if node.get("hidden"):
        hidden_lines = '      "hidden": true,\n'
        if "hidden_reason" in node:
            hidden_lines += f'      "hidden_reason": {_encode_string(node["hidden_reason"])},\n'
    # A tombstone's survivor (issue 17), between "kind" and "prior" in sort_keys order.
    merged_line = ""
    if node.get("merged_into"):
        merged_line = f'      "merged_into": {_encode_string(node["merged_into"])},\n'
    return (
        "    {\n"
        f"{category_line}"
        f"{hidden_lines}"
        f'      "id": {_encode_string(node["id"])},\n'
        f'      "kind": {_encode_string(node["kind"])},\n'
        f"{merged_line}"
        f'      "prior": {_number(node["prior"])},\n'
        f'      "sources": {sources_text},\n'
        f'      "text": {_encode_string(node["text"])},\n'
        f'      "title": {_encode_string(node["title"])}\n'
        "    }"
    )


def _dump_edge(edge: dict) -> str:
    # An undercut names the edge it attacks (target_edge), every other edge its target node.
    if edge["target_edge"] is not None:
        end = f'      "target_edge": {_encode_string(edge["target_edge"])},\n'
    else:
        end = f'      "target": {_encode_string(edge["target"])},\n'
    group = edge["group"]
    return (
        "    {\n"
        f'      "group": {"null" if group is None else _encode_string(group)},\n'
        f'      "id": {_encode_string(edge["id"])},\n'
        f'      "kind": {_encode_string(edge["kind"])},\n'
        f'      "rationale": {_encode_string(edge["rationale"])},\n'
        f'      "source": {_encode_string(edge["source"])},\n'
        f'      "sources": {_dump_sources(edge["sources"])},\n'
        f"{end}"
        f'      "weight": {_number(edge["weight"])}\n'
        "    }"
    )


def _dump_edge_vote(vote: dict) -> str:
    return (
        "    {\n"
        f'      "edge": {_encode_string(vote["edge"])},\n'
        f'      "strength": {_number(vote["strength"])},\n'
        f'      "user": {_encode_string(vote["user"])}\n'
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

    Always version 2: exactly ``json.dumps(d, ensure_ascii=False, indent=2,
    sort_keys=True) + "\\n"`` of the normalised document, with nodes sorted by id,
    edges by id, votes by (node, user), edge votes by (edge, user), sources in
    their own order, numbers rounded to 6 decimals, every field written (defaults
    included) except `category`, written for frames only, and an edge's `target`
    or `target_edge`, whichever its kind has. It is built from templates rather
    than by json.dumps, whose indenting encoder is pure Python and several times
    slower; tests/formats checks the two agree.

    Missing optional fields get their defaults; nothing else is checked, so run
    validate() first when the data's origin is not trusted.
    dumps(validate(parse(dumps(d)))) == dumps(d).
    """
    with gc_paused():
        normal = normalise(doc)
        nodes = sorted(normal["nodes"], key=itemgetter("id"))
        edges = sorted(normal["edges"], key=itemgetter("id"))
        votes = sorted(normal["votes"], key=itemgetter("node", "user"))
        edge_votes = sorted(normal["edge_votes"], key=itemgetter("edge", "user"))
        meta = json.dumps(normal["map"], ensure_ascii=False, indent=2, sort_keys=True)
        text = (
            "{\n"
            f'  "edge_votes": {_dump_list([_dump_edge_vote(v) for v in edge_votes])},\n'
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
    edge_votes: Iterable[Mapping[str, Any]] = (),
    chunk_chars: int = 1 << 18,
) -> Iterator[bytes]:
    """dumps() in pieces of about ``chunk_chars`` characters, for maps too large to hold.

    ``b"".join(dump_chunks(map=d["map"], nodes=..., edges=..., votes=..., edge_votes=...))
    == dumps(d)`` when the items come already in canonical order: nodes by id, edges
    by id, votes by (node, user), edge votes by (edge, user), which is code-point
    order, as Python compares strings (SQL: ``ORDER BY ... COLLATE "C"``). An item
    out of that order raises ValueError rather than write a non-canonical file.
    Each item is normalised like dumps() does; the iterables are consumed lazily in
    the order of the keys in the file: edge votes, edges, nodes, then votes.
    """
    meta = json.dumps(normal_map(map), ensure_ascii=False, indent=2, sort_keys=True)
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
            '{\n  "edge_votes": ',
            edge_votes,
            normal_edge_vote,
            itemgetter("edge", "user"),
            _dump_edge_vote,
        ),
        (
            ',\n  "edges": ',
            edges,
            normal_edge,
            itemgetter("id"),
            _dump_edge,
        ),
        (
            f',\n  "format": {_encode_string(FORMAT_NAME)},\n'
            f'  "map": {meta.replace(chr(10), chr(10) + "  ")},\n'
            '  "nodes": ',
            nodes,
            normal_node,
            itemgetter("id"),
            _dump_node,
        ),
        (
            f',\n  "version": {FORMAT_VERSION},\n  "votes": ',
            votes,
            normal_vote,
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
