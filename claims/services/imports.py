"""map_import: an argmap JSON document (version 2, or 1) into a new map, all or nothing.

The rows are written in bulk: on PostgreSQL with COPY (one statement per table
and batch, from an in-memory buffer, inside the import's transaction), elsewhere
with bulk_create. A 100k-node map costs a handful of statements per table, never
one per row; docs/BENCHMARKS.md has the figures.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone

from claims import hooks
from claims.formats import argmap as argmap_format
from claims.models import (
    ActivityVerb,
    Contribution,
    Edge,
    EdgeKind,
    EdgeSource,
    Map,
    Node,
    NodeKind,
    Source,
)
from claims.services.activity import activity_record
from claims.services.bulk import Progress, rows_insert
from claims.services.maps import map_graph_changed
from core.errors import Conflict, UnsupportedFormat, ValidationFailed
from core.validation import check_key


@dataclass
class ImportResult:
    slug: str
    nodes: int
    edges: int
    votes: int
    skipped: dict[str, int] = field(default_factory=dict)
    edge_votes: int = 0


def format_error_to_validation(error: argmap_format.ArgmapFormatError) -> ValidationFailed:
    fields: dict[str, list[str]] = {}
    for problem in error.problems:
        path, _, message = problem.partition(": ")
        fields.setdefault(path, []).append(message)
    first = error.problems[0] if error.problems else "invalid file"
    more = f" (and {len(error.problems) - 1} more problems)" if len(error.problems) > 1 else ""
    return ValidationFailed(
        f"the file is not a valid argmap JSON map: {first}{more}", fields=fields
    )


def parse_argmap(data: bytes | str | dict) -> dict:
    """Parse and validate an argmap document; ValidationFailed lists every problem by path."""
    try:
        if isinstance(data, dict):
            return argmap_format.validate(data)
        return argmap_format.load(data)
    except argmap_format.ArgmapFormatError as exc:
        raise format_error_to_validation(exc) from exc


def _noop(stage: str, done: int, total: int) -> None:
    return None


# ---------------------------------------------------------------------------- import


def _rows_delete(model: type[models.Model], map_id: int) -> None:
    """DELETE every row of `model` (Node or Edge) in the map, in one statement."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field("map").column)
    with connection.cursor() as cursor:
        # Identifiers from the model's metadata; the value is a parameter.
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [map_id])  # noqa: S608


def _map_delete_in_bulk(the_map: Map) -> None:
    """Delete a map and its graph for --replace, a few statements per table.

    Map.delete() lets the collector load every node and edge as a model instance
    and delete them a hundred at a time (about 20 s for 100k nodes). Here each
    relation that cascades from Edge (sources, revisions, votes, undercuts) is
    emptied with one DELETE, then the edges go in one statement (undercuts with
    the edges they attack: foreign keys are checked at commit), then each relation
    that cascades from Node, then the nodes; the map's own delete (runs, changes,
    members) is small. Any other on_delete behaviour (a relation added later with
    PROTECT or SET_NULL) falls back to the collector.
    """
    edge_relations = [r for r in Edge._meta.related_objects if r.related_model is not Edge]
    relations = Node._meta.related_objects
    if any(
        relation.on_delete is not models.CASCADE
        for relation in (*Edge._meta.related_objects, *relations)
    ):
        the_map.delete()
        return
    for relation in edge_relations:
        relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__map": the_map}
        ).delete()
    _rows_delete(Edge, the_map.pk)
    for relation in relations:
        relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__map": the_map}
        ).delete()
    _rows_delete(Node, the_map.pk)
    the_map.delete()


@transaction.atomic
def map_import(
    *,
    data: bytes | str | dict,
    owner: AbstractBaseUser | None,
    replace: bool = False,
    slug: str | None = None,
    visibility: str | None = None,
    contribution: str = Contribution.CLOSED,
    progress: Progress | None = None,
    skipped: dict[str, int] | None = None,
    keep_votes: bool = True,
) -> ImportResult:
    """Create a map from an argmap JSON document (version 2, or 1) in one transaction.

    Nothing is written unless the whole document is valid; on any problem the
    database is left exactly as it was. `keep_votes=False` (uploads by users)
    drops the file's votes on nodes and on edges and counts them as skipped: a
    file must not cast votes in other people's names. `contribution` is the new
    map's policy (closed unless the caller opens it; the file format has none).
    One MAP_IMPORTED activity entry records the import, never one per row.
    """
    if contribution not in Contribution.values:
        raise ValidationFailed(
            f"contribution must be one of {Contribution.values}",
            fields={"contribution": [f"must be one of {Contribution.values}"]},
        )
    report = progress or _noop
    doc = parse_argmap(data)
    skipped = dict(skipped or {})
    if not keep_votes:
        for section in ("votes", "edge_votes"):
            if doc[section]:
                skipped[section] = len(doc[section])
                doc[section] = []
    meta = doc["map"]
    if slug is not None:
        meta["slug"] = check_key(slug, field="slug")
    if visibility is not None:
        if visibility not in ("public", "private"):
            raise ValidationFailed(
                "visibility must be public or private", fields={"visibility": ["invalid"]}
            )
        meta["visibility"] = visibility

    existing = Map.objects.select_for_update().filter(slug=meta["slug"]).first()
    if existing is not None:
        if not replace:
            raise Conflict(
                f"a map with slug '{meta['slug']}' already exists (use --replace to overwrite)",
                fields={"map.slug": ["taken"]},
            )
        _map_delete_in_bulk(existing)

    nodes, edges = doc["nodes"], doc["edges"]
    # A merge's tombstone (issue 17) is not counted: the map's counts are its live nodes'.
    kinds = Counter(n["kind"] for n in nodes if not n.get("merged_into"))
    # A new row (a replaced map was deleted above): its counts are the file's,
    # written with it, as the rows below are all or nothing with it.
    the_map = Map.objects.create(
        slug=meta["slug"],
        title=meta["title"],
        description=meta.get("description", ""),
        visibility=meta.get("visibility", "public"),
        contribution=contribution,
        owner=owner,
        node_count=sum(kinds.values()),
        frame_count=kinds[NodeKind.FRAME],
        crux_count=kinds[NodeKind.CRUX],
        edge_count=len(edges),
    )
    map_id = the_map.pk
    created_by = owner.pk if owner is not None else None
    now = timezone.now()

    rows_insert(
        Node,
        (
            "map_id",
            "key",
            "kind",
            "title",
            "text",
            "category",
            "prior",
            "created_by_id",
            "created_at",
            "updated_at",
            "revision",
            "hidden_at",
            "hidden_reason",
        ),
        (
            (
                map_id,
                n["id"],
                n["kind"],
                n["title"],
                n["text"],
                n["category"],
                n["prior"],
                created_by,
                now,
                now,
                1,
                # A node the file marks hidden stays hidden (moderation survives a round trip).
                now if n.get("hidden") else None,
                n.get("hidden_reason", ""),
            )
            for n in nodes
        ),
        total=len(nodes),
        stage="nodes",
        progress=report,
    )
    node_ids = dict(Node.objects.filter(map_id=map_id).values_list("key", "id"))
    # Tombstones of merges (issue 17) point at their survivors again.
    for n in nodes:
        if n.get("merged_into"):
            Node.objects.filter(pk=node_ids[n["id"]]).update(
                merged_into_id=node_ids[n["merged_into"]], merged_at=now
            )

    rows_insert(
        Source,
        ("node_id", "position", "document", "locator", "quote"),
        (
            (node_ids[n["id"]], i, s["document"], s["locator"], s["quote"])
            for n in nodes
            for i, s in enumerate(n["sources"])
        ),
        total=sum(len(n["sources"]) for n in nodes),
    )

    _edges_insert(
        map_id=map_id,
        edges=edges,
        node_ids=node_ids,
        edge_votes=doc["edge_votes"],
        created_by=created_by,
        now=now,
        report=report,
    )

    if doc["votes"]:
        # The votes app writes them (claims knows the graph, not who votes on it).
        hooks.vote_store().votes_import(
            map_id=map_id, votes=doc["votes"], node_ids=node_ids, now=now, progress=report
        )

    version = map_graph_changed(map_id=map_id, action="map_import", user=owner)
    activity_record(
        map_id=map_id,
        verb=ActivityVerb.MAP_IMPORTED,
        actor=owner,
        title=the_map.title,
        graph_version=version,
        detail={
            "nodes": len(nodes),
            "edges": len(edges),
            "votes": len(doc["votes"]),
            "edge_votes": len(doc["edge_votes"]),
            "replaced": existing is not None,
        },
    )
    return ImportResult(
        slug=the_map.slug,
        nodes=len(nodes),
        edges=len(edges),
        votes=len(doc["votes"]),
        skipped=dict(skipped or {}),
        edge_votes=len(doc["edge_votes"]),
    )


_EDGE_COLUMNS = (
    "map_id",
    "key",
    "source_id",
    "target_id",
    "target_edge_id",
    "kind",
    "weight",
    "rationale",
    "group",
    "revision",
    "created_by_id",
    "created_at",
    "updated_at",
)


def _edges_insert(
    *,
    map_id: int,
    edges: list[dict],
    node_ids: dict[str, int],
    edge_votes: list[dict],
    created_by: int | None,
    now: datetime,
    report: Progress,
) -> None:
    """The file's edges, their sources and their votes (the file is valid).

    Undercuts point at other edges by primary key: the supports/undermines (and
    other) edges go first, then their keys are mapped to ids, then the undercuts
    (which never attack an undercut) are written with their target_edge.
    """
    undercut = EdgeKind.UNDERCUTS.value
    undercuts = [e for e in edges if e["kind"] == undercut]

    def rows(items, edge_ids):
        for e in items:
            target_edge = e["target_edge"]
            yield (
                map_id,
                e["id"],
                node_ids[e["source"]],
                None if target_edge is not None else node_ids[e["target"]],
                None if target_edge is None else edge_ids[target_edge],
                e["kind"],
                e["weight"],
                e["rationale"],
                e["group"],
                1,
                created_by,
                now,
                now,
            )

    others = len(edges) - len(undercuts)
    rows_insert(
        Edge,
        _EDGE_COLUMNS,
        rows((e for e in edges if e["kind"] != undercut), {}),
        total=others,
        stage="edges",
        progress=report,
    )
    sourced = sum(len(e["sources"]) for e in edges)
    if not (undercuts or sourced or edge_votes):
        return
    edge_ids = dict(Edge.objects.filter(map_id=map_id).values_list("key", "id"))
    if undercuts:
        rows_insert(Edge, _EDGE_COLUMNS, rows(undercuts, edge_ids), total=len(undercuts))
        edge_ids.update(Edge.objects.filter(map_id=map_id, kind=undercut).values_list("key", "id"))
        report("edges", len(edges), len(edges))
    rows_insert(
        EdgeSource,
        ("edge_id", "position", "document", "locator", "quote"),
        (
            (edge_ids[e["id"]], i, s["document"], s["locator"], s["quote"])
            for e in edges
            for i, s in enumerate(e["sources"])
        ),
        total=sourced,
    )
    if edge_votes:
        hooks.vote_store().edge_votes_import(
            map_id=map_id, edge_votes=edge_votes, edge_ids=edge_ids, now=now, progress=report
        )


def _detect_format(data: bytes) -> str:
    """argmap or aif from the file's content; UnsupportedFormat otherwise."""
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        raise UnsupportedFormat(
            "cannot tell the file's format: expected a JSON object (argmap or AIF)",
            fields={"format": ["unrecognised"]},
        )
    if b'"format"' in data[:65536] and b'"argmap"' in data[:65536]:
        return "argmap"
    if b'"nodeID"' in data or b'"fromID"' in data:
        return "aif"
    return "argmap"  # let the argmap validator name what is wrong


def map_import_upload(
    *,
    data: bytes,
    owner: AbstractBaseUser,
    format: str | None = None,
    slug: str | None = None,
    visibility: str | None = None,
) -> ImportResult:
    """An uploaded argmap or AIF file as a new map owned by `owner` (all or nothing).

    `visibility` is the uploader's explicit choice and overrides the file's; None
    (no choice made) keeps the file's own, public when the file names none (AIF
    never does), so re-importing an exported private map keeps it private.
    """
    fmt = format or _detect_format(data)
    if fmt == "argmap":
        return map_import(
            data=data, owner=owner, slug=slug, visibility=visibility, keep_votes=False
        )
    if fmt != "aif":
        raise UnsupportedFormat(
            f"import format must be argmap or aif, not {fmt[:40]!r}",
            fields={"format": ["unsupported"]},
        )
    from claims.formats.aif import AifFormatError, aif_to_argmap

    if not slug:
        raise ValidationFailed("an AIF import needs ?slug=", fields={"slug": ["required for AIF"]})
    check_key(slug, field="slug")
    try:
        raw = argmap_format.parse(data)
    except argmap_format.ArgmapFormatError as exc:
        raise format_error_to_validation(exc) from exc
    try:
        doc, skipped = aif_to_argmap(raw, slug=slug)
    except AifFormatError as exc:
        fields: dict[str, list[str]] = {}
        for problem in exc.problems:
            path, _, message = problem.partition(": ")
            fields.setdefault(path, []).append(message)
        raise ValidationFailed(
            f"the file is not valid AIF: {exc.problems[0] if exc.problems else exc}",
            fields=fields,
        ) from exc
    return map_import(data=doc, owner=owner, visibility=visibility, skipped=skipped)
