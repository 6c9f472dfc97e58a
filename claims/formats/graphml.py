"""argmap JSON (v2) to GraphML, for graph tools (Gephi, yEd, Cytoscape, networkx).

Pure Python (no Django); export only::

    data = argmap_to_graphml(doc, credences={"nah": 0.62})   # UTF-8 GraphML bytes

The map becomes a directed multigraph written by ``networkx.write_graphml``:

* graph attributes ``format`` ("argmap"), ``version``, ``slug``, ``title``,
  ``description``;
* one node per argmap node, its GraphML id the node id, with ``kind``,
  ``category`` ("" when the node has none), ``title``, ``label`` (the title
  again, the attribute Gephi and Cytoscape show), ``text``, ``prior`` and
  ``credence`` (only on nodes that ``credences`` names; GraphML leaves the
  attribute out elsewhere);
* one edge per argmap edge, its GraphML id the edge kind (so a pair with both a
  ``supports`` and a ``related`` edge keeps both), with ``kind``, ``weight``, ``id``
  (the argmap edge id), ``rationale``, ``group`` and ``target_edge`` ("" when the
  edge has none). GraphML edges join nodes, so an undercut (which attacks an edge)
  runs from the undercutter to the attacked edge's target node, names the attacked
  edge in ``target_edge`` and has its own id as its GraphML id.

Nodes are written in id order and edges in edge id order, so the output is
deterministic. Sources and votes are not written. XML normalises line ends, so a
carriage return in a text reads back as a newline.
"""

from __future__ import annotations

import io

import networkx as nx

from claims.edge_keys import default_edge_key

UNDERCUTS = "undercuts"


def _edge_id(edge: dict) -> str:
    if edge.get("id"):
        return edge["id"]
    end = edge.get("target_edge") if edge["kind"] == UNDERCUTS else edge.get("target")
    return default_edge_key(edge["source"], edge["kind"], end)


def argmap_to_graphml(doc: dict, *, credences: dict[str, float] | None = None) -> bytes:
    """The (validated, normalised) argmap document as GraphML bytes (UTF-8)."""
    credences = credences or {}
    meta = doc.get("map", {})
    graph = nx.MultiDiGraph(
        format="argmap",
        version=int(doc.get("version", 1)),
        slug=meta.get("slug", ""),
        title=meta.get("title", ""),
        description=meta.get("description", "") or "",
    )
    for node in sorted(doc.get("nodes", ()), key=lambda n: n["id"]):
        attrs = {
            "kind": node["kind"],
            "category": node.get("category") or "",
            "title": node["title"],
            "label": node["title"],
            "text": node.get("text") or "",
            "prior": float(node.get("prior", 0.5)),
        }
        credence = credences.get(node["id"])
        if credence is not None:
            attrs["credence"] = float(credence)
        graph.add_node(node["id"], **attrs)
    edges = sorted(doc.get("edges", ()), key=_edge_id)
    target_of = {_edge_id(edge): edge.get("target") for edge in edges}
    for edge in edges:
        undercut = edge["kind"] == UNDERCUTS
        target_edge = edge.get("target_edge") or ""
        graph.add_edge(
            edge["source"],
            target_of[target_edge] if undercut else edge["target"],
            key=_edge_id(edge) if undercut else edge["kind"],
            kind=edge["kind"],
            weight=float(edge.get("weight", 1.0)),
            id=_edge_id(edge),
            rationale=edge.get("rationale") or "",
            group=edge.get("group") or "",
            target_edge=target_edge,
        )
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()
