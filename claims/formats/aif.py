"""AIF JSON (as AIFdb and OVA write it) to and from argmap JSON (version 2).

Pure Python (no Django)::

    doc, skipped = aif_to_argmap(data, slug="debate")   # data: the parsed AIF JSON
    data = argmap_to_aif(doc, credences={"nah": 0.62})   # doc: a validated argmap doc

The Argument Interchange Format describes a debate as a graph of typed nodes:
I-nodes (information: propositions), S-nodes relating them (RA: inference, CA:
conflict, MA: rephrase; PA: preference) and, in AIF+ files, the dialogue layer
(L: locutions, YA: illocutionary anchors, TA: transitions). Edges carry no type;
the S-node between two I-nodes does: ``premise -> RA -> conclusion``.

Import (``aif_to_argmap``)
--------------------------
* Every I-node becomes a claim. Its id is ``i-<nodeID slugified>`` (a short
  hash is appended when two nodeIDs slugify alike or the slug is empty or long);
  its title is the first sentence of the first line of its text, cut to 200
  characters on a word boundary ("(empty)" for an empty text); ``text`` keeps
  the whole text (control characters dropped, cut to 20000 characters).
* Each RA node makes every premise (an I-node with an edge into the RA)
  ``supports`` every conclusion (an I-node the RA has an edge to); a CA node
  makes its sources ``undermines`` its targets; an MA node makes them
  ``related``. An RA/CA/MA without an I-node on either side is skipped and
  counted as ``"RA (incomplete)"`` etc. (a CA with premises whose only targets
  are S-nodes is not: see undercuts).
* Linked premises: the edges an RA node with two or more premises makes into one
  conclusion form a linked group (``group``: ``ra-<nodeID slugified>``, plus the
  conclusion's id when the RA has several). When one of them cannot be made
  (a self-loop, or an edge another S-node already made) the group is left out and
  counted as ``"RA linked group (overlaps other edges)"``.
* Undercuts: a CA node whose target is an RA node makes each of its premises
  ``undercuts`` each supports edge that RA stands for (``target_edge``), after all
  other edges. What argmap cannot hold is skipped and counted per (premise,
  attacked S-node): an attack on a CA, an MA or a PA (``"undercut of a CA"``...),
  on an RA that made no edge (``"undercut of an incomplete RA"``), and an undercut
  that would close a cycle through undercuts or whose undercutter is the attacked
  edge's own conclusion (``"undercut (cycle)"``); a second undercut of the same
  edge by the same node counts as ``"duplicate edge"``.
* PA, L, YA, TA and every other node type are skipped and counted by type; edges
  from or to skipped nodes are ignored, and so are edges between two I-nodes
  (AIF relates I-nodes only through S-nodes).
* Edges are deduplicated on (source, target, kind) (the first weight wins;
  counted as ``"duplicate edge"``) and self-loops dropped (``"self-loop"``).
* Bounds, checked by counting before any edge is built, so refusing a file
  builds none (memory stays near the size of the file): an S-node may make at most
  ``MAX_EDGES_PER_SNODE`` edges (premises x conclusions, each side counted
  once), and all S-nodes together at most argmap's ``MAX_EDGES`` (counted before
  duplicates across S-nodes are merged, so it bounds the work too). The check
  that keeps ``subframe_of`` edges free of cycles does at most
  ``MAX_CYCLE_CHECK_STEPS`` steps (only edges that could close a cycle cost any).
  Passing a bound raises ``AifFormatError`` naming the S-node and the numbers;
  undercuts count the same way (premises x attacked edges, per CA node and in all).
* An edge naming a node that does not exist, a missing nodeID/type/fromID/toID,
  a duplicate nodeID or a wrong top-level shape raise ``AifFormatError`` with
  every problem as ``"<path>: <message>"``. OVA3 files, which wrap the AIF in
  ``{"AIF": {...}, "OVA": {...}}``, are unwrapped.
* The returned document is not validated, but is built to pass
  ``claims.formats.argmap.validate``; the second value counts what was skipped.

Export (``argmap_to_aif``)
--------------------------
* Every node becomes an I-node whose text is the title, followed by a blank line
  and the text when there is one (just the text when it already starts with the
  title, as it does for maps imported from AIF).
* Each ``supports`` edge becomes ``source -> RA -> target``, each ``undermines``
  edge a CA node, each ``related`` and ``subframe_of`` edge an MA node; a linked
  group is one RA (or CA) node with all its premises; an undercut is a CA node
  from the undercutter to the S-node of the edge it attacks.
* argmap's own data rides along in an ``"argmap"`` extension key that AIF tools
  ignore: I-nodes get ``{"id", "kind", "category", "title", "text", "prior"}``
  (plus ``"credence"`` when ``credences`` has the node), the S-node of one edge
  ``{"kind", "weight", "id", "rationale"}``, that of a group ``{"kind", "group",
  "edges": [{"id", "source", "weight", "rationale"}, ...]}`` and an undercut's CA
  ``{"kind": "undercuts", "weight", "id", "rationale", "target_edge"}``. The
  importer reads it back, so argmap -> AIF -> argmap keeps node ids, kinds,
  categories, titles, texts and priors and every edge with its id, kind, weight,
  rationale and group, undercuts included (subframe_of too; when the extension is
  absent an MA becomes ``related``, and an undercut of an undermines edge, a CA
  attacking a CA, is skipped). Not carried: sources, votes, the map's own
  attributes (the importer takes slug and title as arguments) and credences
  (written for other tools, not read back).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from claims.edge_keys import default_edge_key
from claims.formats.argmap import MAX_EDGES, MAX_NODES

MAX_AIF_NODES = 1_000_000  # every AIF node, dialogue layer included
MAX_AIF_EDGES = 2_000_000
MAX_PROBLEMS = 1000
# Edges one RA/CA/MA node may make (premises x conclusions). An S-node with p
# premises and c conclusions makes p * c edges: a few kilobytes of AIF can ask for
# millions. Real AIF has a handful: in the AIFdb corpus files in
# /work/shared/testdata/aif the largest S-node has 3 premises and 1 conclusion (3
# edges), AIF's RA nodes conventionally have a single conclusion, and argmap's own
# export writes one S-node per edge (1 x 1). 10,000 (e.g. 100 premises x 100
# conclusions) leaves more than a thousandfold headroom, while a single S-node can
# no longer make more than 1% of MAX_EDGES.
MAX_EDGES_PER_SNODE = 10_000
# Steps (nodes visited) the subframe_of cycle check may take over a whole import.
# Acyclic hierarchies (every valid argmap export) take none; only edges between
# frames in one strongly connected group are checked, each by a search within
# the group, which files with large tangles of subframe_of cycles could make
# quadratic. Five million steps is a couple of seconds.
MAX_CYCLE_CHECK_STEPS = 5_000_000

TITLE_MAX = 200
TEXT_MAX = 20_000
DESCRIPTION_MAX = 5000
ID_MAX = 100
DEFAULT_TITLE = "Imported AIF map"
EMPTY_TITLE = "(empty)"
EXTENSION = "argmap"

NODE_KINDS = ("frame", "claim", "crux")
CATEGORIES = ("outer", "inner", "other")
EDGE_KINDS = ("supports", "undermines", "subframe_of", "related")

# AIF S-node type -> argmap edge kind, and back (subframe_of also travels as an MA).
_S_KINDS = {"RA": "supports", "CA": "undermines", "MA": "related"}
_S_NODE_OF = {"supports": "RA", "undermines": "CA", "related": "MA", "subframe_of": "MA"}
# The scheme names AIFdb gives its default inference, conflict and rephrase.
_S_TEXT = {"RA": "Default Inference", "CA": "Default Conflict", "MA": "Default Rephrase"}
# The scheme nodes a CA may attack (an undercut when it is an RA).
_S_NODE_TYPES = frozenset({"RA", "CA", "MA", "PA"})
ARGUMENT_KINDS = ("supports", "undermines")
UNDERCUTS = "undercuts"

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SENTENCE_END = re.compile(r"[.!?\u2026](?=\s|$)")
_NOT_SPACE = re.compile(r"\S")
_WORD = re.compile(r"\S+")
# What str.splitlines() splits on (all of them are whitespace too).
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class AifFormatError(ValueError):
    """The data is not usable AIF JSON.

    ``problems`` lists every problem found, each as ``"<path>: <message>"``
    (``$`` is the whole document, e.g. ``nodes[3].type: missing``); ``str()``
    joins them with newlines.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems) or ["$: invalid AIF document"]
        super().__init__("\n".join(self.problems))


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.dropped = 0

    def add(self, path: str, message: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(f"{path}: {message}")
        else:
            self.dropped += 1

    def raise_if_any(self) -> None:
        if self.lines:
            extra = [f"$: ... and {self.dropped} more problems"] if self.dropped else []
            raise AifFormatError(self.lines + extra)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


# ----------------------------------------------------------------------- reading AIF


def _node_key(value: Any) -> str | None:
    """A nodeID/fromID/toID as a lookup key: strings as they are, integers as digits."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is int:  # not bool, whose type is bool
        return str(value)
    return None


def _check_structure(data: Any) -> tuple[list[dict], list[dict], str]:
    """Check the AIF shape; return (nodes, edges, path prefix) or raise AifFormatError."""
    if not isinstance(data, dict):
        raise AifFormatError([f"$: expected an object, got {_type_name(data)}"])
    prefix = ""
    if "nodes" not in data and isinstance(data.get("AIF"), dict):  # OVA3 wrapper
        data, prefix = data["AIF"], "AIF."
    nodes, edges = data.get("nodes"), data.get("edges", [])
    problems = _Problems()
    if "nodes" not in data:
        problems.add(f"{prefix}nodes" if prefix else "$", "missing the 'nodes' list")
    elif not isinstance(nodes, list):
        problems.add(f"{prefix}nodes", f"must be a list, got {_type_name(nodes)}")
    elif len(nodes) > MAX_AIF_NODES:
        problems.add(f"{prefix}nodes", f"too many nodes ({len(nodes)}, at most {MAX_AIF_NODES})")
    if not isinstance(edges, list):
        problems.add(f"{prefix}edges", f"must be a list, got {_type_name(edges)}")
    elif len(edges) > MAX_AIF_EDGES:
        problems.add(f"{prefix}edges", f"too many edges ({len(edges)}, at most {MAX_AIF_EDGES})")
    problems.raise_if_any()
    return nodes, edges, prefix


def _check_items(nodes: list, edges: list, prefix: str) -> dict[str, dict]:
    """Check every node and edge; return the nodes by key or raise AifFormatError."""
    problems = _Problems()
    by_key: dict[str, dict] = {}
    first: dict[str, int] = {}
    for i, node in enumerate(nodes):
        path = f"{prefix}nodes[{i}]"
        if not isinstance(node, dict):
            problems.add(path, f"must be an object, got {_type_name(node)}")
            continue
        key = None
        if "nodeID" not in node:
            problems.add(f"{path}.nodeID", "missing")
        else:
            key = _node_key(node["nodeID"])
            if key is None:
                problems.add(
                    f"{path}.nodeID",
                    f"must be a non-empty string or an integer, got {_type_name(node['nodeID'])}",
                )
        kind = node.get("type")
        if "type" not in node:
            problems.add(f"{path}.type", "missing")
        elif not isinstance(kind, str) or not kind.strip():
            problems.add(f"{path}.type", f"must be a non-empty string, got {_type_name(kind)}")
        text = node.get("text")
        if text is not None and not isinstance(text, str):
            problems.add(f"{path}.text", f"must be a string, got {_type_name(text)}")
        if key is not None:
            if key in first:
                problems.add(
                    f"{path}.nodeID",
                    f"duplicate nodeID {_show(key)} (first at {prefix}nodes[{first[key]}])",
                )
            else:
                first[key] = i
                by_key[key] = node
    for i, edge in enumerate(edges):
        path = f"{prefix}edges[{i}]"
        if not isinstance(edge, dict):
            problems.add(path, f"must be an object, got {_type_name(edge)}")
            continue
        for end in ("fromID", "toID"):
            if end not in edge:
                problems.add(f"{path}.{end}", "missing")
                continue
            key = _node_key(edge[end])
            if key is None:
                problems.add(
                    f"{path}.{end}",
                    f"must be a non-empty string or an integer, got {_type_name(edge[end])}",
                )
            elif key not in by_key:
                problems.add(f"{path}.{end}", f"unknown node {_show(key)}")
    problems.raise_if_any()
    return by_key


# -------------------------------------------------------------------- text and ids


def _safe(text: str) -> str:
    return _UNSAFE.sub("", text)


def _shorten(text: str, limit: int) -> str:
    """text cut to at most limit characters, on a word boundary when there is one."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "\u2026"


def title_from_text(text: str) -> str:
    """The first sentence of the first non-blank line, at most 200 characters."""
    # Only as many words as the title can use are read (the text may be megabytes
    # on one line): their first TITLE_MAX + 2 characters decide the title.
    first = _NOT_SPACE.search(text)
    if first is None:
        return EMPTY_TITLE
    line_break = _LINE_BREAK.search(text, first.start())
    line_end = line_break.start() if line_break else len(text)
    words: list[str] = []
    size = -1
    for word in _WORD.finditer(text, first.start(), line_end):
        words.append(word.group())
        size += len(words[-1]) + 1
        if size >= TITLE_MAX + 2:
            break
    flat = " ".join(words)
    end = _SENTENCE_END.search(flat)
    sentence = flat[: end.end()] if end else flat
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1].rstrip() or sentence
    return _shorten(sentence, TITLE_MAX)


def _slug(value: str) -> str:
    return _NOT_SLUG.sub("-", value.lower()).strip("-")


def _hashed(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _derive_ids(keys: list[str], taken: set[str]) -> dict[str, str]:
    """``i-<slug>`` for each AIF key, with a hash suffix where slugs collide or are unusable."""
    slugs = {key: _slug(key) for key in keys}
    counts = Counter(slugs.values())
    ids: dict[str, str] = {}
    for key in keys:
        slug = slugs[key]
        plain = f"i-{slug}"
        if slug and counts[slug] == 1 and len(plain) <= ID_MAX and plain not in taken:
            candidate = plain
        else:
            digest = _hashed(key)
            stem = f"i-{slug[:80]}-" if slug else "i-"
            candidate = stem + digest[:10]
            n = 0
            while candidate in taken:
                n += 1
                candidate = f"{stem}{digest[:10]}-{n}"
        taken.add(candidate)
        ids[key] = candidate
    return ids


# ------------------------------------------------------------- the argmap extension


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _valid_title(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > TITLE_MAX or _UNSAFE.search(value):
        return None
    return value


def _extension(node: Mapping[str, Any]) -> dict[str, Any] | None:
    ext = node.get(EXTENSION)
    return ext if isinstance(ext, dict) else None


def _i_node_fields(node: Mapping[str, Any], ext: dict[str, Any] | None) -> tuple[dict, bool]:
    """(kind, category, title, text, prior) from the extension where valid, else from the
    AIF text; the flag says whether some extension field was unusable."""
    raw = node.get("text") or ""
    text = _safe(raw)
    fields: dict[str, Any] = {
        "kind": "claim",
        "category": None,
        "title": title_from_text(text),
        "text": _shorten(text, TEXT_MAX),
        "prior": 0.5,
    }
    if ext is None:
        return fields, False
    bad = False
    kind = ext.get("kind", "claim")
    if kind in NODE_KINDS:
        fields["kind"] = kind
    else:
        bad = True
    category = ext.get("category")
    if category is not None:
        if fields["kind"] == "frame" and category in CATEGORIES:
            fields["category"] = category
        else:
            bad = True
    if "title" in ext:
        title = _valid_title(ext["title"])
        if title is None:
            bad = True
        else:
            fields["title"] = title
    if "text" in ext:
        ext_text = ext["text"]
        if isinstance(ext_text, str) and len(ext_text) <= TEXT_MAX and not _UNSAFE.search(ext_text):
            fields["text"] = ext_text
        else:
            bad = True
    if "prior" in ext:
        prior = _number(ext["prior"])
        if prior is not None and 0.01 <= prior <= 0.99:
            fields["prior"] = prior
        else:
            bad = True
    return fields, bad


def _s_node_fields(kind: str, ext: dict[str, Any] | None) -> tuple[str, float, bool]:
    """(edge kind, weight, extension unusable) for an RA/CA/MA node."""
    edge_kind, weight = _S_KINDS[kind], 1.0
    if ext is None:
        return edge_kind, weight, False
    bad = False
    wanted = ext.get("kind", edge_kind)
    if wanted == edge_kind or (kind == "MA" and wanted == "subframe_of"):
        edge_kind = wanted
    else:
        bad = True
    if "weight" in ext:
        value = _number(ext["weight"])
        if value is not None and 0.0 <= value <= 1.0:
            weight = value
        else:
            bad = True
    return edge_kind, weight, bad


# ------------------------------------------------------------ expanding the S-nodes


def _s_node_sides(
    edges: list[dict], by_key: dict[str, dict]
) -> tuple[dict[str, dict[str, None]], dict[str, dict[str, None]], dict[str, dict[str, None]]]:
    """(premises, conclusions, attacked) of every RA/CA/MA node: its I-nodes on either
    side and, for a CA, the S-nodes it attacks (undercuts), each once, in the order the
    edges first name them."""
    premises_of: dict[str, dict[str, None]] = {}
    conclusions_of: dict[str, dict[str, None]] = {}
    attacked_of: dict[str, dict[str, None]] = {}
    for edge in edges:
        source, target = _node_key(edge["fromID"]), _node_key(edge["toID"])
        source_type, target_type = by_key[source].get("type"), by_key[target].get("type")
        if source_type == "I" and target_type in _S_KINDS:
            premises_of.setdefault(target, {})[source] = None
        elif target_type == "I" and source_type in _S_KINDS:
            conclusions_of.setdefault(source, {})[target] = None
        elif source_type == "CA" and target_type in _S_NODE_TYPES:
            attacked_of.setdefault(source, {})[target] = None
    return premises_of, conclusions_of, attacked_of


def _check_expansion(
    nodes: list[dict],
    premises_of: Mapping[str, Mapping[str, None]],
    conclusions_of: Mapping[str, Mapping[str, None]],
    prefix: str,
) -> None:
    """Raise AifFormatError at the first S-node that would make more than
    MAX_EDGES_PER_SNODE edges, or that would take all S-nodes past MAX_EDGES.

    Counts only (premises x conclusions), so nothing is built for a file that is refused.
    """
    total = 0
    for i, node in enumerate(nodes):
        kind = node["type"]
        if kind not in _S_KINDS:
            continue
        key = _node_key(node["nodeID"])
        premises, conclusions = premises_of.get(key), conclusions_of.get(key)
        if not premises or not conclusions:
            continue
        pairs = len(premises) * len(conclusions)
        sides = f"{len(premises)} premises x {len(conclusions)} conclusions"
        if pairs > MAX_EDGES_PER_SNODE:
            raise AifFormatError(
                [
                    f"{prefix}nodes[{i}]: {kind} node {_show(key)} would make {pairs} edges "
                    f"({sides}); one S-node may make at most {MAX_EDGES_PER_SNODE}"
                ]
            )
        total += pairs
        if total > MAX_EDGES:
            raise AifFormatError(
                [
                    f"{prefix}nodes[{i}]: too many edges: with {kind} node {_show(key)} "
                    f"({sides}) the S-nodes would make {total} edges, "
                    f"argmap takes at most {MAX_EDGES}"
                ]
            )


def _subframe_candidates(
    nodes: list[dict],
    premises_of: Mapping[str, Mapping[str, None]],
    conclusions_of: Mapping[str, Mapping[str, None]],
    ids: Mapping[str, str],
    kinds: Mapping[str, str],
) -> dict[str, list[str]]:
    """Every frame -> frame pair an MA node asks to make subframe_of (argmap ids)."""
    graph: dict[str, list[str]] = {}
    for node in nodes:
        if node["type"] != "MA":
            continue
        ext = _extension(node)
        if ext is None or ext.get("kind") != "subframe_of":
            continue
        key = _node_key(node["nodeID"])
        for premise in premises_of.get(key, ()):
            source = ids[premise]
            if kinds[source] != "frame":
                continue
            for conclusion in conclusions_of.get(key, ()):
                target = ids[conclusion]
                if target != source and kinds[target] == "frame":
                    graph.setdefault(source, []).append(target)
    return graph


def _components(graph: Mapping[str, list[str]]) -> dict[str, int]:
    """The strongly connected component of every node of graph, as a number (linear time)."""
    digraph = nx.DiGraph(
        (source, target) for source, targets in graph.items() for target in targets
    )
    return {
        node: number
        for number, members in enumerate(nx.strongly_connected_components(digraph))
        for node in members
    }


class _CycleCheck:
    """Whether a new subframe_of edge would close a cycle among those already kept.

    Only a candidate edge inside one strongly connected component of all the
    candidate subframe_of edges can close a cycle (any path back from its target
    to its source stays in that component); only those are searched for, within
    the component, at most MAX_CYCLE_CHECK_STEPS nodes visited per import.
    """

    def __init__(self, candidates: Mapping[str, list[str]]) -> None:
        self.component = _components(candidates)
        self.kept: dict[str, set[str]] = {}
        self.steps = 0

    def add(self, source: str, target: str) -> None:
        self.kept.setdefault(source, set()).add(target)

    def would_close(self, source: str, target: str, path: str) -> bool:
        """Whether target already reaches source through kept edges; path names the
        S-node in the error raised when the step budget runs out."""
        group = self.component.get(source)
        if group is None or self.component.get(target) != group:
            return False
        seen, stack = {target}, [target]
        while stack:
            node = stack.pop()
            if node == source:
                return True
            self.steps += 1
            if self.steps > MAX_CYCLE_CHECK_STEPS:
                raise AifFormatError(
                    [
                        f"{path}: too many subframe_of cycles to untangle (more than "
                        f"{MAX_CYCLE_CHECK_STEPS} steps checking them)"
                    ]
                )
            for succ in self.kept.get(node, ()):
                if succ not in seen and self.component.get(succ) == group:
                    seen.add(succ)
                    stack.append(succ)
        return False


# ---------------------------------------------------- edge ids, groups and undercuts


RATIONALE_MAX = 2000


def _fallback_id(base: str, taken: set[str]) -> str:
    """base, or base with a number appended, not yet in taken (at most ID_MAX characters)."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: ID_MAX - len(suffix)] + suffix
    return candidate


class _EdgeIds:
    """Unique edge ids: the extension's where usable, else argmap's default one."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: Any, source: str, kind: str, end: str) -> str:
        if isinstance(wanted, str) and _KEY.match(wanted) and wanted not in self.taken:
            chosen = wanted
        else:
            chosen = _fallback_id(default_edge_key(source, kind, end), self.taken)
        self.taken.add(chosen)
        return chosen


class _GroupIds:
    """Unique linked-group ids: the extension's where usable, else one from the S-node."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str | None, s_key: str, several: bool, target: str) -> str:
        if wanted is not None and wanted not in self.taken and not several:
            chosen = wanted
        else:
            stem = _slug(s_key)
            base = f"ra-{stem}" if stem else f"ra-{_hashed(s_key)[:10]}"
            if several:  # one group per conclusion of the S-node
                base = f"{base}-{target}"
            if len(base) > ID_MAX - 4:
                base = f"ra-{_hashed(s_key + chr(0) + target)[:10]}"
            chosen = _fallback_id(base, self.taken)
        self.taken.add(chosen)
        return chosen


def _wanted_group(ext: dict[str, Any] | None) -> str | None:
    group = ext.get("group") if ext else None
    return group if isinstance(group, str) and _KEY.match(group) else None


def _edge_fields(value: Any) -> dict[str, Any] | None:
    """id, weight and rationale of one edge from the extension, or None if one is unusable."""
    if not isinstance(value, dict):
        return None
    fields: dict[str, Any] = {}
    if "id" in value:
        if not (isinstance(value["id"], str) and _KEY.match(value["id"])):
            return None
        fields["id"] = value["id"]
    if "weight" in value:
        weight = _number(value["weight"])
        if weight is None or not 0.0 <= weight <= 1.0:
            return None
        fields["weight"] = weight
    if "rationale" in value:
        rationale = value["rationale"]
        if not (
            isinstance(rationale, str)
            and len(rationale) <= RATIONALE_MAX
            and not _UNSAFE.search(rationale)
        ):
            return None
        fields["rationale"] = rationale
    return fields


class _PerEdge:
    """What the extension says about each edge an S-node stands for.

    argmap writes ``{"id", "weight", "rationale"}`` on the S-node of one edge, and
    ``{"group", "edges": [{"id", "source", "weight", "rationale"}, ...]}`` on the S-node
    of a linked group (one entry per premise, by the premise's argmap id).
    """

    def __init__(self, ext: dict[str, Any] | None, one_edge: bool) -> None:
        self.bad = False
        self.by_source: dict[str, dict[str, Any]] = {}
        self.single: dict[str, Any] = {}
        if ext is None:
            return
        listed = ext.get("edges")
        if listed is not None:
            if not isinstance(listed, list):
                self.bad = True
                return
            for item in listed:
                fields = _edge_fields(item)
                source = item.get("source") if isinstance(item, dict) else None
                if fields is None or not isinstance(source, str):
                    self.bad = True
                    continue
                self.by_source[source] = fields
            return
        fields = _edge_fields({k: ext[k] for k in ("id", "rationale") if k in ext})
        if fields is None:
            self.bad = True
        elif one_edge:
            self.single = fields

    def of(self, source: str) -> dict[str, Any]:
        return self.by_source.get(source, self.single)


def _undercuts_add(
    nodes: list[dict],
    by_key: dict[str, dict],
    premises_of: Mapping[str, Mapping[str, None]],
    attacked_of: Mapping[str, Mapping[str, None]],
    made_by: Mapping[str, list[int]],
    ids: Mapping[str, str],
    out_edges: list[dict],
    edge_ids: _EdgeIds,
    skipped: Counter,
    bad_extension: set[str],
    prefix: str,
) -> None:
    """A CA attacking an RA undercuts each edge the RA stands for (after all other edges).

    What argmap cannot hold is skipped and counted per (undercutter, attacked S-node):
    an attack on a CA, an MA or a PA (argmap's own export marks its undercuts of
    undermines edges, which are CA nodes, in the extension: those are kept), an attack
    on an RA that made no edge, an undercut closing a cycle (``undercut (cycle)``).
    """
    total = len(out_edges)
    planned: list[tuple[str, int, dict[str, Any]]] = []  # (undercutter, attacked edge, fields)
    for i, node in enumerate(nodes):
        if node["type"] != "CA":
            continue
        key = _node_key(node["nodeID"])
        attacked, premises = attacked_of.get(key), premises_of.get(key)
        if not attacked or not premises:
            continue
        ext = _extension(node)
        own: dict[str, Any] = {}
        marked = ext is not None and ext.get("kind") == UNDERCUTS
        if marked:
            fields = _edge_fields({k: ext[k] for k in ("id", "weight", "rationale") if k in ext})
            wanted = ext.get("target_edge")
            if fields is None or not (wanted is None or isinstance(wanted, str)):
                bad_extension.add(key)
            else:
                own = {**fields, "target_edge": wanted}
        pairs = []
        for s_key in attacked:
            s_type = by_key[s_key]["type"]
            if s_type != "RA" and not (s_type == "CA" and own.get("target_edge")):
                article = "an" if s_type[0] in "AEIMO" else "a"
                skipped[f"undercut of {article} {s_type}"] += len(premises)
                continue
            edges = [
                n
                for n in dict.fromkeys(made_by.get(s_key, ()))
                if out_edges[n]["kind"] in ARGUMENT_KINDS
                and own.get("target_edge") in (None, out_edges[n]["id"])
            ]
            if not edges:
                skipped[f"undercut of an incomplete {s_type}"] += len(premises)
                continue
            pairs.extend(edges)
        count = len(premises) * len(pairs)
        if count > MAX_EDGES_PER_SNODE:
            raise AifFormatError(
                [
                    f"{prefix}nodes[{i}]: CA node {_show(key)} would make {count} undercuts "
                    f"({len(premises)} premises x {len(pairs)} attacked edges); one S-node may "
                    f"make at most {MAX_EDGES_PER_SNODE}"
                ]
            )
        total += count
        if total > MAX_EDGES:
            raise AifFormatError(
                [
                    f"{prefix}nodes[{i}]: too many edges: with the undercuts of CA node "
                    f"{_show(key)} the map would have {total} edges, argmap takes at most "
                    f"{MAX_EDGES}"
                ]
            )
        planned.extend((ids[premise], n, own) for premise in premises for n in pairs)
    if not planned:
        return

    # No cycle through undercuts: u undercutting a -> b makes b depend on u as on a.
    candidates: dict[str, list[str]] = {}
    for edge in out_edges:
        if edge["kind"] in ARGUMENT_KINDS:
            candidates.setdefault(edge["source"], []).append(edge["target"])
    for source, n, _ in planned:
        candidates.setdefault(source, []).append(out_edges[n]["target"])
    cycles = _CycleCheck(candidates)
    for edge in out_edges:
        if edge["kind"] in ARGUMENT_KINDS:
            cycles.add(edge["source"], edge["target"])
    seen: set[tuple[str, str]] = set()
    for source, n, own in planned:
        attacked = out_edges[n]
        if (source, attacked["id"]) in seen:
            skipped["duplicate edge"] += 1
            continue
        end = attacked["target"]
        if source == end or cycles.would_close(source, end, f"{prefix}nodes"):
            skipped["undercut (cycle)"] += 1
            continue
        seen.add((source, attacked["id"]))
        cycles.add(source, end)
        out_edges.append(
            {
                "id": edge_ids.take(own.get("id"), source, UNDERCUTS, attacked["id"]),
                "source": source,
                "target": None,
                "target_edge": attacked["id"],
                "kind": UNDERCUTS,
                "weight": own.get("weight", 1.0),
                "rationale": own.get("rationale", ""),
                "group": None,
            }
        )


# --------------------------------------------------------------------------- import


def aif_to_argmap(
    data: dict, *, slug: str, title: str | None = None
) -> tuple[dict, dict[str, int]]:
    """Convert parsed AIF JSON into an argmap v2 document.

    Returns (document, skipped): the document passes ``validate()`` (given a
    valid ``slug`` and ``title``); ``skipped`` counts what was left out, by AIF
    node type (``"L"``, ``"YA"``, ``"TA"``, ``"PA"``...), ``"RA (incomplete)"``
    (likewise CA, MA) for S-nodes without an I-node on one side,
    ``"self-loop"``, ``"duplicate edge"``, the linked groups and undercuts argmap
    cannot hold (see the module docstring) and ``"argmap extension (invalid)"``
    (AIF nodes with an extension value that could not be used). Raises AifFormatError when
    the data is not AIF (see the module docstring).
    """
    nodes, edges, prefix = _check_structure(data)
    by_key = _check_items(nodes, edges, prefix)
    skipped: Counter[str] = Counter()
    bad_extension: set[str] = set()  # AIF keys of nodes with an unusable extension value

    # I-nodes: ids from the extension where usable, derived ones for the rest.
    i_keys = [
        key for key in (_node_key(n["nodeID"]) for n in nodes) if by_key[key].get("type") == "I"
    ]
    if len(i_keys) > MAX_NODES:
        raise AifFormatError(
            [f"{prefix}nodes: too many I-nodes ({len(i_keys)}, argmap takes at most {MAX_NODES})"]
        )
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key in i_keys:
        ext = _extension(by_key[key])
        wanted = ext.get("id") if ext else None
        if isinstance(wanted, str) and _KEY.match(wanted) and wanted not in taken:
            ids[key] = wanted
            taken.add(wanted)
        elif ext is not None:
            bad_extension.add(key)
    ids.update(_derive_ids([k for k in i_keys if k not in ids], taken))

    out_nodes = []
    kinds: dict[str, str] = {}
    for key in i_keys:
        node = by_key[key]
        fields, bad = _i_node_fields(node, _extension(node))
        if bad:
            bad_extension.add(key)
        node_id = ids[key]
        kinds[node_id] = fields["kind"]
        out_nodes.append({"id": node_id, **fields, "sources": []})

    # The I-nodes on each side of every S-node (each once, in the order first seen),
    # then the bounds on what they expand to, before any edge is made.
    premises_of, conclusions_of, attacked_of = _s_node_sides(edges, by_key)
    _check_expansion(nodes, premises_of, conclusions_of, prefix)

    out_edges: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}  # (source, target, kind) -> index in out_edges
    edge_ids = _EdgeIds()
    groups = _GroupIds()
    made_by: dict[str, list[int]] = {}  # S-node key -> the edges it stands for
    cycles = _CycleCheck(_subframe_candidates(nodes, premises_of, conclusions_of, ids, kinds))
    for i, node in enumerate(nodes):
        key = _node_key(node["nodeID"])
        kind = node["type"]
        if kind == "I":
            continue
        if kind not in _S_KINDS:
            skipped[kind] += 1
            continue
        premises, conclusions = premises_of.get(key), conclusions_of.get(key)
        if not premises or not conclusions:
            if not (kind == "CA" and premises and attacked_of.get(key)):
                skipped[f"{kind} (incomplete)"] += 1
            continue  # a CA attacking S-nodes only: its undercuts come below
        ext = _extension(node)
        edge_kind, weight, bad = _s_node_fields(kind, ext)
        per_edge = _PerEdge(ext, len(premises) == 1 and len(conclusions) == 1)
        if bad or per_edge.bad:
            bad_extension.add(key)
        # Several premises of one inference (or of one conflict, as argmap writes a
        # linked group of undermines edges) form a linked group per conclusion.
        linked = len(premises) > 1 and (kind == "RA" or _wanted_group(ext) is not None)
        made = made_by.setdefault(key, [])
        for conclusion in conclusions:
            target = ids[conclusion]
            members: list[int] = []
            complete = True
            for premise in premises:
                source = ids[premise]
                if source == target:
                    skipped["self-loop"] += 1
                    complete = False
                    continue
                this_kind = edge_kind
                if this_kind == "subframe_of" and (
                    kinds[source] != "frame"
                    or kinds[target] != "frame"
                    or cycles.would_close(source, target, f"{prefix}nodes[{i}]")
                ):
                    this_kind = "related"  # a subframe_of argmap would refuse
                    bad_extension.add(key)
                triple = (source, target, this_kind)
                if triple in seen:
                    skipped["duplicate edge"] += 1
                    made.append(seen[triple])
                    complete = False
                    continue
                seen[triple] = len(out_edges)
                if this_kind == "subframe_of":
                    cycles.add(source, target)
                own = per_edge.of(source)
                made.append(len(out_edges))
                members.append(len(out_edges))
                out_edges.append(
                    {
                        "id": edge_ids.take(own.get("id"), source, this_kind, target),
                        "source": source,
                        "target": target,
                        "kind": this_kind,
                        "weight": own.get("weight", weight),
                        "rationale": own.get("rationale", ""),
                        "group": None,
                    }
                )
            if not linked:
                continue
            if complete and len(members) > 1:
                group = groups.take(_wanted_group(ext), key, len(conclusions) > 1, target)
                for member in members:
                    out_edges[member]["group"] = group
            else:
                skipped[f"{kind} linked group (overlaps other edges)"] += 1

    _undercuts_add(
        nodes,
        by_key,
        premises_of,
        attacked_of,
        made_by,
        ids,
        out_edges,
        edge_ids,
        skipped,
        bad_extension,
        prefix,
    )

    if bad_extension:
        skipped["argmap extension (invalid)"] = len(bad_extension)

    counts = Counter(e["kind"] for e in out_edges)
    linked = len({e["group"] for e in out_edges if e["group"] is not None})
    description = (
        f"Imported from AIF (Argument Interchange Format): {len(out_nodes)} I-nodes, "
        f"{counts['supports']} supports (RA), {counts['undermines']} undermines (CA), "
        f"{counts['related']} related and {counts['subframe_of']} subframe_of (MA), "
        f"{linked} linked groups (RA with several premises) and {counts[UNDERCUTS]} "
        "undercuts (CA attacking an RA)."
    )
    doc = {
        "format": "argmap",
        "version": 2,
        "map": {
            "slug": slug,
            "title": _shorten(" ".join((title or "").split()), TITLE_MAX) or DEFAULT_TITLE,
            "description": description[:DESCRIPTION_MAX],
            "visibility": "public",
        },
        "nodes": out_nodes,
        "edges": out_edges,
        "votes": [],
    }
    return doc, dict(sorted(skipped.items()))


# --------------------------------------------------------------------------- export


def _i_node_text(title: str, text: str) -> str:
    if not text or text == title:
        return title
    if text.startswith(title):
        return text
    return f"{title}\n\n{text}"


def _edge_id(edge: Mapping[str, Any]) -> str:
    if edge.get("id"):
        return edge["id"]
    undercut = edge["kind"] == UNDERCUTS
    return default_edge_key(
        edge["source"], edge["kind"], edge["target_edge"] if undercut else edge["target"]
    )


def _edge_order(edge: Mapping[str, Any]) -> str:
    return _edge_id(edge)


def argmap_to_aif(doc: dict, *, credences: dict[str, float] | None = None) -> dict:
    """Write an argmap document (validated, normalised) as AIF JSON (a dict).

    Nodes are written in id order as I-nodes ``"1"``, ``"2"``..., then one
    S-node per edge in edge id order (one per linked group, where its first edge
    comes), then one CA node per undercut, pointing at the S-node of the edge it
    attacks; each with the ``argmap`` extension described in the module docstring.
    ``credences`` (node id -> aggregated credence) adds ``"credence"`` to the
    I-nodes' extension.
    """
    credences = credences or {}
    out_nodes: list[dict] = []
    out_edges: list[dict] = []
    node_ids: dict[str, str] = {}

    def next_id() -> str:
        return str(len(out_nodes) + 1)

    for node in sorted(doc.get("nodes", ()), key=lambda n: n["id"]):
        node_id = node["id"]
        title = node["title"]
        text = node.get("text") or ""
        kind = node.get("kind", "claim")
        ext: dict[str, Any] = {
            "id": node_id,
            "kind": kind,
            "category": node.get("category") if kind == "frame" else None,
            "title": title,
            "text": text,
            "prior": float(node.get("prior", 0.5)),
        }
        if node_id in credences and credences[node_id] is not None:
            ext["credence"] = float(credences[node_id])
        aif_id = next_id()
        node_ids[node_id] = aif_id
        out_nodes.append(
            {"nodeID": aif_id, "text": _i_node_text(title, text), "type": "I", EXTENSION: ext}
        )

    def link(from_id: str, to_id: str) -> None:
        out_edges.append({"edgeID": str(len(out_edges) + 1), "fromID": from_id, "toID": to_id})

    def s_node(s_type: str, ext: dict[str, Any]) -> str:
        s_id = next_id()
        out_nodes.append(
            {
                "nodeID": s_id,
                "text": _S_TEXT[s_type],
                "type": s_type,
                "scheme": _S_TEXT[s_type],
                EXTENSION: ext,
            }
        )
        return s_id

    edges = sorted(doc.get("edges", ()), key=_edge_order)
    members: dict[tuple[str, str, str], list[dict]] = {}  # (target, kind, group) -> edges
    for edge in edges:
        if edge.get("group") is not None and edge["kind"] in ARGUMENT_KINDS:
            members.setdefault((edge["target"], edge["kind"], edge["group"]), []).append(edge)
    s_node_of: dict[str, str] = {}  # edge id -> its S-node (what an undercut attacks)
    for edge in edges:
        kind = edge["kind"]
        if kind == UNDERCUTS:
            continue
        grouped = members.get((edge.get("target"), kind, edge.get("group")))
        if grouped is not None and len(grouped) > 1:
            if _edge_id(grouped[0]) != _edge_id(edge):
                continue  # written with the group's first edge
            s_id = s_node(
                _S_NODE_OF[kind],
                {
                    "kind": kind,
                    "group": edge["group"],
                    "edges": [
                        {
                            "id": _edge_id(member),
                            "source": member["source"],
                            "weight": float(member.get("weight", 1.0)),
                            "rationale": member.get("rationale", ""),
                        }
                        for member in grouped
                    ],
                },
            )
            for member in grouped:
                s_node_of[_edge_id(member)] = s_id
                link(node_ids[member["source"]], s_id)
            link(s_id, node_ids[edge["target"]])
            continue
        s_id = s_node(
            _S_NODE_OF[kind],
            {
                "kind": kind,
                "weight": float(edge.get("weight", 1.0)),
                "id": _edge_id(edge),
                "rationale": edge.get("rationale", ""),
            },
        )
        s_node_of[_edge_id(edge)] = s_id
        link(node_ids[edge["source"]], s_id)
        link(s_id, node_ids[edge["target"]])
    for edge in edges:
        if edge["kind"] != UNDERCUTS:
            continue
        s_id = s_node(
            "CA",
            {
                "kind": UNDERCUTS,
                "weight": float(edge.get("weight", 1.0)),
                "id": _edge_id(edge),
                "rationale": edge.get("rationale", ""),
                "target_edge": edge["target_edge"],
            },
        )
        link(node_ids[edge["source"]], s_id)
        link(s_id, s_node_of[edge["target_edge"]])
    return {"nodes": out_nodes, "edges": out_edges, "locutions": []}
