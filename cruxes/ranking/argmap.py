"""Engine inputs from an argmap JSON v1 document (assumed validated against the schema)."""

from __future__ import annotations

from .types import EdgeInput, NodeInput


def inputs_from_argmap(doc: dict) -> tuple[list[NodeInput], list[EdgeInput]]:
    """NodeInput / EdgeInput lists of a *validated* argmap JSON v1 dict.

    Defaults: prior 0.5, weight 1.0. When a user voted twice on a node the later vote in
    ``votes`` wins. A vote or an edge naming an unknown node raises ValueError.
    """
    if doc.get("format") != "argmap" or doc.get("version") != 1:
        raise ValueError("not an argmap JSON v1 document")
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
    edge_inputs = []
    for e in doc.get("edges", []) or []:
        if e["source"] not in known or e["target"] not in known:
            raise ValueError(f"edge {e['source']!r} -> {e['target']!r} references an unknown node")
        edge_inputs.append(
            EdgeInput(
                source=e["source"],
                target=e["target"],
                kind=e["kind"],
                weight=float(e.get("weight", 1.0)),
            )
        )
    return node_inputs, edge_inputs
