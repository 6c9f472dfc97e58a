"""Merging a duplicate node into another, and undoing it (issue 17).

The merged node becomes a tombstone (`merged_into`, `merged_at`): its row stays, so
that its key redirects, its revisions and vote history keep pointing at it and the
merge can be undone. Everything else moves to the survivor:

- its edges are re-pointed; an edge the move would duplicate (same source, target
  and kind, or an undercut of the same edge from the same node) is combined into the
  survivor's (its rationale appended when it differs, its sources added, its
  undercuts re-pointed, its votes moved by the apps built on the graph); an edge the
  move would turn into a self-loop is dropped and reported; a subframe cycle the move
  would close refuses the merge, naming it;
- its sources are added to the survivor's (without duplicates);
- what the apps built on the graph keep about it (votes, comments, watches) moves
  through the participants registered in claims.hooks (claims imports neither app).

One transaction. Locks are taken in the order every other write takes them: the two
nodes (FOR UPDATE, by id: no new edge, vote or comment can reference them meanwhile),
the edges around them, then the map's row (map_graph_changed, once). A second merge of
an overlapping pair waits for the first, then sees the first's tombstone: a 409 with
nothing written. Every row the merge changed or removed is kept, as it was, in
NodeMerge.record, so that node_unmerge restores both nodes exactly; the undo refuses
(409, naming why) when later changes make that impossible.

A hidden node may be merged, and merged into (its votes are the community's as much as
a visible node's; hiding decides only what is shown): the tombstone keeps its own hidden
flag, the survivor its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from claims import hooks
from claims.models import (
    RATIONALE_MAX_LENGTH,
    SOURCES_MAX,
    ActivityVerb,
    Edge,
    EdgeKind,
    EdgeRevision,
    EdgeSource,
    Map,
    Node,
    NodeKind,
    NodeMerge,
    Source,
)
from claims.services.activity import activity_record
from claims.services.edges import _dependencies, _find_path, _path_keys
from claims.services.maps import map_graph_changed
from core.errors import ArgmapError, Conflict, NotFound, ValidationFailed

# --- rows kept for the undo: plain JSON, restored with their ids --------------------


def rows_snapshot(queryset: models.QuerySet) -> list[dict]:
    """Every concrete column of the rows (by attname), JSON-able (datetimes as ISO)."""
    fields = [f.attname for f in queryset.model._meta.concrete_fields]
    out = []
    for row in queryset.order_by("pk").values(*fields):
        out.append({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()})
    return out


def rows_restore(model: type[models.Model], rows: Iterable[dict]) -> None:
    """Insert rows taken by rows_snapshot again, ids and timestamps included.

    Plain SQL: save() and bulk_create would stamp auto_now(_add) fields anew, and the
    undo must put back what was there.
    """
    rows = list(rows)
    if not rows:
        return
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
    values = []
    for row in rows:
        values.append([])
        for f in fields:
            value = row[f.attname]
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            elif isinstance(f, models.DateTimeField) and isinstance(value, str):
                value = parse_datetime(value)
            values[-1].append(value)
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


# --- the plan: what a merge would do, read under the locks, written by nobody ----------


def _check_pair(merged: Node, survivor: Node) -> None:
    if merged.pk == survivor.pk:
        raise ValidationFailed(
            "a node cannot be merged into itself", fields={"into": ["the same node"]}
        )
    if merged.map_id != survivor.map_id:
        raise ValidationFailed(
            "both nodes of a merge must be in the same map", fields={"into": ["not in this map"]}
        )
    for node, name in ((merged, "merged"), (survivor, "into")):
        # merged_at too: a tombstone whose survivor was deleted since (merged_into is
        # SET_NULL) stays a tombstone (claims.merged.LIVE).
        if node.merged_into_id is not None or node.merged_at is not None:
            raise Conflict(
                f"'{node.key}' was already merged into another node",
                fields={name: ["already merged"]},
            )
    if (merged.kind == NodeKind.FRAME) != (survivor.kind == NodeKind.FRAME):
        raise ValidationFailed(
            f"a frame merges only with a frame ('{merged.key}' is a {merged.kind}, "
            f"'{survivor.key}' a {survivor.kind})",
            fields={"into": ["frames merge only with frames"]},
        )


def _subframe_cycle(map_id: int, merged_id: int, survivor_id: int) -> list[int] | None:
    """A cycle of subframe_of edges once the merged node is the survivor, or None."""

    def one(pk: int) -> int:
        return survivor_id if pk == merged_id else pk

    parents: dict[int, set[int]] = {}
    for child, parent in Edge.objects.filter(map_id=map_id, kind=EdgeKind.SUBFRAME_OF).values_list(
        "source_id", "target_id"
    ):
        child, parent = one(child), one(parent)
        if child != parent:  # a self-loop is dropped, not a cycle
            parents.setdefault(child, set()).add(parent)
    # Only a cycle through the survivor can be new: the graph had none before.
    path, on_path = [survivor_id], {survivor_id}

    def walk(at: int) -> list[int] | None:
        for parent in sorted(parents.get(at, ())):
            if parent == survivor_id:
                return [*path, survivor_id]
            if parent not in on_path:
                path.append(parent)
                on_path.add(parent)
                found = walk(parent)
                if found:
                    return found
                path.pop()
        return None

    return walk(survivor_id)


def _check_undercut_cycle(merged: Node, survivor: Node) -> None:
    """Refuse a merge that would close a cycle through an undercut (which edge_create
    refuses too: the engine's credences would depend on themselves through the
    strength of an inference). Any new cycle passes through the survivor."""
    the_map = Map.objects.get(pk=merged.map_id)
    if not Edge.objects.filter(map=the_map, kind=EdgeKind.UNDERCUTS).exists():
        return
    m, s = merged.pk, survivor.pk
    deps: dict[int, list[tuple[int, bool]]] = {}
    for source, heads in _dependencies(the_map).items():
        source = s if source == m else source
        for head, undercut in heads:
            head = s if head == m else head
            if source == head and not undercut:
                continue  # an argument between the two: a self-loop the merge drops
            deps.setdefault(source, []).append((head, undercut))
    path = _find_path(deps, s, s, through_undercut=True)
    if path is not None:
        raise Conflict(
            f"merging '{merged.key}' into '{survivor.key}' would close a cycle through an "
            f"undercut: {_path_keys(path)}; remove one of those links first",
            fields={"into": ["cycle through an undercut"]},
        )


def _plan(merged: Node, survivor: Node) -> dict:
    """What the merge does to the edges: {"repoint": {id: (source, target, target_edge)},
    "combine": {removed id: kept id}, "drop": {id: why}}, plus the edges' rows read."""
    _check_pair(merged, survivor)
    cycle = _subframe_cycle(merged.map_id, merged.pk, survivor.pk)
    if cycle is not None:
        keys = dict(Node.objects.filter(pk__in=cycle).values_list("pk", "key"))
        named = " -> ".join(keys[pk] for pk in cycle)
        raise Conflict(
            f"merging '{merged.key}' into '{survivor.key}' would make a cycle of subframes: "
            f"{named}; remove one of those subframe_of links first",
            fields={"into": ["subframe cycle"]},
        )
    m, s = merged.pk, survivor.pk
    _check_undercut_cycle(merged, survivor)
    around = list(
        Edge.objects.filter(map_id=merged.map_id)
        .filter(models.Q(source_id__in=[m, s]) | models.Q(target_id__in=[m, s]))
        .exclude(kind=EdgeKind.UNDERCUTS)
        .order_by("pk")
    )
    repoint: dict[int, tuple[int, int | None, int | None]] = {}
    combine: dict[int, int] = {}
    drop: dict[int, str] = {}
    # The survivor's own edges keep their place; the merged node's fold onto them.
    taken = {
        (e.source_id, e.target_id, e.kind): e.pk
        for e in around
        if m not in (e.source_id, e.target_id)
    }
    for e in around:
        if m not in (e.source_id, e.target_id):
            continue
        source = s if e.source_id == m else e.source_id
        target = s if e.target_id == m else e.target_id
        if source == target:
            drop[e.pk] = "self_loop"
        elif (source, target, e.kind) in taken:
            combine[e.pk] = taken[(source, target, e.kind)]
        else:
            taken[(source, target, e.kind)] = e.pk
            repoint[e.pk] = (source, target, None)
    gone = set(combine) | set(drop)
    undercuts = list(
        Edge.objects.filter(map_id=merged.map_id, kind=EdgeKind.UNDERCUTS)
        .filter(
            models.Q(source_id__in=[m, s]) | models.Q(target_edge_id__in=[e.pk for e in around])
        )
        .order_by("pk")
    )
    # The survivor's undercuts first: on a clash, theirs is the one kept.
    undercuts.sort(key=lambda u: (u.source_id == m or u.target_edge_id in gone, u.pk))
    utaken: dict[tuple[int, int], int] = {}
    for u in undercuts:
        if u.target_edge_id in drop:
            drop[u.pk] = "undercut_of_dropped"
            continue
        source = s if u.source_id == m else u.source_id
        attacked = combine.get(u.target_edge_id, u.target_edge_id)
        if (source, attacked) in utaken:
            combine[u.pk] = utaken[(source, attacked)]
            continue
        utaken[(source, attacked)] = u.pk
        if (source, attacked) != (u.source_id, u.target_edge_id):
            repoint[u.pk] = (source, None, attacked)
    rows = {e.pk: e for e in [*around, *undercuts]}
    return {"repoint": repoint, "combine": combine, "drop": drop, "rows": rows}


def _edge_moves(plan: dict) -> dict:
    """The plan as the participants get it (JSON keys are strings)."""
    return {
        "combine": {str(k): v for k, v in plan["combine"].items()},
        "drop": sorted(plan["drop"]),
        "repoint": sorted(plan["repoint"]),
    }


def _source_key(row: Any) -> tuple[str, str, str]:
    return (row["document"], row["locator"], row["quote"])


def _sources_to_add(merged: Node, survivor: Node) -> list[dict]:
    have = {
        _source_key(r)
        for r in Source.objects.filter(node=survivor).values("document", "locator", "quote")
    }
    adding = []
    for r in (
        Source.objects.filter(node=merged)
        .order_by("position", "id")
        .values("document", "locator", "quote")
    ):
        if _source_key(r) not in have:
            have.add(_source_key(r))
            adding.append(r)
    room = max(SOURCES_MAX - len(have) + len(adding), 0)
    return adding[:room]


def _edge_label(e: Edge, keys: dict[int, str], edge_keys: dict[int, str]) -> dict:
    return {
        "id": e.key,
        "kind": e.kind,
        "source": keys.get(e.source_id, "?"),
        "target": keys.get(e.target_id) if e.target_id else None,
        "target_edge": edge_keys.get(e.target_edge_id) if e.target_edge_id else None,
    }


def node_merge_preview(*, merged: Node, survivor: Node) -> dict:
    """What merging `merged` into `survivor` would move, without writing anything.

    {"refusal": message or None, "votes", "vote_conflicts", "edges_repointed",
    "edges_combined", "self_loops_dropped", "sources", "comments", "revisions", ...}:
    counts, and lists of edges by their keys. Votes are counted, never attributed.
    """
    merged = Node.objects.get(pk=merged.pk)
    survivor = Node.objects.get(pk=survivor.pk)
    out: dict[str, Any] = {
        "merged": merged.key,
        "into": survivor.key,
        "refusal": None,
        "edges_repointed": [],
        "edges_combined": [],
        "self_loops_dropped": [],
        "sources": 0,
        "revisions": merged.revision - 1,
        "votes": 0,
        "vote_conflicts": 0,
        "edge_votes": 0,
        "edge_vote_conflicts": 0,
        "comments": 0,
    }
    try:
        plan = _plan(merged, survivor)
    except ArgmapError as exc:
        out["refusal"] = exc.message
        return out
    rows: dict[int, Edge] = plan["rows"]
    node_ids = {e.source_id for e in rows.values()} | {
        e.target_id for e in rows.values() if e.target_id
    }
    keys = dict(Node.objects.filter(pk__in=node_ids).values_list("pk", "key"))
    edge_keys = dict(
        Edge.objects.filter(
            map_id=merged.map_id, pk__in=[*rows, *plan["combine"].values()]
        ).values_list("pk", "key")
    )
    edge_keys.update(
        Edge.objects.filter(
            pk__in=[e.target_edge_id for e in rows.values() if e.target_edge_id]
        ).values_list("pk", "key")
    )
    out["edges_repointed"] = [
        _edge_label(rows[pk], keys, edge_keys) for pk in sorted(plan["repoint"])
    ]
    out["edges_combined"] = [
        {**_edge_label(rows[pk], keys, edge_keys), "into": edge_keys.get(kept)}
        for pk, kept in sorted(plan["combine"].items())
    ]
    out["self_loops_dropped"] = [
        {**_edge_label(rows[pk], keys, edge_keys), "why": why}
        for pk, why in sorted(plan["drop"].items())
    ]
    out["sources"] = len(_sources_to_add(merged, survivor))
    moves = _edge_moves(plan)
    for participant in hooks.merge_participants():
        preview = getattr(participant, "preview", None)
        if preview is not None:
            out.update(preview(merged_id=merged.pk, survivor_id=survivor.pk, edge_moves=moves))
    return out


# --- locks ---------------------------------------------------------------------------


def _lock_nodes(*pks: int) -> dict[int, Node]:
    """The nodes' rows, by id (the order every merge takes them: no lock cycle), FOR
    UPDATE: no edge, vote or comment can start referencing them until the commit."""
    locked = {n.pk: n for n in Node.objects.select_for_update().filter(pk__in=pks).order_by("pk")}
    for pk in pks:
        if pk not in locked:
            raise NotFound("a node of this merge no longer exists")
    return locked


def _lock_edges_around(map_id: int, node_ids: list[int]) -> None:
    """The edges of the nodes and the undercuts of those edges, by id (an edge vote or
    edit holds its edge's row before the map's, as this does)."""
    around = Edge.objects.filter(map_id=map_id).filter(
        models.Q(source_id__in=node_ids) | models.Q(target_id__in=node_ids)
    )
    ids = list(around.values_list("pk", flat=True))
    list(
        Edge.objects.select_for_update()
        .filter(models.Q(pk__in=ids) | models.Q(target_edge_id__in=ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- the merge -------------------------------------------------------------------------


def _append_rationale(kept: str, other: str) -> str:
    if not other or other == kept or other in kept:
        return kept
    joined = f"{kept}\n\n{other}" if kept else other
    return joined[:RATIONALE_MAX_LENGTH]


@transaction.atomic
def node_merge(*, merged: Node, survivor: Node, by: AbstractBaseUser | None) -> NodeMerge:
    """Merge `merged` into `survivor` (the caller checked Need.EDIT on the map).

    400 for a pair that cannot be merged (the same node, two maps, a frame with a
    non-frame), 409 when either is already merged or the move would close a subframe
    cycle; nothing is written then.
    """
    if merged.pk == survivor.pk or merged.map_id != survivor.map_id:
        _check_pair(merged, survivor)
    nodes = _lock_nodes(merged.pk, survivor.pk)
    merged, survivor = nodes[merged.pk], nodes[survivor.pk]
    _check_pair(merged, survivor)  # again, as committed: a concurrent merge may have won
    _lock_edges_around(merged.map_id, [merged.pk, survivor.pk])
    plan = _plan(merged, survivor)
    rows: dict[int, Edge] = plan["rows"]
    removed = set(plan["combine"]) | set(plan["drop"])
    version = map_graph_changed(
        map_id=merged.map_id,
        action="node_merge",
        node_keys=[merged.key, survivor.key],
        user=by,
        nodes={merged.kind: -1},
        edges=-len(removed),
    )
    now = timezone.now()
    record: dict[str, Any] = {
        "merged": {"id": merged.pk, "key": merged.key, "kind": merged.kind},
        "survivor": {"id": survivor.pk, "key": survivor.key, "kind": survivor.kind},
        "graph_version": version,
        "edge_moves": _edge_moves(plan),
    }
    # The apps built on the graph first: they move their rows off the edges that go.
    participants = {}
    for participant in hooks.merge_participants():
        participants[participant.name] = participant.merge(
            merged_id=merged.pk,
            survivor_id=survivor.pk,
            edge_moves=record["edge_moves"],
            version=version,
        )
    record["participants"] = participants
    # Edges that go, as they were (with their sources and revisions), then the combining.
    record["edges_removed"] = rows_snapshot(Edge.objects.filter(pk__in=removed))
    record["edge_sources_removed"] = rows_snapshot(EdgeSource.objects.filter(edge_id__in=removed))
    record["edge_revisions_removed"] = rows_snapshot(
        EdgeRevision.objects.filter(edge_id__in=removed)
    )
    kept_before: dict[int, dict] = {}
    for pk, kept_id in sorted(plan["combine"].items()):
        kept = Edge.objects.get(pk=kept_id)
        before = kept_before.setdefault(
            kept_id, {"id": kept_id, "rationale": kept.rationale, "sources_added": []}
        )
        kept.rationale = _append_rationale(kept.rationale, rows[pk].rationale)
        Edge.objects.filter(pk=kept_id).update(rationale=kept.rationale)
        have = {
            _source_key(r)
            for r in EdgeSource.objects.filter(edge_id=kept_id).values(
                "document", "locator", "quote"
            )
        }
        position = EdgeSource.objects.filter(edge_id=kept_id).count()
        for r in (
            EdgeSource.objects.filter(edge_id=pk)
            .order_by("position", "id")
            .values("document", "locator", "quote")
        ):
            if _source_key(r) in have or position >= SOURCES_MAX:
                continue
            have.add(_source_key(r))
            added = EdgeSource.objects.create(edge_id=kept_id, position=position, **r)
            before["sources_added"].append(added.pk)
            position += 1
        before["rationale_after"] = kept.rationale
    record["edges_kept"] = list(kept_before.values())
    # Undercuts of a combined edge now undercut the kept one (re-pointed below, before
    # the combined edge goes and would take them with it).
    record["edges_repointed"] = []
    for pk, (source, target, attacked) in sorted(plan["repoint"].items()):
        e = rows[pk]
        record["edges_repointed"].append(
            {
                "id": pk,
                "before": [e.source_id, e.target_id, e.target_edge_id],
                "after": [source, target, attacked],
            }
        )
    # Removed first (a re-pointed edge may take the place of nothing that still stands,
    # but an undercut re-pointed onto a kept edge must not meet the combined one's).
    Edge.objects.filter(
        pk__in=[pk for pk in removed if rows[pk].kind == EdgeKind.UNDERCUTS]
    ).delete()
    for pk, (source, target, attacked) in sorted(plan["repoint"].items()):
        Edge.objects.filter(pk=pk).update(
            source_id=source, target_id=target, target_edge_id=attacked
        )
    Edge.objects.filter(pk__in=removed).delete()
    # The merged node's sources, added to the survivor's; the tombstone keeps its own.
    position = Source.objects.filter(node=survivor).count()
    added_sources = []
    for i, r in enumerate(_sources_to_add(merged, survivor)):
        added_sources.append(Source.objects.create(node=survivor, position=position + i, **r).pk)
    record["sources_added"] = added_sources
    Node.objects.filter(pk=merged.pk).update(merged_into=survivor, merged_at=now)
    merge = NodeMerge.objects.create(
        map_id=merged.map_id,
        merged=merged,
        survivor=survivor,
        by=by if by is not None and by.is_authenticated else None,
        graph_version=version,
        record=record,
    )
    activity_record(
        map_id=merged.map_id,
        verb=ActivityVerb.NODE_MERGED,
        actor=by,
        node_key=merged.key,
        title=merged.title,
        graph_version=version,
        detail={"merge": merge.pk, "into": survivor.key},
    )
    merged.merged_into, merged.merged_at = survivor, now
    return merge


# --- the undo ------------------------------------------------------------------------


def _refuse(why: str) -> Conflict:
    return Conflict(f"this merge can no longer be undone exactly: {why}", fields={"merge": [why]})


def _check_undo(merge: NodeMerge, merged: Node, survivor: Node) -> None:
    record = merge.record
    if merge.undone_at is not None:
        raise Conflict("this merge was already undone", fields={"merge": ["already undone"]})
    days = settings.MERGE_UNDO_DAYS
    if timezone.now() - merge.created_at > timedelta(days=days):
        raise _refuse(f"it is older than {days} days")
    if merged.merged_into_id != survivor.pk:
        raise _refuse(f"'{merged.key}' is no longer merged into '{survivor.key}'")
    if survivor.merged_into_id is not None or survivor.merged_at is not None:
        raise _refuse(f"'{survivor.key}' was merged into another node since")
    for moved in record["edges_repointed"]:
        now = list(
            Edge.objects.filter(pk=moved["id"]).values_list(
                "source_id", "target_id", "target_edge_id"
            )
        )
        if not now or list(now[0]) != moved["after"]:
            raise _refuse("an edge the merge moved was deleted or changed since")
    for kept in record["edges_kept"]:
        row = Edge.objects.filter(pk=kept["id"]).values_list("rationale", flat=True).first()
        if row is None or row != kept["rationale_after"]:
            raise _refuse("an edge the merge combined into was deleted or edited since")
        still = EdgeSource.objects.filter(pk__in=kept["sources_added"]).count()
        if still != len(kept["sources_added"]):
            raise _refuse("the sources the merge added to an edge were changed since")
    removed = record["edges_removed"]
    clash = Edge.objects.filter(map_id=merge.map_id, key__in=[e["key"] for e in removed])
    if clash.exists():
        raise _refuse(f"the edge key '{clash.first().key}' was taken since")
    ends = {(e["source_id"], e["target_id"], e["kind"]) for e in removed if e["target_id"]}
    for source, target, kind in ends:
        if Edge.objects.filter(source_id=source, target_id=target, kind=kind).exists():
            raise _refuse("an edge the merge removed was made again since")


@transaction.atomic
def node_unmerge(*, merge: NodeMerge, by: AbstractBaseUser | None) -> None:
    """Undo a merge (the caller checked Need.EDIT): both nodes, their votes, edges,
    sources and comments as they were, within settings.MERGE_UNDO_DAYS; 409 naming why
    when later changes make an exact restore impossible (nothing is written then)."""
    nodes = _lock_nodes(merge.merged_id, merge.survivor_id)
    merged, survivor = nodes[merge.merged_id], nodes[merge.survivor_id]
    _lock_edges_around(merge.map_id, [merged.pk, survivor.pk])
    locked = NodeMerge.objects.select_for_update().filter(pk=merge.pk).first()
    if locked is None:
        raise NotFound("no such merge")
    merge = locked
    _check_undo(merge, merged, survivor)
    record = merge.record
    removed = record["edges_removed"]
    version = map_graph_changed(
        map_id=merge.map_id,
        action="node_unmerge",
        node_keys=[merged.key, survivor.key],
        user=by,
        nodes={merged.kind: 1},
        edges=len(removed),
    )
    Node.objects.filter(pk=merged.pk).update(merged_into=None, merged_at=None)
    Source.objects.filter(pk__in=record["sources_added"], node_id=survivor.pk).delete()
    # The removed edges again (arguments before the undercuts of them), then the moves back.
    rows_restore(Edge, sorted(removed, key=lambda e: e["kind"] == EdgeKind.UNDERCUTS))
    rows_restore(EdgeSource, record["edge_sources_removed"])
    rows_restore(EdgeRevision, record["edge_revisions_removed"])
    for moved in record["edges_repointed"]:
        source, target, attacked = moved["before"]
        Edge.objects.filter(pk=moved["id"]).update(
            source_id=source, target_id=target, target_edge_id=attacked
        )
    for kept in record["edges_kept"]:
        EdgeSource.objects.filter(pk__in=kept["sources_added"]).delete()
        Edge.objects.filter(pk=kept["id"]).update(rationale=kept["rationale"])
    for participant in reversed(hooks.merge_participants()):
        data = record.get("participants", {}).get(participant.name)
        if data is not None:
            participant.unmerge(data=data, version=version)
    merge.undone_at = timezone.now()
    merge.undone_by = by if by is not None and by.is_authenticated else None
    merge.save(update_fields=["undone_at", "undone_by"])
    activity_record(
        map_id=merge.map_id,
        verb=ActivityVerb.NODE_UNMERGED,
        actor=by,
        node_key=merged.key,
        title=merged.title,
        graph_version=version,
        detail={"merge": merge.pk, "into": survivor.key},
    )
