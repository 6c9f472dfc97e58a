"""Engine inputs from an argmap JSON document, version 1 or 2 (assumed validated)."""

from __future__ import annotations

from .types import EdgeInput, NodeInput


def inputs_from_argmap(doc: dict) -> tuple[list[NodeInput], list[EdgeInput]]:
    """NodeInput / EdgeInput lists of a *validated* argmap JSON dict (v1 or v2).

    Defaults: prior 0.5, weight 1.0. When a user voted twice on a node (or an edge) the later
    vote wins. A vote or an edge naming an unknown node or edge raises ValueError. v2 edges
    carry their id, linked group, undercut target and (``edge_votes``) voted strengths.
    """
    if doc.get("format") != "argmap" or doc.get("version") not in (1, 2):
        raise ValueError("not an argmap JSON document of version 1 or 2")
    nodes = doc.get("nodes", [])
    known = {nd["id"] for nd in nodes}
    by_node: dict[str, dict[str, float]] = {}
    for vote in doc.get("votes", []) or []:
        node = vote["node"]
        if node not in known:
            raise ValueError(f"vote on unknown node {node!r}")
        by_node.setdefault(node, {})[str(vote["user"])] = float(vote["credence"])
    node_inputs = []
    for nd in nodes:
        votes = by_node.get(nd["id"], {})
        node_inputs.append(
            NodeInput(
                key=nd["id"],
                kind=nd["kind"],
                prior=float(nd.get("prior", 0.5)),
                credences=tuple(votes[u] for u in sorted(votes)),
            )
        )
    edges = doc.get("edges", []) or []
    edge_ids = {e["id"] for e in edges if e.get("id")}
    by_edge: dict[str, dict[str, float]] = {}
    for vote in doc.get("edge_votes", []) or []:
        edge = vote["edge"]
        if edge not in edge_ids:
            raise ValueError(f"edge vote on unknown edge {edge!r}")
        by_edge.setdefault(edge, {})[str(vote["user"])] = float(vote["strength"])
    edge_inputs = []
    for e in edges:
        target = e.get("target") or ""
        target_edge = e.get("target_edge")
        if e["source"] not in known or (target_edge is None and target not in known):
            raise ValueError(f"edge {e['source']!r} -> {target!r} references an unknown node")
        if target_edge is not None and target_edge not in edge_ids:
            raise ValueError(f"undercut of unknown edge {target_edge!r}")
        votes = by_edge.get(e.get("id") or "", {})
        edge_inputs.append(
            EdgeInput(
                source=e["source"],
                target=target,
                kind=e["kind"],
                weight=float(e.get("weight", 1.0)),
                key=e.get("id") or "",
                group=e.get("group"),
                target_edge=target_edge,
                strengths=tuple(votes[u] for u in sorted(votes)),
            )
        )
    return node_inputs, edge_inputs
