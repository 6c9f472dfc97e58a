"""Reads of the argument graph, shaped for templates, serializers and files."""

import contextlib
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction
from django.db.models.functions import Collate

from claims import hooks
from claims.formats import argmap as argmap_format
from claims.models import Edge, Map, MapMember, Node, NodeKind, Source
from core.errors import NotFound


def map_get(*, slug: str) -> Map:
    found = Map.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(f"no map '{slug}'")
    return found


def map_members(*, map: Map) -> list[dict]:
    """The map's members (not its owner) by username: username, role, admitted when."""
    return [
        {"username": username, "role": role, "since": since}
        for username, role, since in MapMember.objects.filter(map=map)
        .order_by("user__username")
        .values_list("user__username", "role", "created_at")
    ]


def map_export_document(*, map: Map) -> dict:
    """The map as an argmap JSON v1 document (normalised; `argmap.dumps` makes it canonical)."""
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
    votes = list(hooks.vote_store().votes_export(map_id=map.pk))
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


# Rows per fetch of the export's server-side cursors: memory stays flat however large the map.
EXPORT_FETCH_ROWS = 5000

ExportProgress = Callable[[str, int, int], None]  # (stage, done, total), as import_map's


def code_point_order(field: str) -> Collate:
    """ORDER BY a text column as Python sorts strings (the canonical file's order).

    PostgreSQL's "C" collation compares UTF-8 bytes, which is code-point order;
    SQLite's default BINARY does the same. The database's own collation may not.
    """
    return Collate(field, "C" if connection.vendor == "postgresql" else "BINARY")


@contextlib.contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent read of the map for the whole export (an edit cannot tear the file).

    Nested in another, it reads in the outer one's snapshot (claims.downloads
    reads the map's version and its export in one).
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _counted(
    rows: Iterable[dict], stage: str, total: int, progress: ExportProgress | None
) -> Iterator[dict]:
    if progress is None:
        yield from rows
        return
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % EXPORT_FETCH_ROWS == 0:
            progress(stage, done, total)
    progress(stage, done, total)


def map_export_chunks(
    *, map: Map, votes: bool = True, progress: ExportProgress | None = None
) -> Iterator[bytes]:
    """The map's canonical argmap JSON v1 bytes, streamed in pieces of a few hundred KB.

    The same bytes as `argmap.dumps(map_export_document(map=map))` (without the
    votes when `votes` is False), but rows come from server-side cursors already
    in the canonical order and are written as they arrive, so memory does not
    grow with the map. `progress`, if given, is called per batch of rows.
    """
    store = hooks.vote_store()
    with read_snapshot():
        nodes = Node.objects.filter(map=map)
        edge_rows = Edge.objects.filter(map=map)
        totals = (
            (nodes.count(), edge_rows.count(), store.votes_count(map_id=map.pk) if votes else 0)
            if progress is not None
            else (0, 0, 0)
        )

        def node_items() -> Iterator[dict]:
            sources = iter(
                Source.objects.filter(node__map=map)
                .order_by(code_point_order("node__key"), "position", "id")
                .values_list("node__key", "document", "locator", "quote")
                .iterator(chunk_size=EXPORT_FETCH_ROWS)
            )
            pending = next(sources, None)
            for key, kind, title, text, category, prior in (
                nodes.order_by(code_point_order("key"))
                .values_list("key", "kind", "title", "text", "category", "prior")
                .iterator(chunk_size=EXPORT_FETCH_ROWS)
            ):
                # Both queries are in key order: a merge join, one node's sources at a time.
                cited = []
                while pending is not None and pending[0] == key:
                    cited.append(
                        {"document": pending[1], "locator": pending[2], "quote": pending[3]}
                    )
                    pending = next(sources, None)
                yield {
                    "id": key,
                    "kind": kind,
                    "title": title,
                    "text": text,
                    "prior": prior,
                    "category": category if kind == NodeKind.FRAME else None,
                    "sources": cited,
                }
            if pending is not None:
                raise ValueError(f"source of unknown node {pending[0]!r} in the export")

        def edge_items() -> Iterator[dict]:
            for source, target, kind, weight in (
                edge_rows.order_by(
                    code_point_order("source__key"),
                    code_point_order("target__key"),
                    code_point_order("kind"),
                )
                .values_list("source__key", "target__key", "kind", "weight")
                .iterator(chunk_size=EXPORT_FETCH_ROWS)
            ):
                yield {"source": source, "target": target, "kind": kind, "weight": weight}

        def vote_items() -> Iterator[dict]:
            if votes:
                yield from store.votes_export(map_id=map.pk)

        yield from argmap_format.dump_chunks(
            map={
                "slug": map.slug,
                "title": map.title,
                "description": map.description,
                "visibility": map.visibility,
            },
            edges=_counted(edge_items(), "edges", totals[1], progress),
            nodes=_counted(node_items(), "nodes", totals[0], progress),
            votes=_counted(vote_items(), "votes", totals[2], progress),
        )


def map_export_bytes(*, map: Map, votes: bool = True) -> bytes:
    """The canonical argmap JSON v1 file of the map (what `export_map` writes)."""
    return b"".join(map_export_chunks(map=map, votes=votes))


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


def map_export_as(*, map: Map, format: str) -> bytes:
    """The map in one of the export formats.

    Individual votes are never exposed through the API, so the argmap file here
    carries no votes (the operator's `export_map` command does); the other
    formats carry aggregated credences.
    """
    if format == "argmap":
        return map_export_bytes(map=map, votes=False)
    doc = map_export_document(map=map)
    credences = hooks.vote_store().credences_shown(map_id=map.pk)
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
