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
