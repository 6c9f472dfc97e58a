"""argmap JSON v1 to GraphML, for graph tools (Gephi, yEd, Cytoscape, networkx).

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
  ``supports`` and a ``related`` edge keeps both), with ``kind`` and ``weight``.

Nodes are written in id order and edges in (source, target, kind) order, so the
output is deterministic. Sources and votes are not written. XML normalises line
ends, so a carriage return in a text reads back as a newline.
"""

from __future__ import annotations

import io

import networkx as nx


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
    for edge in sorted(doc.get("edges", ()), key=lambda e: (e["source"], e["target"], e["kind"])):
        graph.add_edge(
            edge["source"],
            edge["target"],
            key=edge["kind"],
            kind=edge["kind"],
            weight=float(edge.get("weight", 1.0)),
        )
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()
