"""Writes to a map's edges: arguments (supports/undermines), their linked groups, undercuts.

An edge is named by its `key` within the map. Rules that need the rest of the graph live
here (same map, groups, subframe and undercut cycles); the database constraints of
claims.models.Edge hold whatever writes the row.

Every write locks the map's row before its checks (NO KEY: rows that merely reference
the map need not wait): the checks of a key, a group or a cycle then see every edge
committed before, so two concurrent requests cannot both pass them. The writes would
serialise there anyway, at the graph_version bump. Rows of nodes and edges are locked
before the map's, in the order the votes and deletions take them (no lock cycle).
"""

from collections import deque
from collections.abc import Iterable, Mapping
from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction

from claims.edge_keys import default_edge_key
from claims.merged import moved_check
from claims.models import (
    ARGUMENT_KINDS,
    KEY_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ActivityVerb,
    Edge,
    EdgeKind,
    EdgeRevision,
    EdgeSource,
    Map,
    Node,
    NodeKind,
)
from claims.services.activity import activity_record
from claims.services.maps import map_graph_changed
from claims.services.nodes import _clean_sources
from core.errors import Conflict, NotFound, StaleRevision, ValidationFailed
from core.validation import check_key, check_text


class _Keep:
    """`group=KEEP` in edge_update: leave the group as it is (None clears it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


# --- field checks ---------------------------------------------------------------


def _check_weight(weight: object) -> float:
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0.0 <= weight <= 1.0:
        raise ValidationFailed(
            f"weight {weight!r} must be a number between 0 and 1",
            fields={"weight": ["must be a number between 0 and 1"]},
        )
    return float(weight)


def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in EdgeKind.values:
        raise ValidationFailed(
            f"edge kind {kind!r} is not one of {EdgeKind.values}",
            fields={"kind": [f"must be one of {EdgeKind.values}"]},
        )
    return kind


def _check_rationale(rationale: object) -> str:
    return check_text(rationale, field="rationale", max_length=RATIONALE_MAX_LENGTH)


def _check_sources(sources: object) -> list[dict[str, str]]:
    if isinstance(sources, str | bytes | Mapping) or not isinstance(sources, Iterable):
        raise ValidationFailed(
            "sources must be a list of {document, locator, quote}",
            fields={"sources": ["must be a list"]},
        )
    sources = list(sources)
    for i, source in enumerate(sources):
        if not isinstance(source, Mapping):
            raise ValidationFailed(
                f"sources[{i}] must be an object with a document",
                fields={f"sources[{i}]": ["must be an object"]},
            )
    return _clean_sources(sources)


def _check_group(group: object, kind: str) -> str | None:
    if group is None:
        return None
    group = check_key(group, field="group")
    if kind not in ARGUMENT_KINDS:
        raise ValidationFailed(
            f"only supports and undermines edges form linked groups, not {kind} edges",
            fields={"group": [f"not allowed on {kind} edges"]},
        )
    return group


def _check_group_members(
    *, map: Map, group: str, target_id: int | None, kind: str, exclude_pk: int | None = None
) -> None:
    """A group is one argument: all its edges share the target and the kind."""
    other = (
        Edge.objects.filter(map=map, group=group)
        .exclude(pk=exclude_pk)
        .exclude(target_id=target_id, kind=kind)
        .select_related("target")
        .first()
    )
    if other is not None:
        raise ValidationFailed(
            f"group '{group}' is an argument that {other.kind} '{other.target.key}': "
            "every edge of a group must have the same target and kind",
            fields={"group": ["mixes targets or kinds"]},
        )


def _lock_map(map_id: int) -> None:
    if Map.objects.select_for_update(no_key=True).filter(pk=map_id).first() is None:
        raise NotFound(f"map {map_id} no longer exists")


def _hold(model: type[Node] | type[Edge], pks: list[int], field: str) -> None:
    """Keep rows an edge will reference from being deleted until the commit (FOR KEY SHARE).

    Taken before the map's lock, as the votes and deletions take their row before the
    map's (the insert would take the same lock anyway, but only after the map's: a
    deletion of one of these rows holding it and waiting for the map would deadlock).
    Refuses, naming `field`, when a row is gone.
    """
    table = model._meta.db_table
    marks = ", ".join(["%s"] * len(pks))
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id IN ({marks}){lock}", pks)  # noqa: S608
        found = {row[0] for row in cursor.fetchall()}
    if set(pks) - found:
        raise ValidationFailed(
            f"the {field} of this edge no longer exists", fields={field: ["no longer exists"]}
        )


# --- cycles ---------------------------------------------------------------------------


def _subframe_path_exists(map: Map, start_id: int, goal_id: int) -> bool:
    """Is there a chain of subframe_of edges start -> ... -> goal in this map?"""
    parents: dict[int, list[int]] = {}
    for child, parent in Edge.objects.filter(map=map, kind=EdgeKind.SUBFRAME_OF).values_list(
        "source_id", "target_id"
    ):
        parents.setdefault(child, []).append(parent)
    seen, stack = {start_id}, [start_id]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent == goal_id:
                return True
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return False


def _dependencies(map: Map) -> dict[int, list[tuple[int, bool]]]:
    """What each node's credence flows into, for the rule on cycles through undercuts.

    A supports/undermines edge a -> b is the dependency a -> b; an undercut by x of
    the edge a -> b is the dependency x -> b (x changes how much a moves b). Each
    dependency is (target node, made by an undercut).
    """
    deps: dict[int, list[tuple[int, bool]]] = {}
    rows = Edge.objects.filter(map=map, kind__in=[*ARGUMENT_KINDS, EdgeKind.UNDERCUTS])
    for source_id, target_id, kind, attacked_target_id in rows.values_list(
        "source_id", "target_id", "kind", "target_edge__target_id"
    ):
        undercut = kind == EdgeKind.UNDERCUTS
        head = attacked_target_id if undercut else target_id
        if head is not None:
            deps.setdefault(source_id, []).append((head, undercut))
    return deps


def _path_keys(path: list[int]) -> str:
    keys = dict(Node.objects.filter(pk__in=path).values_list("pk", "key"))
    return " -> ".join(keys.get(pk, "?") for pk in path)


def _find_path(
    deps: dict[int, list[tuple[int, bool]]], start: int, goal: int, *, through_undercut: bool
) -> list[int] | None:
    """A dependency path start -> ... -> goal (using an undercut, if asked), or None."""
    first = (start, False)
    parent: dict[tuple[int, bool], tuple[int, bool] | None] = {first: None}
    queue = deque([first])
    while queue:
        state = queue.popleft()
        node, used = state
        if node == goal and (used or not through_undercut):
            path = []
            at: tuple[int, bool] | None = state
            while at is not None:
                path.append(at[0])
                at = parent[at]
            return path[::-1]
        for head, undercut in deps.get(node, ()):
            nxt = (head, used or undercut)
            if nxt not in parent:
                parent[nxt] = state
                queue.append(nxt)
    return None


def _check_undercut_cycle(*, map: Map, source: Node, target_edge: Edge) -> None:
    """Refuse an undercut whose source depends on the attacked edge's target."""
    goal = target_edge.target_id
    path = _find_path(_dependencies(map), goal, source.pk, through_undercut=False)
    if path is not None:
        raise ValidationFailed(
            f"undercut '{source.key}' on '{target_edge.key}' would close a cycle: "
            f"{_path_keys(path)} (and the undercut makes '{source.key}' bear on "
            f"'{target_edge.target.key}')",
            fields={"target_edge": ["would close a cycle through undercuts"]},
        )


def _check_argument_cycle(*, map: Map, source: Node, target: Node, kind: str) -> None:
    """Refuse an argument edge that would close a cycle through an undercut."""
    if not Edge.objects.filter(map=map, kind=EdgeKind.UNDERCUTS).exists():
        return  # no undercut, no such cycle (cycles of plain arguments are the engine's)
    path = _find_path(_dependencies(map), target.pk, source.pk, through_undercut=True)
    if path is not None:
        raise ValidationFailed(
            f"'{source.key}' {kind} '{target.key}' would close a cycle through an undercut: "
            f"{_path_keys(path)} -> {target.key}",
            fields={"target": ["would close a cycle through undercuts"]},
        )


# --- link checks ---------------------------------------------------------------


def _check_link(*, map: Map, source: Node, target: Node, kind: str) -> None:
    """An edge from a node to a node (every kind but undercuts)."""
    if source.map_id != map.pk or target.map_id != map.pk:
        raise ValidationFailed(
            "both ends of an edge must be in the same map",
            fields={"target": ["not in this map"]},
        )
    if source.pk == target.pk:
        raise ValidationFailed("a node cannot link to itself", fields={"target": ["self-loop"]})
    if kind == EdgeKind.SUBFRAME_OF:
        if source.kind != NodeKind.FRAME or target.kind != NodeKind.FRAME:
            raise ValidationFailed(
                "subframe_of links a frame to a frame", fields={"kind": ["frame to frame only"]}
            )
        if _subframe_path_exists(map, target.pk, source.pk):
            raise ValidationFailed(
                f"'{source.key}' subframe_of '{target.key}' would make a cycle of subframes",
                fields={"target": ["subframe cycle"]},
            )
    if kind in ARGUMENT_KINDS:
        _check_argument_cycle(map=map, source=source, target=target, kind=kind)


def _check_undercut(*, map: Map, source: Node, target_edge: Edge) -> None:
    if source.map_id != map.pk:
        raise ValidationFailed(
            "the source of an undercut must be in the same map",
            fields={"source": ["not in this map"]},
        )
    if target_edge.map_id != map.pk:
        raise ValidationFailed(
            f"the undercut edge '{target_edge.key}' is in another map",
            fields={"target_edge": ["not in this map"]},
        )
    if target_edge.kind not in ARGUMENT_KINDS:
        raise ValidationFailed(
            f"only supports and undermines edges can be undercut; '{target_edge.key}' "
            f"is a {target_edge.kind} edge",
            fields={"target_edge": [f"cannot undercut a {target_edge.kind} edge"]},
        )
    if Edge.objects.filter(
        source=source, target_edge=target_edge, kind=EdgeKind.UNDERCUTS
    ).exists():
        raise Conflict(
            f"'{source.key}' already undercuts '{target_edge.key}'",
            fields={"target_edge": ["duplicate undercut"]},
        )
    _check_undercut_cycle(map=map, source=source, target_edge=target_edge)


def _check_shape(*, kind: str, target: Node | None, target_edge: Edge | None) -> None:
    """An undercut points at an edge and at no node; every other edge at a node."""
    if kind == EdgeKind.UNDERCUTS:
        if target is not None:
            raise ValidationFailed(
                "an undercut attacks an edge (target_edge), not a node (target)",
                fields={"target": ["must be absent for undercuts"]},
            )
        if target_edge is None:
            raise ValidationFailed(
                "an undercut needs target_edge, the id of the edge it attacks",
                fields={"target_edge": ["required for undercuts"]},
            )
        return
    if target_edge is not None:
        raise ValidationFailed(
            f"only undercuts point at an edge; a {kind} edge points at a node (target)",
            fields={"target_edge": [f"not allowed on {kind} edges"]},
        )
    if target is None:
        raise ValidationFailed(
            f"a {kind} edge needs a target node", fields={"target": ["required"]}
        )


def _free_default_key(map: Map, base: str) -> str:
    """The default key, or (taken by an edge with a key of its own) base-2, base-3..."""
    taken = set(
        Edge.objects.filter(map=map, key__startswith=base[: KEY_MAX_LENGTH - 8]).values_list(
            "key", flat=True
        )
    )
    key, n = base, 2
    while key in taken:
        suffix = f"-{n}"
        key, n = base[: KEY_MAX_LENGTH - len(suffix)] + suffix, n + 1
    return key


def _short(title: str) -> str:
    limit = (TITLE_MAX_LENGTH - 3) // 2
    return title if len(title) <= limit else title[: limit - 1] + "…"


def edge_activity_title(source_title: str, target_title: str) -> str:
    """An edge in the activity log: "source → target", each end shortened to fit."""
    return f"{_short(source_title)} → {_short(target_title)}"


def _target_title(edge: Edge) -> str:
    if edge.target_id is not None:
        return edge.target.title
    return f"the argument {edge.target_edge.key}"


# --- services -------------------------------------------------------------------


@transaction.atomic
def edge_create(
    *,
    map: Map,
    source: Node,
    kind: str,
    created_by: AbstractBaseUser | None,
    target: Node | None = None,
    target_edge: Edge | None = None,
    weight: float = 1.0,
    key: str | None = None,
    rationale: str = "",
    sources: Iterable[Mapping[str, str]] = (),
    group: str | None = None,
) -> Edge:
    """Link `source` to `target` (a node), or, with kind undercuts, to `target_edge`."""
    kind = _check_kind(kind)
    weight = _check_weight(weight)
    rationale = _check_rationale(rationale)
    cleaned_sources = _check_sources(sources)
    group = _check_group(group, kind)
    if key is not None:
        check_key(key, field="id")  # the edge's id in the API and the file format
    _check_shape(kind=kind, target=target, target_edge=target_edge)
    _hold(Node, [source.pk], "source")
    if target is not None:
        _hold(Node, [target.pk], "target")
    if target_edge is not None:
        _hold(Edge, [target_edge.pk], "target_edge")
    _lock_map(map.pk)
    # An end merged into another node (issue 17) while this waited for its row: a 409
    # pointing at the survivor, never an edge on the tombstone.
    ends_merged = Node.objects.filter(
        pk__in=[source.pk] + ([target.pk] if target is not None else []),
        merged_at__isnull=False,
    ).first()
    if ends_merged is not None:
        moved_check(ends_merged, field="source" if ends_merged.pk == source.pk else "target")
    if target_edge is not None:
        # Read again under the map's lock: the edge may have gone (or changed kind) since.
        target_edge = Edge.objects.select_related("target").filter(pk=target_edge.pk).first()
        if target_edge is None:
            raise ValidationFailed(
                "the edge to undercut no longer exists", fields={"target_edge": ["unknown edge"]}
            )
        _check_undercut(map=map, source=source, target_edge=target_edge)
        ends = [source.key, target_edge.target.key]
        default = default_edge_key(source.key, kind, target_edge.key)
    else:
        target = cast(Node, target)
        _check_link(map=map, source=source, target=target, kind=kind)
        if Edge.objects.filter(source=source, target=target, kind=kind).exists():
            raise Conflict(
                f"an edge '{source.key}' {kind} '{target.key}' already exists",
                fields={"target": ["duplicate edge"]},
            )
        if group is not None:
            _check_group_members(map=map, group=group, target_id=target.pk, kind=kind)
        ends = [source.key, target.key]
        default = default_edge_key(source.key, kind, target.key)
    if key is None:
        key = _free_default_key(map, default)
    elif Edge.objects.filter(map=map, key=key).exists():
        raise Conflict(f"edge id '{key}' already exists in this map", fields={"id": ["taken"]})
    try:
        with transaction.atomic():
            edge = Edge.objects.create(
                map=map,
                key=key,
                source=source,
                target=target,
                target_edge=target_edge,
                kind=kind,
                weight=weight,
                rationale=rationale,
                group=group,
                created_by=created_by,
            )
    except IntegrityError as exc:
        # Only a writer that bypassed the map lock (an import) can get here.
        raise Conflict(
            f"an edge '{key}' or one with the same ends and kind already exists",
            fields={"id": ["taken"]},
        ) from exc
    EdgeSource.objects.bulk_create(
        EdgeSource(edge=edge, position=i, **source) for i, source in enumerate(cleaned_sources)
    )
    version = map_graph_changed(
        map_id=map.pk, action="edge_create", node_keys=ends, user=created_by, edges=1
    )
    activity_record(
        map_id=map.pk,
        verb=ActivityVerb.EDGE_ADDED,
        actor=created_by,
        edge_key=key,
        node_key=source.key,
        title=edge_activity_title(source.title, _target_title(edge)),
        graph_version=version,
        detail={"kind": kind},
    )
    return edge


def _source_rows(edge: Edge) -> list[dict[str, str]]:
    return [
        {"document": d, "locator": loc, "quote": q}
        for d, loc, q in EdgeSource.objects.filter(edge=edge)
        .order_by("position", "id")
        .values_list("document", "locator", "quote")
    ]


@transaction.atomic
def edge_update(
    *,
    edge: Edge,
    user: AbstractBaseUser | None = None,
    weight: float | None = None,
    kind: str | None = None,
    rationale: str | None = None,
    group: str | None | _Keep = KEEP,
    sources: Iterable[Mapping[str, str]] | None = None,
    expected_revision: int | None = None,
) -> Edge:
    """Change an edge. A change of its rationale, weight, group or sources keeps the
    previous values as an EdgeRevision and bumps `revision`; changing nothing bumps nothing.

    `expected_revision`, if given, is the revision the editor saw (409 when stale).
    """
    if kind is not None:
        kind = _check_kind(kind)
    if weight is not None:
        weight = _check_weight(weight)
    if rationale is not None:
        rationale = _check_rationale(rationale)
    new_sources = _check_sources(sources) if sources is not None else None
    # The edge's row, then the map's, as a vote on the edge takes them. NO KEY: an
    # undercut or a vote being added to this edge need not wait for it.
    locked = (
        Edge.objects.select_related("map", "source", "target", "target_edge")
        .select_for_update(no_key=True, of=("self",))
        .filter(pk=edge.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"the edge '{edge.key}' no longer exists")
    edge = locked
    _lock_map(edge.map_id)
    if expected_revision is not None and expected_revision != edge.revision:
        raise StaleRevision(
            f"the edge was edited since revision {expected_revision} "
            f"(now at {edge.revision}); reload and edit again",
            fields={"revision": [f"stale: current revision is {edge.revision}"]},
        )
    new_kind = edge.kind if kind is None else kind
    new_group = edge.group if isinstance(group, _Keep) else group
    if new_kind != edge.kind:
        _check_kind_change(edge, new_kind)
    new_group = _check_group(new_group, new_kind)
    if new_group is not None and (new_group != edge.group or new_kind != edge.kind):
        _check_group_members(
            map=edge.map,
            group=new_group,
            target_id=edge.target_id,
            kind=new_kind,
            exclude_pk=edge.pk,
        )
    old_sources = _source_rows(edge)
    changed = [
        name
        for name, differs in (
            ("weight", weight is not None and weight != edge.weight),
            ("rationale", rationale is not None and rationale != edge.rationale),
            ("group", new_group != edge.group),
            ("sources", new_sources is not None and new_sources != old_sources),
        )
        if differs
    ]
    revised = bool(changed)
    if new_kind != edge.kind:
        changed.append("kind")
    if not changed:
        return edge  # nothing to change: no new graph version, no recompute
    if revised:
        EdgeRevision.objects.create(
            edge=edge,
            revision=edge.revision,
            rationale=edge.rationale,
            weight=edge.weight,
            group=edge.group,
            sources=old_sources,
            edited_by=user if user is not None and user.is_authenticated else None,
        )
        edge.revision += 1
    if weight is not None:
        edge.weight = weight
    if rationale is not None:
        edge.rationale = rationale
    edge.group, edge.kind = new_group, new_kind
    try:
        with transaction.atomic():
            edge.save()
    except IntegrityError as exc:
        raise Conflict(
            f"an edge of kind {new_kind} already links these nodes",
            fields={"kind": ["duplicate edge"]},
        ) from exc
    if new_sources is not None and new_sources != old_sources:
        EdgeSource.objects.filter(edge=edge).delete()
        EdgeSource.objects.bulk_create(
            EdgeSource(edge=edge, position=i, **source) for i, source in enumerate(new_sources)
        )
    version = map_graph_changed(
        map_id=edge.map_id, action="edge_update", node_keys=_ends(edge), user=user
    )
    activity_record(
        map_id=edge.map_id,
        verb=ActivityVerb.EDGE_EDITED,
        actor=user,
        edge_key=edge.key,
        node_key=edge.source.key,
        title=edge_activity_title(edge.source.title, _target_title(edge)),
        graph_version=version,
        detail={"fields": changed, "revision": edge.revision},
    )
    return edge


def _check_kind_change(edge: Edge, kind: str) -> None:
    if EdgeKind.UNDERCUTS in (edge.kind, kind):
        raise ValidationFailed(
            "an undercut stays an undercut and no other edge becomes one: "
            "delete the edge and create the new one",
            fields={"kind": ["cannot change to or from undercuts"]},
        )
    if kind not in ARGUMENT_KINDS:
        undercuts = edge.undercut_by.count()
        if undercuts:
            raise ValidationFailed(
                f"'{edge.key}' is undercut by {undercuts} edge{'s' if undercuts > 1 else ''}: "
                f"only supports and undermines edges can be undercut, not {kind} edges",
                fields={"kind": ["the edge is undercut"]},
            )
    if Edge.objects.filter(source=edge.source, target=edge.target, kind=kind).exists():
        raise Conflict(
            f"an edge '{edge.source.key}' {kind} '{edge.target.key}' already exists",
            fields={"kind": ["duplicate edge"]},
        )
    _check_link(map=edge.map, source=edge.source, target=edge.target, kind=kind)


def _ends(edge: Edge) -> list[str]:
    if edge.target is not None:
        return [edge.source.key, edge.target.key]
    return [edge.source.key, *_attacked_ends(edge)]


def _attacked_ends(edge: Edge) -> list[str]:
    """The two ends of the edge an undercut attacks."""
    rows = Edge.objects.filter(pk=edge.target_edge_id).values_list("source__key", "target__key")
    return [key for key in rows.first() or () if key]


@transaction.atomic
def edge_delete(*, edge: Edge, user: AbstractBaseUser | None = None) -> None:
    """Delete an edge; the undercuts of it go with it (they attack nothing any more).

    An edge already gone (deleted meanwhile, or with the edge it undercut) is left alone.
    """
    # Lock it first: an undercut being added holds the row (FOR KEY SHARE) until it
    # commits, and must be seen (and deleted) here, or its key would dangle at commit.
    if not Edge.objects.select_for_update(of=("self",)).filter(pk=edge.pk).exists():
        return
    map_id = edge.map_id
    rows = Node.objects.filter(pk__in=[edge.source_id, edge.target_id]).values_list(
        "pk", "key", "title"
    )
    ends = {pk: key for pk, key, _ in rows}
    titles = {pk: title for pk, _, title in rows}
    keys = set(ends.values())
    if edge.target_edge_id is not None:
        keys.update(_attacked_ends(edge))
    keys.update(Edge.objects.filter(target_edge_id=edge.pk).values_list("source__key", flat=True))
    # By the rows removed (the edge and its undercuts): an edge deleted meanwhile by
    # another request is not counted twice.
    edge_key, kind, target_edge_id = edge.key, edge.kind, edge.target_edge_id
    target_edge_key = (
        Edge.objects.filter(pk=target_edge_id).values_list("key", flat=True).first()
        if target_edge_id is not None
        else None
    )
    _, deleted = edge.delete()
    removed = deleted.get(Edge._meta.label, 0)
    version = map_graph_changed(
        map_id=map_id,
        action="edge_delete",
        node_keys=sorted(keys),
        user=user,
        edges=-removed,
    )
    target_title = (
        titles.get(edge.target_id, "")
        if target_edge_id is None
        else f"the argument {target_edge_key}"
    )
    activity_record(
        map_id=map_id,
        verb=ActivityVerb.EDGE_DELETED,
        actor=user,
        edge_key=edge_key,
        node_key=ends.get(edge.source_id, ""),
        title=edge_activity_title(titles.get(edge.source_id, ""), target_title),
        graph_version=version,
        detail={"kind": kind, "undercuts_removed": max(removed - 1, 0)},
    )
