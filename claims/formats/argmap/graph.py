"""The rules that need the whole graph, and the normalised copy of a valid document.

``check_graph``: unique node ids, edge endpoints that exist, no self-loops, no
duplicate edges or votes, ``subframe_of`` between frames only and without
cycles, finite numbers (Python callers only: parse() never produces NaN); for a
version-2 document also unique edge ids, undercuts of existing supports/undermines
edges without cycles through them, groups of two or more edges sharing target and
kind, and edge votes on existing edges, one per user and edge.
``normalise``: every default filled in, numbers as floats, titles stripped; a
version-1 document comes out as version 2 (edges get their default ids).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from claims.edge_keys import default_edge_key
from claims.formats.argmap.common import (
    DEFAULT_CATEGORY,
    DEFAULT_DESCRIPTION,
    DEFAULT_GROUP,
    DEFAULT_PRIOR,
    DEFAULT_RATIONALE,
    DEFAULT_TEXT,
    DEFAULT_VISIBILITY,
    DEFAULT_WEIGHT,
    FORMAT_NAME,
    FORMAT_VERSION,
    Problems,
    document_version,
    is_key,
    name,
    show,
)


def _not_finite(value: Any) -> bool:
    # Only reachable from Python callers: parse() never produces NaN or infinities.
    return isinstance(value, float) and not math.isfinite(value)


ARGUMENT_KINDS = ("supports", "undermines")
UNDERCUTS = "undercuts"
# Cycles through undercuts whose path is spelled out in full; any more are named briefly
# (each path is a search within one strongly connected component).
_MAX_CYCLE_PATHS = 50


def edge_id(edge: Mapping[str, Any]) -> str | None:
    """An edge's id: its own, or the default of claims.edge_keys (None if it has no usable ends)."""
    given = edge.get("id")
    if given is not None:
        return given if isinstance(given, str) and is_key(given) else None
    source, kind = edge.get("source"), edge.get("kind")
    end = edge.get("target_edge") if kind == UNDERCUTS else edge.get("target")
    if isinstance(source, str) and isinstance(kind, str) and isinstance(end, str):
        return default_edge_key(source, kind, end)
    return None


def _short_path(names: list[str], what: str) -> str:
    if len(names) > 9:
        names = [*names[:4], f"... ({len(names) - 1} {what} in all) ...", *names[-3:]]
    return " -> ".join(names)


def check_graph(doc: dict, skip: set[str], problems: Problems) -> None:
    """The rules that need more than one item: ids, endpoints, subframes, groups, undercuts,
    duplicates (the version-2 ones only for a version-2 document)."""
    v2 = document_version(doc) == 2
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
                    f"duplicate id {show(node_id)} (first at nodes[{first[node_id]}])",
                )
            else:
                first[node_id] = i
                kinds[node_id] = node.get("kind")
        if _not_finite(node.get("prior")):
            problems.add(("nodes", i, "prior"), "must be a finite number")

    seen_edges: dict[tuple[str, str, str], int] = {}
    subframes: dict[str, list[tuple[str, int]]] = {}
    ids: dict[str, int] = {}  # edge id -> index of the edge (version 2)
    undercuts: list[int] = []
    for i, edge in enumerate(edges if isinstance(edges, list) else ()):
        if not isinstance(edge, dict):
            continue
        if _not_finite(edge.get("weight")):
            problems.add(("edges", i, "weight"), "must be a finite number")
        source, target, kind = edge.get("source"), edge.get("target"), edge.get("kind")
        if v2:
            _check_edge_id(edge, i, ids, problems)
            group = edge.get("group")
            if isinstance(group, str) and isinstance(kind, str) and kind not in ARGUMENT_KINDS:
                problems.add(
                    ("edges", i, "group"),
                    f"only supports and undermines edges can be in a group (this is a "
                    f"{name(kind)} edge)",
                )
            if kind == UNDERCUTS:
                undercuts.append(i)
                if known and isinstance(source, str) and source not in kinds:
                    problems.add(("edges", i, "source"), f"unknown node {show(source)}")
                continue
        if not (isinstance(source, str) and isinstance(target, str)):
            continue
        usable = known
        if known and source not in kinds:
            problems.add(("edges", i, "source"), f"unknown node {show(source)}")
            usable = False
        if known and target not in kinds:
            problems.add(("edges", i, "target"), f"unknown node {show(target)}")
            usable = False
        if source == target:
            problems.add(("edges", i), f"self-loop: source and target are both {show(source)}")
            usable = False
        if not isinstance(kind, str):
            continue
        key = (source, target, kind)
        if key in seen_edges:
            problems.add(
                ("edges", i),
                f"duplicate edge {name(source)} -> {name(target)} ({name(kind)}) "
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
                    f"subframe_of links frames only, but {show(node_id)} is a {node_kind}",
                )
            usable = usable and node_kind == "frame"
        if usable:
            subframes.setdefault(source, []).append((target, i))

    for edge_index, cycle in subframe_cycles(subframes):
        names = [name(node) for node in cycle]
        problems.add(("edges", edge_index), f"subframe_of cycle {_short_path(names, 'frames')}")

    if v2 and known:
        _check_merged(nodes, kinds, edges, votes, problems)

    if v2 and isinstance(edges, list):
        _check_groups(edges, problems)
        _check_undercuts(edges, undercuts, ids, kinds if known else None, problems)

    seen_votes: dict[tuple[str, str], int] = {}
    for i, vote in enumerate(votes if isinstance(votes, list) else ()):
        if not isinstance(vote, dict):
            continue
        if _not_finite(vote.get("credence")):
            problems.add(("votes", i, "credence"), "must be a finite number")
        node_id, user = vote.get("node"), vote.get("user")
        if isinstance(node_id, str) and known and node_id not in kinds:
            problems.add(("votes", i, "node"), f"unknown node {show(node_id)}")
        if isinstance(node_id, str) and isinstance(user, str):
            key = (node_id, user)
            if key in seen_votes:
                problems.add(
                    ("votes", i),
                    f"duplicate vote by {show(user)} on {show(node_id)} "
                    f"(first at votes[{seen_votes[key]}])",
                )
            else:
                seen_votes[key] = i

    edge_votes = doc.get("edge_votes") if v2 and "edge_votes" not in skip else None
    edges_known = isinstance(edges, list)
    seen_edge_votes: dict[tuple[str, str], int] = {}
    for i, vote in enumerate(edge_votes if isinstance(edge_votes, list) else ()):
        if not isinstance(vote, dict):
            continue
        if _not_finite(vote.get("strength")):
            problems.add(("edge_votes", i, "strength"), "must be a finite number")
        voted, user = vote.get("edge"), vote.get("user")
        if isinstance(voted, str) and edges_known and voted not in ids and None not in ids:
            problems.add(("edge_votes", i, "edge"), f"unknown edge {show(voted)}")
        if isinstance(voted, str) and isinstance(user, str):
            key = (voted, user)
            if key in seen_edge_votes:
                problems.add(
                    ("edge_votes", i),
                    f"duplicate edge vote by {show(user)} on {show(voted)} "
                    f"(first at edge_votes[{seen_edge_votes[key]}])",
                )
            else:
                seen_edge_votes[key] = i


def _check_merged(
    nodes: list, kinds: dict[str, Any], edges: Any, votes: Any, problems: Problems
) -> None:
    """A merged node (a tombstone, issue 17) names a node of the map, not itself nor
    a chain back to itself, and has no edges or votes: they moved to the survivor."""
    into: dict[str, tuple[str, int]] = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("merged_into"), str):
            continue
        node_id, target = node.get("id"), node["merged_into"]
        if target not in kinds:
            problems.add(("nodes", i, "merged_into"), f"unknown node {show(target)}")
        elif target == node_id:
            problems.add(("nodes", i, "merged_into"), "a node cannot be merged into itself")
        elif isinstance(node_id, str):
            into[node_id] = (target, i)
    for start, (_, i) in into.items():
        seen, at = {start}, start
        while at in into:
            at = into[at][0]
            if at in seen:
                problems.add(("nodes", i, "merged_into"), f"merged_into cycle through {show(at)}")
                break
            seen.add(at)
    if not into:
        return
    for i, edge in enumerate(edges if isinstance(edges, list) else ()):
        if not isinstance(edge, dict):
            continue
        for end in ("source", "target"):
            if edge.get(end) in into:
                problems.add(
                    ("edges", i, end),
                    f"{show(edge[end])} was merged into {show(into[edge[end]][0])}: "
                    "a merged node has no edges",
                )
    for i, vote in enumerate(votes if isinstance(votes, list) else ()):
        if isinstance(vote, dict) and vote.get("node") in into:
            problems.add(
                ("votes", i, "node"),
                f"{show(vote['node'])} was merged into {show(into[vote['node']][0])}: "
                "a merged node has no votes",
            )


def _check_edge_id(edge: dict, i: int, ids: dict[str, int], problems: Problems) -> None:
    """Edge ids are unique, the defaults of edges without one included.

    An edge whose id cannot be told (its fields are wrong) is counted under None, so
    that an undercut of it is not reported as well.
    """
    own = edge_id(edge)
    if own is None:
        ids[None] = i  # type: ignore[index]
        return
    if own in ids:
        if "id" in edge:
            problems.add(
                ("edges", i, "id"), f"duplicate edge id {show(own)} (first at edges[{ids[own]}])"
            )
        else:
            problems.add(
                ("edges", i),
                f"duplicate edge id {show(own)} (this edge's default id; "
                f"first at edges[{ids[own]}])",
            )
        return
    ids[own] = i


def _describe(edge: dict) -> str:
    source, target = str(edge.get("source")), str(edge.get("target"))
    return f"{name(source)} -> {name(target)} ({edge.get('kind')})"


def _check_groups(edges: list, problems: Problems) -> None:
    """A group joins two or more supports/undermines edges with one target and kind."""
    members: dict[str, list[int]] = {}
    for i, edge in enumerate(edges):
        if not isinstance(edge, dict):
            continue
        group = edge.get("group")
        if (
            isinstance(group, str)
            and is_key(group)
            and edge.get("kind") in ARGUMENT_KINDS
            and isinstance(edge.get("target"), str)
        ):
            members.setdefault(group, []).append(i)
    for group, indexes in members.items():
        if len(indexes) == 1:
            problems.add(
                ("edges", indexes[0], "group"),
                f"group {show(group)} has only this edge: a linked group needs at least two "
                "premises (use null for an edge on its own)",
            )
            continue
        head = edges[indexes[0]]
        for i in indexes[1:]:
            edge = edges[i]
            if edge.get("target") != head.get("target") or edge.get("kind") != head.get("kind"):
                problems.add(
                    ("edges", i, "group"),
                    f"group {show(group)} mixes targets or kinds: this edge is {_describe(edge)}, "
                    f"the group's first (edges[{indexes[0]}]) is {_describe(head)}",
                )


def _check_undercuts(
    edges: list,
    undercuts: list[int],
    ids: dict[str, int],
    kinds: dict[str, Any] | None,
    problems: Problems,
) -> None:
    """target_edge names a supports/undermines edge; one undercut per (source, target_edge);
    no cycle through undercuts.

    Dependencies: a supports/undermines edge a -> b makes b depend on a; an undercut u of
    (a -> b) makes b depend on u too. An undercut closes a cycle when u depends on b, that
    is when u and b are one strongly connected component of the dependencies (or u is b).
    """
    if not undercuts:
        return
    seen: dict[tuple[str, str], int] = {}
    valid: list[tuple[int, str, str, str]] = []  # (index, source, attacked id, attacked target)
    for i in undercuts:
        edge = edges[i]
        source, attacked = edge.get("source"), edge.get("target_edge")
        if not (isinstance(source, str) and isinstance(attacked, str)):
            continue
        if attacked not in ids:
            if None not in ids:  # else it may be an edge whose fields are wrong
                problems.add(("edges", i, "target_edge"), f"unknown edge {show(attacked)}")
            continue
        target_edge = edges[ids[attacked]]
        attacked_kind = target_edge.get("kind")
        if attacked_kind not in ARGUMENT_KINDS:
            problems.add(
                ("edges", i, "target_edge"),
                f"{show(attacked)} is a {show(attacked_kind)} edge: only supports and "
                "undermines edges can be undercut",
            )
            continue
        pair = (source, attacked)
        if pair in seen:
            problems.add(
                ("edges", i),
                f"duplicate undercut: {name(source)} already undercuts {name(attacked)} "
                f"(first at edges[{seen[pair]}])",
            )
            continue
        seen[pair] = i
        end = target_edge.get("target")
        if isinstance(end, str) and (kinds is None or (source in kinds and end in kinds)):
            valid.append((i, source, attacked, end))
    if not valid:
        return

    depends: dict[str, list[str]] = {}  # node -> the nodes that depend on it
    for edge in edges:
        if isinstance(edge, dict) and edge.get("kind") in ARGUMENT_KINDS:
            source, target = edge.get("source"), edge.get("target")
            if isinstance(source, str) and isinstance(target, str) and source != target:
                depends.setdefault(source, []).append(target)
    for _, source, _, end in valid:
        depends.setdefault(source, []).append(end)
    component = {
        member: number
        for number, members in enumerate(strongly_connected(depends))
        for member in members
    }
    paths = 0
    for i, source, attacked, end in valid:
        if source != end and component.get(source) != component.get(end):
            continue
        if paths < _MAX_CYCLE_PATHS:
            paths += 1
            path = _path_within(depends, end, source, component)
            cycle = _short_path([name(node) for node in path], "nodes")
        else:
            cycle = f"{name(end)} -> ... -> {name(source)}"
        problems.add(
            ("edges", i),
            f"undercut {name(source)} on {name(attacked)} would close a cycle: {cycle}",
        )


def _path_within(
    adjacency: dict[str, list[str]], start: str, goal: str, component: dict
) -> list[str]:
    """The shortest path start -> ... -> goal inside their strongly connected component."""
    if start == goal:
        return [start, goal]
    group = component.get(start)
    came_from = {start: start}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in adjacency.get(node, ()):
                if succ in came_from or component.get(succ) != group:
                    continue
                came_from[succ] = node
                if succ == goal:
                    path = [goal]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                following.append(succ)
        frontier = following
    return [start, "...", goal]  # not reached: one component holds a path


def strongly_connected(adjacency: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of a graph (an iterative Tarjan, linear time)."""
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
            for succ in successors:
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
                components.append(component)
    return components


def subframe_cycles(adjacency: dict[str, list[tuple[str, int]]]) -> list[tuple[int, list[str]]]:
    """One cycle per strongly connected component of the subframe_of graph.

    Returns (index of the edge closing the cycle, [start, ..., start]) with start
    the smallest id of the component, by an iterative Tarjan then a BFS.
    """
    components = [
        component
        for component in strongly_connected(
            {node: [succ for succ, _ in succs] for node, succs in adjacency.items()}
        )
        if len(component) > 1
    ]
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


def normal_map(meta: Mapping[str, Any]) -> dict:
    return {
        "slug": meta["slug"],
        "title": _strip_title(meta["title"]),
        "description": meta.get("description", DEFAULT_DESCRIPTION),
        "visibility": meta.get("visibility", DEFAULT_VISIBILITY),
    }


def normal_source(source: Mapping[str, Any]) -> dict:
    return {
        "document": source["document"],
        "locator": source.get("locator", ""),
        "quote": source.get("quote", ""),
    }


def normal_node(node: Mapping[str, Any]) -> dict:
    kind = node["kind"]
    return {
        "id": node["id"],
        "kind": kind,
        "category": node.get("category", DEFAULT_CATEGORY) if kind == "frame" else None,
        "title": _strip_title(node["title"]),
        "text": node.get("text", DEFAULT_TEXT),
        "prior": float(node.get("prior", DEFAULT_PRIOR)),
        "sources": [normal_source(s) for s in node.get("sources", ())],
        **_moderation(node),
        **({"merged_into": node["merged_into"]} if node.get("merged_into") else {}),
    }


def _moderation(node: Mapping[str, Any]) -> dict:
    """A hidden node's flag and reason; nothing for a visible node (the fields are
    written only when they say something, so files without them stay canonical)."""
    if not node.get("hidden", False):
        return {}
    reason = node.get("hidden_reason", "")
    return {"hidden": True, "hidden_reason": reason} if reason else {"hidden": True}


def normal_edge(edge: Mapping[str, Any]) -> dict:
    """Every field: ``target`` is None for an undercut, ``target_edge`` None for the rest."""
    kind = edge["kind"]
    undercut = kind == UNDERCUTS
    target = None if undercut else edge["target"]
    target_edge = edge["target_edge"] if undercut else None
    return {
        "id": edge.get("id") or default_edge_key(edge["source"], kind, target_edge or target),
        "source": edge["source"],
        "target": target,
        "target_edge": target_edge,
        "kind": kind,
        "weight": float(edge.get("weight", DEFAULT_WEIGHT)),
        "rationale": edge.get("rationale", DEFAULT_RATIONALE),
        "sources": [normal_source(s) for s in edge.get("sources", ())],
        "group": edge.get("group", DEFAULT_GROUP),
    }


def normal_vote(vote: Mapping[str, Any]) -> dict:
    return {"node": vote["node"], "user": vote["user"], "credence": float(vote["credence"])}


def normal_edge_vote(vote: Mapping[str, Any]) -> dict:
    return {"edge": vote["edge"], "user": vote["user"], "strength": float(vote["strength"])}


def normalise(doc: Mapping[str, Any]) -> dict:
    """A version-2 document with every default filled in (from a valid version 1 or 2)."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "map": normal_map(doc["map"]),
        "nodes": [normal_node(n) for n in doc["nodes"]],
        "edges": [normal_edge(e) for e in doc["edges"]],
        "votes": [normal_vote(v) for v in doc.get("votes", ())],
        "edge_votes": [normal_edge_vote(v) for v in doc.get("edge_votes", ())],
    }
