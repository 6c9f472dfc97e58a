"""AIF JSON (as AIFdb and OVA write it) to and from argmap JSON v1.

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
  ``related``. An RA/CA/MA without an I-node on either side (for instance a CA
  that undercuts an RA) is skipped and counted as ``"RA (incomplete)"`` etc.
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
  Passing a bound raises ``AifFormatError`` naming the S-node and the numbers.
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
  edge a CA node, each ``related`` and ``subframe_of`` edge an MA node.
* argmap's own data rides along in an ``"argmap"`` extension key that AIF tools
  ignore: I-nodes get ``{"id", "kind", "category", "title", "text", "prior"}``
  (plus ``"credence"`` when ``credences`` has the node), S-nodes
  ``{"kind", "weight"}``. The importer reads it back, so argmap -> AIF -> argmap
  keeps node ids, kinds, categories, titles, texts and priors and every edge
  with its kind and weight (subframe_of included; when the extension is absent
  an MA becomes ``related``). Not carried: sources, votes, the map's own
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
) -> tuple[dict[str, dict[str, None]], dict[str, dict[str, None]]]:
    """(premises, conclusions) of every RA/CA/MA node: its I-nodes on either side,
    each once, in the order the edges first name them."""
    premises_of: dict[str, dict[str, None]] = {}
    conclusions_of: dict[str, dict[str, None]] = {}
    for edge in edges:
        source, target = _node_key(edge["fromID"]), _node_key(edge["toID"])
        source_type, target_type = by_key[source].get("type"), by_key[target].get("type")
        if source_type == "I" and target_type in _S_KINDS:
            premises_of.setdefault(target, {})[source] = None
        elif target_type == "I" and source_type in _S_KINDS:
            conclusions_of.setdefault(source, {})[target] = None
    return premises_of, conclusions_of


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


# --------------------------------------------------------------------------- import


def aif_to_argmap(
    data: dict, *, slug: str, title: str | None = None
) -> tuple[dict, dict[str, int]]:
    """Convert parsed AIF JSON into an argmap v1 document.

    Returns (document, skipped): the document passes ``validate()`` (given a
    valid ``slug`` and ``title``); ``skipped`` counts what was left out, by AIF
    node type (``"L"``, ``"YA"``, ``"TA"``, ``"PA"``...), ``"RA (incomplete)"``
    (likewise CA, MA) for S-nodes without an I-node on one side,
    ``"self-loop"``, ``"duplicate edge"`` and ``"argmap extension (invalid)"``
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
    premises_of, conclusions_of = _s_node_sides(edges, by_key)
    _check_expansion(nodes, premises_of, conclusions_of, prefix)

    out_edges: list[dict] = []
    seen: set[tuple[str, str, str]] = set()
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
            skipped[f"{kind} (incomplete)"] += 1
            continue
        edge_kind, weight, bad = _s_node_fields(kind, _extension(node))
        if bad:
            bad_extension.add(key)
        for premise in premises:
            for conclusion in conclusions:
                source, target = ids[premise], ids[conclusion]
                if source == target:
                    skipped["self-loop"] += 1
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
                    continue
                seen.add(triple)
                if this_kind == "subframe_of":
                    cycles.add(source, target)
                out_edges.append(
                    {"source": source, "target": target, "kind": this_kind, "weight": weight}
                )

    if bad_extension:
        skipped["argmap extension (invalid)"] = len(bad_extension)

    counts = Counter(e["kind"] for e in out_edges)
    description = (
        f"Imported from AIF (Argument Interchange Format): {len(out_nodes)} I-nodes, "
        f"{counts['supports']} supports (RA), {counts['undermines']} undermines (CA), "
        f"{counts['related']} related and {counts['subframe_of']} subframe_of (MA)."
    )
    doc = {
        "format": "argmap",
        "version": 1,
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


def argmap_to_aif(doc: dict, *, credences: dict[str, float] | None = None) -> dict:
    """Write an argmap document (validated, normalised) as AIF JSON (a dict).

    Nodes are written in id order as I-nodes ``"1"``, ``"2"``..., then one
    S-node per edge in (source, target, kind) order, each with the ``argmap``
    extension described in the module docstring. ``credences`` (node id ->
    aggregated credence) adds ``"credence"`` to the I-nodes' extension.
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

    for edge in sorted(doc.get("edges", ()), key=lambda e: (e["source"], e["target"], e["kind"])):
        kind = edge["kind"]
        s_type = _S_NODE_OF[kind]
        s_id = next_id()
        out_nodes.append(
            {
                "nodeID": s_id,
                "text": _S_TEXT[s_type],
                "type": s_type,
                "scheme": _S_TEXT[s_type],
                EXTENSION: {"kind": kind, "weight": float(edge.get("weight", 1.0))},
            }
        )
        for from_id, to_id in ((node_ids[edge["source"]], s_id), (s_id, node_ids[edge["target"]])):
            out_edges.append({"edgeID": str(len(out_edges) + 1), "fromID": from_id, "toID": to_id})
    return {"nodes": out_nodes, "edges": out_edges, "locutions": []}
