"""argmap JSON (v2) to Argdown (https://argdown.org), a Markdown-like text format.

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

    ## Arguments

    <group-id>: Linked premises: they bear on the conclusion only together. (Premise) Its
    rationale. {group: "group-id"}

    (1) [Premise]
    (2) [Other premise]
    ----
    (3) [Frame title]

    <group-id>
      <_ [Undercutter]

* Every node is defined exactly once (``[Title]: text``): a frame in its own
  section; a claim or crux inline under the first frame (in output order) that
  it supports or undermines, otherwise in the closing "Claims and cruxes"
  section. Everywhere else it is referenced as ``[Title]``.
* Each ``supports`` edge is a ``+`` relation and each ``undermines`` edge a
  ``-`` relation under its target's definition (the source nested below the
  target, as Argdown reads ``+``/``-``). Argdown has no relation for
  ``subframe_of`` and ``related``; they are written as comments under the
  source, which Argdown ignores. Edge weights, sources and votes are not written.
* A supports/undermines edge that a plain relation cannot carry (one of a linked
  group, one with a rationale, one that is undercut) is an argument instead: ``+
  <label>`` (``-``) under its target, and in the closing "Arguments" section its
  premise-conclusion structure: numbered premises (a group's, by edge id), ``----``,
  and the conclusion, the target itself for supports or ``Not: <target>`` with ``->
  [target]`` for undermines. The label is the group's id, else the edge's id; the
  argument's text is its rationale (a group's: each premise's, after its title).
  Undercuts use Argdown's undercut relation under the argument they attack: ``<_
  [Undercutter]``, or ``<_ <undercut-id>: rationale`` with ``+ [Undercutter]`` when
  the undercut has a rationale.
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

from claims.edge_keys import default_edge_key

CATEGORY_SECTIONS: tuple[tuple[str | None, str], ...] = (
    ("outer", "Outer alignment"),
    ("inner", "Inner alignment"),
    ("other", "Other frames"),
    (None, "Frames without a category"),
)
CLAIMS_SECTION = "Claims and cruxes"
ARGUMENTS_SECTION = "Arguments"
UNDERCUTS = "undercuts"
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


class _Argument:
    """A supports/undermines edge written as an Argdown argument, or a linked group of them."""

    def __init__(self, label: str, kind: str, target: str, edges: list[Mapping[str, Any]]):
        self.label = label
        self.kind = kind
        self.target = target
        self.edges = edges  # the premises' edges, by edge id
        self.undercuts: list[Mapping[str, Any]] = []

    @property
    def premises(self) -> list[str]:
        return [edge["source"] for edge in self.edges]


def _edge_id(edge: Mapping[str, Any]) -> str:
    if edge.get("id"):
        return edge["id"]
    end = edge.get("target_edge") if edge["kind"] == UNDERCUTS else edge.get("target")
    return default_edge_key(edge["source"], edge["kind"], end)


def _arguments(edges: list[Mapping[str, Any]]) -> dict[str, _Argument]:
    """Edge id -> the argument it is written as, for the edges that need one: those in a
    linked group, with a rationale or undercut (a plain relation cannot carry them)."""
    undercut_by: dict[str, list[Mapping[str, Any]]] = {}
    for edge in edges:
        if edge["kind"] == UNDERCUTS:
            undercut_by.setdefault(edge["target_edge"], []).append(edge)
    grouped: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for edge in sorted(edges, key=_edge_id):
        if edge["kind"] in RELATION_SIGNS and edge.get("group") is not None:
            grouped.setdefault((edge["target"], edge["kind"], edge["group"]), []).append(edge)
    arguments: dict[str, _Argument] = {}
    for (target, kind, group), members in grouped.items():
        argument = _Argument(group, kind, target, members)
        for member in members:
            arguments[_edge_id(member)] = argument
    for edge in edges:
        edge_id = _edge_id(edge)
        if edge["kind"] not in RELATION_SIGNS or edge_id in arguments:
            continue
        if edge.get("rationale") or edge_id in undercut_by:
            arguments[edge_id] = _Argument(edge_id, edge["kind"], edge["target"], [edge])
    for edge_id, argument in arguments.items():
        argument.undercuts.extend(undercut_by.get(edge_id, ()))
    return arguments


def argmap_to_argdown(doc: dict, *, credences: dict[str, tuple[float, int]] | None = None) -> str:
    """The (validated, normalised) argmap document as Argdown text."""
    credences = credences or {}
    nodes = {node["id"]: node for node in doc.get("nodes", ())}
    titles = _display_titles(nodes.values())

    def order(node_id: str) -> tuple[str, str]:
        return (titles[node_id].casefold(), node_id)

    edges = list(doc.get("edges", ()))
    arguments = _arguments(edges)
    kind_rank = {"supports": 0, "undermines": 1, "subframe_of": 2, "related": 3}
    # target -> [(kind, source)], a source being a node id or an argument ("<label>")
    incoming: dict[str, list[tuple[str, str]]] = {}
    notes: dict[str, list[tuple[str, str]]] = {}  # source -> [(kind, target)]
    written: set[str] = set()
    for edge in edges:
        kind = edge["kind"]
        if kind == UNDERCUTS:
            continue
        source, target = edge["source"], edge["target"]
        argument = arguments.get(_edge_id(edge))
        if argument is not None:
            if argument.label not in written:
                written.add(argument.label)
                incoming.setdefault(target, []).append((kind, f"<{argument.label}>"))
        elif kind in RELATION_SIGNS:
            incoming.setdefault(target, []).append((kind, source))
        else:
            notes.setdefault(source, []).append((kind, target))

    def item_order(item: tuple[str, str]) -> tuple:
        kind, source = item
        if source.startswith("<"):
            return (kind_rank[kind], 1, source.casefold(), source)
        return (kind_rank[kind], 0, *order(source))

    for items in incoming.values():
        items.sort(key=item_order)
    for items in notes.values():
        items.sort(key=lambda item: (kind_rank[item[0]], *order(item[1])))

    def definition(node_id: str) -> str:
        node = nodes[node_id]
        text = escape_text(node.get("text") or "") or escape_text(titles[node_id])
        data = [f'id: "{node_id}"', f"prior: {_number(node.get('prior', 0.5))}"]
        credence, votes = credences.get(node_id) or (None, 0)
        if credence is not None:
            data += [f"credence: {_number(credence)}", f"n: {int(votes)}"]
        return f"[{titles[node_id]}]: {text} #{node['kind']} {{{', '.join(data)}}}"

    def reference(source: str) -> str:
        return source if source.startswith("<") else f"[{titles[source]}]"

    def relations(node_id: str, indent: str) -> list[str]:
        return [
            f"{indent}{RELATION_SIGNS[kind]} {reference(source)}"
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
                if source.startswith("<") or source in defined:
                    lines.append(f"  {sign} {reference(source)}")
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

    unique = sorted({id(a): a for a in arguments.values()}.values(), key=lambda a: a.label)
    if unique:
        lines += [f"## {ARGUMENTS_SECTION}", ""]
        for argument in unique:
            lines += _argument_lines(argument, titles, nodes)
    return "\n".join(lines).rstrip("\n") + "\n"


def _argument_lines(
    argument: _Argument, titles: Mapping[str, str], nodes: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """The argument's premise-conclusion structure, then its rationale and undercutters.

    A supports argument concludes its target; an undermines argument concludes the
    target's negation, which attacks the target (``->``). Premises are numbered
    references to their statements; the conclusion follows a ``----`` line.
    """
    linked = len(argument.edges) > 1
    reasons = ["Linked premises: they bear on the conclusion only together."] if linked else []
    for edge in argument.edges:
        rationale = escape_text(edge.get("rationale") or "")
        if rationale and linked:
            rationale = f"({escape_text(titles[edge['source']])}) {rationale}"
        if rationale:
            reasons.append(rationale)
    data = f'{"group" if linked else "id"}: "{argument.label}"'
    head = (
        f"<{argument.label}>: {' '.join(reasons)} {{{data}}}" if reasons else f"<{argument.label}>"
    )
    lines = [head, ""]
    for number, premise in enumerate(argument.premises, start=1):
        lines.append(f"({number}) [{titles[premise]}]")
    lines.append("----")
    conclusion = len(argument.premises) + 1
    target = argument.target
    if argument.kind == "supports":
        lines.append(f"({conclusion}) [{titles[target]}]")
    else:
        lines.append(f"({conclusion}) Not: {escape_text(titles[target])}")
        lines.append(f"  -> [{titles[target]}]")
    lines.append("")
    if not argument.undercuts:
        return lines
    lines.append(f"<{argument.label}>")
    for undercut in sorted(argument.undercuts, key=lambda e: (*_title_key(titles, e), _edge_id(e))):
        source = undercut["source"]
        rationale = escape_text(undercut.get("rationale") or "")
        if rationale:
            label = _edge_id(undercut)
            lines.append(f'  <_ <{label}>: {rationale} {{id: "{label}"}}')
            lines.append(f"    + [{titles[source]}]")
        else:
            lines.append(f"  <_ [{titles[source]}]")
    lines.append("")
    return lines


def _title_key(titles: Mapping[str, str], edge: Mapping[str, Any]) -> tuple[str]:
    return (titles[edge["source"]].casefold(),)
