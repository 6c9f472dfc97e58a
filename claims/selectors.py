"""Reads of the argument graph, shaped for templates, serializers and files."""

import contextlib
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Collate

from claims import hooks
from claims.formats import argmap as argmap_format
from claims.merged import live_nodes, moved_check
from claims.models import Edge, EdgeSource, Map, MapMember, Node, NodeKind, Source
from core.errors import NotFound, PermissionDenied, ValidationFailed


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


def _lone_groups(map: Map) -> set[str]:
    """Groups with a single edge: allowed while a second premise is being added, written
    as no group (the file format wants two premises in a group; one is the same argument)."""
    return set(
        Edge.objects.filter(map=map, group__isnull=False)
        .values("group")
        .annotate(members=Count("id"))
        .filter(members=1)
        .values_list("group", flat=True)
    )


def map_export_document(*, map: Map) -> dict:
    """The map as an argmap JSON v2 document (normalised; `argmap.dumps` makes it canonical),
    votes on nodes and on edges included (the other export formats write none of them)."""
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
    for pk, key, kind, title, text, category, prior, hidden_at, hidden_reason, into in (
        Node.objects.filter(map=map)
        .order_by("key")
        .values_list(
            "pk",
            "key",
            "kind",
            "title",
            "text",
            "category",
            "prior",
            "hidden_at",
            "hidden_reason",
            "merged_into__key",
        )
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
        node.update(_hidden_fields(hidden_at, hidden_reason))
        if into:
            node["merged_into"] = into  # a merge's tombstone (issue 17)
        nodes.append(node)
    edge_sources: dict[int, list[dict]] = {}
    for edge_id, document, locator, quote in (
        EdgeSource.objects.filter(edge__map=map)
        .order_by("edge_id", "position", "id")
        .values_list("edge_id", "document", "locator", "quote")
        .iterator(chunk_size=10_000)
    ):
        edge_sources.setdefault(edge_id, []).append(
            {"document": document, "locator": locator, "quote": quote}
        )
    lone = _lone_groups(map)
    rows = list(
        Edge.objects.filter(map=map)
        .order_by(code_point_order("key"))
        .values_list(
            "pk",
            "key",
            "source_id",
            "target_id",
            "target_edge__key",
            "kind",
            "weight",
            "rationale",
            "group",
        )
        .iterator(chunk_size=10_000)
    )
    edges = [
        {
            "id": key,
            "source": keys[s],
            "target": keys[t] if t is not None else None,
            "target_edge": target_edge,
            "kind": kind,
            "weight": weight,
            "rationale": rationale,
            "sources": edge_sources.get(pk, []),
            "group": None if group in lone else group,
        }
        for pk, key, s, t, target_edge, kind, weight, rationale, group in rows
    ]
    store = hooks.vote_store()
    votes = list(store.votes_export(map_id=map.pk))
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
        "edge_votes": list(store.edge_votes_export(map_id=map.pk)),
    }


def _hidden_fields(hidden_at, hidden_reason: str) -> dict:
    """A hidden node is exported (moderation keeps it in the map's files) with its flag
    and reason, so that an import hides it again."""
    if hidden_at is None:
        return {}
    return {"hidden": True, "hidden_reason": hidden_reason} if hidden_reason else {"hidden": True}


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
    """One consistent read: every query inside sees the same snapshot (REPEATABLE READ,
    read only, on PostgreSQL), so an edit cannot tear what is read (an export, a map's
    version and the ranking's input read with it).

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
    """The map's canonical argmap JSON v2 bytes, streamed in pieces of a few hundred KB.

    The same bytes as `argmap.dumps(map_export_document(map=map))` (without the
    node and edge votes when `votes` is False), but rows come from
    server-side cursors already in the canonical order and are written as they
    arrive, so memory does not grow with the map. `progress`, if given, is called
    per batch of rows.
    """
    store = hooks.vote_store()
    with read_snapshot():
        nodes = Node.objects.filter(map=map)
        edge_rows = Edge.objects.filter(map=map)
        totals = (
            (
                nodes.count(),
                edge_rows.count(),
                store.votes_count(map_id=map.pk) if votes else 0,
                store.edge_votes_count(map_id=map.pk) if votes else 0,
            )
            if progress is not None
            else (0, 0, 0, 0)
        )

        def node_items() -> Iterator[dict]:
            sources = iter(
                Source.objects.filter(node__map=map)
                .order_by(code_point_order("node__key"), "position", "id")
                .values_list("node__key", "document", "locator", "quote")
                .iterator(chunk_size=EXPORT_FETCH_ROWS)
            )
            pending = next(sources, None)
            for key, kind, title, text, category, prior, hidden_at, hidden_reason, into in (
                nodes.order_by(code_point_order("key"))
                .values_list(
                    "key",
                    "kind",
                    "title",
                    "text",
                    "category",
                    "prior",
                    "hidden_at",
                    "hidden_reason",
                    "merged_into__key",
                )
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
                    **_hidden_fields(hidden_at, hidden_reason),
                    **({"merged_into": into} if into else {}),
                }
            if pending is not None:
                raise ValueError(f"source of unknown node {pending[0]!r} in the export")

        def edge_items() -> Iterator[dict]:
            sources = iter(
                EdgeSource.objects.filter(edge__map=map)
                .order_by(code_point_order("edge__key"), "position", "id")
                .values_list("edge__key", "document", "locator", "quote")
                .iterator(chunk_size=EXPORT_FETCH_ROWS)
            )
            pending = next(sources, None)
            lone = _lone_groups(map)
            for key, source, target, target_edge, kind, weight, rationale, group in (
                edge_rows.order_by(code_point_order("key"))
                .values_list(
                    "key",
                    "source__key",
                    "target__key",
                    "target_edge__key",
                    "kind",
                    "weight",
                    "rationale",
                    "group",
                )
                .iterator(chunk_size=EXPORT_FETCH_ROWS)
            ):
                # Both queries are in key order: a merge join, as for the nodes' sources.
                cited = []
                while pending is not None and pending[0] == key:
                    cited.append(
                        {"document": pending[1], "locator": pending[2], "quote": pending[3]}
                    )
                    pending = next(sources, None)
                yield {
                    "id": key,
                    "source": source,
                    "target": target,
                    "target_edge": target_edge,
                    "kind": kind,
                    "weight": weight,
                    "rationale": rationale,
                    "sources": cited,
                    "group": None if group in lone else group,
                }
            if pending is not None:
                raise ValueError(f"source of unknown edge {pending[0]!r} in the export")

        def vote_items() -> Iterator[dict]:
            if votes:
                yield from store.votes_export(map_id=map.pk)

        def edge_vote_items() -> Iterator[dict]:
            if votes:
                yield from store.edge_votes_export(map_id=map.pk)

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
            edge_votes=_counted(edge_vote_items(), "edge votes", totals[3], progress),
        )


def map_export_bytes(*, map: Map, votes: bool = True) -> bytes:
    """The canonical argmap JSON v2 file of the map (what `export_map` writes)."""
    return b"".join(map_export_chunks(map=map, votes=votes))


def node_get(*, map: Map, key: object, field: str = "key", merged: bool = False) -> Node:
    """A node of the map by key (with its sources), or NotFound naming the key.

    A merged node's key raises core.errors.Moved (pages and reads redirect to the
    survivor, writes are refused with a pointer); `merged=True` returns the tombstone.
    """
    node = (
        Node.objects.prefetch_related("sources").filter(map=map, key=key).first()
        if isinstance(key, str)
        else None
    )
    if node is None:
        raise NotFound(f"no node '{key}' in map '{map.slug}'", fields={field: ["unknown node"]})
    return node if merged else moved_check(node, field=field)


MODERATORS = ("owner", "editor")


def _moderates(*, user, map: Map) -> bool:
    # Here, not at the top: claims.access imports this module.
    from claims.access import map_role

    return map_role(user=user, map=map) in MODERATORS


def nodes_listed(*, map: Map, user, hidden: str | None = None) -> QuerySet[Node]:
    """The map's nodes for the API list: without hidden ones (moderated away), unless an
    owner or editor asks for them with `hidden=1` (then every node; no extra query else)."""
    nodes = live_nodes(Node.objects.filter(map=map))  # merge tombstones: never listed
    if hidden in (None, "", "0", "false"):
        return nodes.filter(hidden_at__isnull=True)
    if hidden not in ("1", "true"):
        raise ValidationFailed(
            f"hidden must be 1 or 0, not {hidden!r}", fields={"hidden": ["must be 1 or 0"]}
        )
    if not _moderates(user=user, map=map):
        raise PermissionDenied("only the map's editors and owner can list hidden nodes")
    return nodes


def node_seen_get(*, map: Map, key: object, user) -> Node:
    """node_get as `user` may see it: a hidden node is a 404 for everyone but the map's
    owner and editors (out of the pages and the API, not only flagged)."""
    node = node_get(map=map, key=key)
    if node.hidden_at is not None and not _moderates(user=user, map=map):
        raise NotFound(f"no node '{key}' in map '{map.slug}'", fields={"key": ["unknown node"]})
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


def edge_get(*, map: Map, key: object, field: str = "key") -> Edge:
    """An edge of the map by key (with its ends, the edge it undercuts and its sources)."""
    edge = (
        Edge.objects.select_related("source", "target", "target_edge")
        .prefetch_related("sources")
        .filter(map=map, key=key)
        .first()
        if isinstance(key, str)
        else None
    )
    if edge is None:
        raise NotFound(f"no edge '{key}' in map '{map.slug}'", fields={field: ["unknown edge"]})
    return edge


def edges_of_map(*, map: Map) -> QuerySet[Edge]:
    """The map's edges in creation order, ready for EdgeOutput (no query per edge)."""
    return (
        Edge.objects.filter(map=map)
        .select_related("source", "target", "target_edge")
        .prefetch_related("sources")
        .order_by("id")
    )


def edge_revisions(*, edge: Edge) -> list[dict]:
    """Every version of the edge's rationale, weight and group, newest (the current) first."""
    current = {
        "revision": edge.revision,
        "rationale": edge.rationale,
        "weight": edge.weight,
        "group": edge.group,
        "sources": [
            {"document": x.document, "locator": x.locator, "quote": x.quote}
            for x in edge.sources.order_by("position", "id")
        ],
        "edited_by": None,
        "created_at": edge.updated_at,
        "current": True,
    }
    older = [
        {
            "revision": r.revision,
            "rationale": r.rationale,
            "weight": r.weight,
            "group": r.group,
            "sources": r.sources,
            "edited_by": r.edited_by.username if r.edited_by else None,
            "created_at": r.created_at,
            "current": False,
        }
        for r in edge.revisions.select_related("edited_by").order_by("-revision")
    ]
    return [current, *older]
