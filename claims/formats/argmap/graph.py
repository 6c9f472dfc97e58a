"""The rules that need the whole graph, and the normalised copy of a valid document.

``check_graph``: unique node ids, edge endpoints that exist, no self-loops, no
duplicate edges or votes, ``subframe_of`` between frames only and without
cycles, finite numbers (Python callers only: parse() never produces NaN).
``normalise``: every default filled in, numbers as floats, titles stripped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from claims.formats.argmap.common import (
    DEFAULT_CATEGORY,
    DEFAULT_DESCRIPTION,
    DEFAULT_PRIOR,
    DEFAULT_TEXT,
    DEFAULT_VISIBILITY,
    DEFAULT_WEIGHT,
    FORMAT_NAME,
    FORMAT_VERSION,
    Problems,
    name,
    show,
)


def _not_finite(value: Any) -> bool:
    # Only reachable from Python callers: parse() never produces NaN or infinities.
    return isinstance(value, float) and not math.isfinite(value)


def check_graph(doc: dict, skip: set[str], problems: Problems) -> None:
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
                    f"duplicate id {show(node_id)} (first at nodes[{first[node_id]}])",
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
        names = [name(n) for n in cycle]
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


def subframe_cycles(adjacency: dict[str, list[tuple[str, int]]]) -> list[tuple[int, list[str]]]:
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
    }


def normal_edge(edge: Mapping[str, Any]) -> dict:
    return {
        "source": edge["source"],
        "target": edge["target"],
        "kind": edge["kind"],
        "weight": float(edge.get("weight", DEFAULT_WEIGHT)),
    }


def normal_vote(vote: Mapping[str, Any]) -> dict:
    return {"node": vote["node"], "user": vote["user"], "credence": float(vote["credence"])}


def normalise(doc: Mapping[str, Any]) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "map": normal_map(doc["map"]),
        "nodes": [normal_node(n) for n in doc["nodes"]],
        "edges": [normal_edge(e) for e in doc["edges"]],
        "votes": [normal_vote(v) for v in doc.get("votes", ())],
    }
