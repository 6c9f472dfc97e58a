"""argmap JSON v1 to Argdown (https://argdown.org), a Markdown-like text format.

Pure Python (no Django); export only::

    text = argmap_to_argdown(doc, credences={"nah": (0.62, 5)})   # node id -> (credence, votes)

Layout (deterministic: sections, statements and relations sorted by title, then id)::

    # Map title

    <!--
    The map's slug and description.
    -->

    ## Outer alignment            (then Inner alignment, Other frames, Frames without a category)

    ### Frame title

    [Frame title]: The frame's text. #frame {id: "frame-id", prior: 0.5, credence: 0.62, n: 5}
      + [Supporting claim]: Its text. #claim {id: "supporting-claim", prior: 0.5}
        - [A claim attacking it]
      - [Undermining crux]
      <!-- subframe of: Parent frame title -->

    ## Claims and cruxes

    [A claim attacking it]: Its text. #claim {id: "...", prior: 0.5}

* Every node is defined exactly once (``[Title]: text``): a frame in its own
  section; a claim or crux inline under the first frame (in output order) that
  it supports or undermines, otherwise in the closing "Claims and cruxes"
  section. Everywhere else it is referenced as ``[Title]``.
* Each ``supports`` edge is a ``+`` relation and each ``undermines`` edge a
  ``-`` relation under its target's definition (the source nested below the
  target, as Argdown reads ``+``/``-``). Argdown has no relation for
  ``subframe_of`` and ``related``; they are written as comments under the
  source, which Argdown ignores. Edge weights, sources and votes are not written.
* Tags ``#frame``, ``#claim``, ``#crux``; the data block carries the node id,
  the prior and, when ``credences`` names the node, its credence and vote count.
* Titles lose what Argdown reads as syntax: ``[`` and ``]`` become ``(`` and
  ``)``, line breaks and runs of whitespace one space. Titles that are equal
  after that (Argdown would merge them into one statement) get `` (node-id)``
  appended. Texts are put on one line and Argdown's special characters are
  backslash-escaped (``\\[ \\# \\{ \\_`` ...), so a text cannot start a tag, a
  data block, a comment or a reference.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

CATEGORY_SECTIONS: tuple[tuple[str | None, str], ...] = (
    ("outer", "Outer alignment"),
    ("inner", "Inner alignment"),
    ("other", "Other frames"),
    (None, "Frames without a category"),
)
CLAIMS_SECTION = "Claims and cruxes"
RELATION_SIGNS = {"supports": "+", "undermines": "-"}
COMMENT_WORDS = {"subframe_of": "subframe of", "related": "related to"}

_WHITESPACE = re.compile(r"\s+")
# Argdown's control characters outside titles; "/" only where it would open a comment.
_SPECIAL = re.compile(r"([\\\[\]<>{}#@*_]|/(?=[/*]))")


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _clean_title(title: str) -> str:
    return _one_line(title.replace("[", "(").replace("]", ")")) or "(untitled)"


def escape_text(text: str) -> str:
    """text on one line with Argdown's special characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", _one_line(text))


def _comment_safe(text: str) -> str:
    while "-->" in text:
        text = text.replace("-->", "- ->")
    return text


def _number(value: float) -> str:
    return repr(round(float(value), 3) + 0.0)


def _display_titles(nodes: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """node id -> a title unique in the document (Argdown merges statements by title)."""
    cleaned = {node["id"]: _clean_title(node["title"]) for node in nodes}
    counts = Counter(cleaned.values())
    titles: dict[str, str] = {}
    used: set[str] = set()
    for node_id in sorted(cleaned):
        title = cleaned[node_id]
        if counts[title] > 1:
            title = f"{title} ({node_id})"
        candidate, n = title, 1
        while candidate in used:
            n += 1
            candidate = f"{title} ({n})"
        used.add(candidate)
        titles[node_id] = candidate
    return titles


def argmap_to_argdown(doc: dict, *, credences: dict[str, tuple[float, int]] | None = None) -> str:
    """The (validated, normalised) argmap document as Argdown text."""
    credences = credences or {}
    nodes = {node["id"]: node for node in doc.get("nodes", ())}
    titles = _display_titles(nodes.values())

    def order(node_id: str) -> tuple[str, str]:
        return (titles[node_id].casefold(), node_id)

    kind_rank = {"supports": 0, "undermines": 1, "subframe_of": 2, "related": 3}
    incoming: dict[str, list[tuple[str, str]]] = {}  # target -> [(kind, source)]
    notes: dict[str, list[tuple[str, str]]] = {}  # source -> [(kind, target)]
    for edge in doc.get("edges", ()):
        kind, source, target = edge["kind"], edge["source"], edge["target"]
        if kind in RELATION_SIGNS:
            incoming.setdefault(target, []).append((kind, source))
        else:
            notes.setdefault(source, []).append((kind, target))
    for items in (*incoming.values(), *notes.values()):
        items.sort(key=lambda item: (kind_rank[item[0]], *order(item[1])))

    def definition(node_id: str) -> str:
        node = nodes[node_id]
        text = escape_text(node.get("text") or "") or escape_text(titles[node_id])
        data = [f'id: "{node_id}"', f"prior: {_number(node.get('prior', 0.5))}"]
        credence, votes = credences.get(node_id) or (None, 0)
        if credence is not None:
            data += [f"credence: {_number(credence)}", f"n: {int(votes)}"]
        return f"[{titles[node_id]}]: {text} #{node['kind']} {{{', '.join(data)}}}"

    def relations(node_id: str, indent: str) -> list[str]:
        return [
            f"{indent}{RELATION_SIGNS[kind]} [{titles[source]}]"
            for kind, source in incoming.get(node_id, ())
        ]

    def comments(node_id: str, indent: str) -> list[str]:
        return [
            f"{indent}<!-- {COMMENT_WORDS[kind]}: {_comment_safe(titles[target])} -->"
            for kind, target in notes.get(node_id, ())
        ]

    meta = doc.get("map", {})
    lines = [f"# {escape_text(meta.get('title', '')) or 'Argument map'}", ""]
    about = [f"argmap map {meta['slug']!r}, exported as Argdown."] if meta.get("slug") else []
    if meta.get("description"):
        about.append(meta["description"].strip())
    if about:
        lines += ["<!--", *(_comment_safe(part) for part in about), "-->", ""]

    frames = sorted((i for i, n in nodes.items() if n["kind"] == "frame"), key=order)
    defined: set[str] = set(frames)
    known = {category for category, _ in CATEGORY_SECTIONS}

    def section_of(frame_id: str) -> str | None:
        category = nodes[frame_id].get("category")
        return category if category in known else None

    for category, heading in CATEGORY_SECTIONS:
        members = [i for i in frames if section_of(i) == category]
        if not members:
            continue
        lines += [f"## {heading}", ""]
        for frame_id in members:
            lines += [f"### {escape_text(titles[frame_id])}", "", definition(frame_id)]
            for kind, source in incoming.get(frame_id, ()):
                sign = RELATION_SIGNS[kind]
                if source in defined:
                    lines.append(f"  {sign} [{titles[source]}]")
                    continue
                defined.add(source)  # a claim or crux, defined here, its relations below it
                lines.append(f"  {sign} {definition(source)}")
                lines += relations(source, "    ") + comments(source, "    ")
            lines += comments(frame_id, "  ")
            lines.append("")

    rest = sorted((i for i in nodes if i not in defined), key=order)
    if rest:
        lines += [f"## {CLAIMS_SECTION}", ""]
        for node_id in rest:
            lines.append(definition(node_id))
            lines += relations(node_id, "  ") + comments(node_id, "  ")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
