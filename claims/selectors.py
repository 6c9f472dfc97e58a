"""Reads of the argument graph, shaped for templates, serializers and files."""

from django.contrib.auth import get_user_model

from claims.errors import NotFound
from claims.formats import argmap as argmap_format
from claims.models import Edge, Map, Node, NodeKind, Source


def map_get(*, slug: str) -> Map:
    found = Map.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(f"no map '{slug}'")
    return found


def map_export_document(*, map: Map) -> dict:
    """The map as an argmap JSON v1 document (normalised; `argmap.dumps` makes it canonical)."""
    from cruxes.models import Vote

    sources: dict[int, list[dict]] = {}
    for node_id, document, locator, quote in (
        Source.objects.filter(node__map=map)
        .order_by("node_id", "position", "id")
        .values_list("node_id", "document", "locator", "quote")
        .iterator(chunk_size=10_000)
    ):
        sources.setdefault(node_id, []).append(
            {"document": document, "locator": locator, "quote": quote}
        )
    keys: dict[int, str] = {}
    nodes = []
    for pk, key, kind, title, text, category, prior in (
        Node.objects.filter(map=map)
        .order_by("key")
        .values_list("pk", "key", "kind", "title", "text", "category", "prior")
        .iterator(chunk_size=10_000)
    ):
        keys[pk] = key
        node = {
            "id": key,
            "kind": kind,
            "title": title,
            "text": text,
            "prior": prior,
            "sources": sources.get(pk, []),
        }
        node["category"] = category if kind == NodeKind.FRAME else None
        nodes.append(node)
    edges = [
        {"source": keys[s], "target": keys[t], "kind": kind, "weight": weight}
        for s, t, kind, weight in Edge.objects.filter(map=map)
        .values_list("source_id", "target_id", "kind", "weight")
        .iterator(chunk_size=10_000)
    ]
    usernames = dict(
        get_user_model()
        .objects.filter(votes__node__map=map)
        .distinct()
        .values_list("id", "username")
    )
    votes = [
        {"node": keys[node_id], "user": usernames[user_id], "credence": credence}
        for node_id, user_id, credence in Vote.objects.filter(node__map=map)
        .values_list("node_id", "user_id", "credence")
        .iterator(chunk_size=10_000)
    ]
    return {
        "format": argmap_format.FORMAT_NAME,
        "version": argmap_format.FORMAT_VERSION,
        "map": {
            "slug": map.slug,
            "title": map.title,
            "description": map.description,
            "visibility": map.visibility,
        },
        "nodes": nodes,
        "edges": edges,
        "votes": votes,
    }


def map_export_bytes(*, map: Map) -> bytes:
    return argmap_format.dumps(map_export_document(map=map))


def node_get(*, map: Map, key: object, field: str = "key") -> Node:
    """A node of the map by key (with its sources), or NotFound naming the key."""
    node = (
        Node.objects.prefetch_related("sources").filter(map=map, key=key).first()
        if isinstance(key, str)
        else None
    )
    if node is None:
        raise NotFound(f"no node '{key}' in map '{map.slug}'", fields={field: ["unknown node"]})
    return node


def node_revisions(*, node: Node) -> list[dict]:
    """Every version of the node's words, newest (the current one) first."""
    current = {
        "revision": node.revision,
        "title": node.title,
        "text": node.text,
        "edited_by": None,
        "created_at": node.updated_at,
        "current": True,
    }
    older = [
        {
            "revision": r.revision,
            "title": r.title,
            "text": r.text,
            "edited_by": r.edited_by.username if r.edited_by else None,
            "created_at": r.created_at,
            "current": False,
        }
        for r in node.revisions.select_related("edited_by").order_by("-revision")
    ]
    return [current, *older]


def map_credences(*, map: Map) -> dict[str, tuple[float, int]]:
    """Aggregated community credence and vote count of every node (by key)."""
    from cruxes.ranking.credence import aggregate_one
    from cruxes.selectors import ranking_inputs

    nodes, _ = ranking_inputs(map_id=map.pk)
    out = {}
    for node in nodes:
        agg = aggregate_one(node.credences, node.prior)
        out[node.key] = (agg.credence, agg.n)
    return out


def map_export_as(*, map: Map, format: str) -> bytes:
    """The map in one of the export formats.

    Individual votes are never exposed through the API, so the argmap file here
    carries no votes (the operator's `export_map` command does); the other
    formats carry aggregated credences.
    """
    doc = map_export_document(map=map)
    if format == "argmap":
        doc["votes"] = []
        return argmap_format.dumps(doc)
    credences = map_credences(map=map)
    if format == "aif":
        import json

        from claims.formats.aif import argmap_to_aif

        aif = argmap_to_aif(doc, credences={k: c for k, (c, _) in credences.items()})
        return json.dumps(aif, ensure_ascii=False, indent=2, sort_keys=True).encode()
    if format == "graphml":
        from claims.formats.graphml import argmap_to_graphml

        return argmap_to_graphml(doc, credences={k: c for k, (c, _) in credences.items()})
    if format == "argdown":
        from claims.formats.argdown import argmap_to_argdown

        return argmap_to_argdown(doc, credences=credences).encode()
    raise ValueError(f"unknown export format {format!r}")
