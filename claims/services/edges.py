from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from claims.edge_keys import default_edge_key
from claims.models import Edge, EdgeKind, Map, Node, NodeKind
from claims.services.maps import map_graph_changed
from core.errors import Conflict, NotFound, ValidationFailed


def _check_weight(weight: object) -> float:
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0.0 <= weight <= 1.0:
        raise ValidationFailed(
            f"weight {weight!r} must be a number between 0 and 1",
            fields={"weight": ["must be a number between 0 and 1"]},
        )
    return float(weight)


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


def _check_link(*, map: Map, source: Node, target: Node, kind: str) -> None:
    if kind not in EdgeKind.values:
        raise ValidationFailed(
            f"edge kind {kind!r} is not one of {EdgeKind.values}",
            fields={"kind": [f"must be one of {EdgeKind.values}"]},
        )
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


@transaction.atomic
def edge_create(
    *,
    map: Map,
    source: Node,
    target: Node,
    kind: str,
    created_by: AbstractBaseUser | None,
    weight: float = 1.0,
) -> Edge:
    weight = _check_weight(weight)
    if kind == EdgeKind.SUBFRAME_OF:
        # Serialise subframe edits of this map so two concurrent links cannot
        # each pass the cycle check and together close a cycle.
        # NO KEY: inserts that merely reference the map need not wait for it.
        Map.objects.select_for_update(no_key=True).filter(pk=map.pk).first()
    _check_link(map=map, source=source, target=target, kind=kind)
    try:
        with transaction.atomic():
            edge = Edge.objects.create(
                map=map,
                key=default_edge_key(source.key, kind, target.key),
                source=source,
                target=target,
                kind=kind,
                weight=weight,
                created_by=created_by,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"an edge '{source.key}' {kind} '{target.key}' already exists",
            fields={"target": ["duplicate edge"]},
        ) from exc
    map_graph_changed(
        map_id=map.pk,
        action="edge_create",
        node_keys=[source.key, target.key],
        user=created_by,
        edges=1,
    )
    return edge


@transaction.atomic
def edge_update(
    *,
    edge: Edge,
    weight: float | None = None,
    kind: str | None = None,
    user: AbstractBaseUser | None = None,
) -> Edge:
    locked = (
        Edge.objects.select_related("map", "source", "target")
        .select_for_update(of=("self",))
        .filter(pk=edge.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"the edge {edge.pk} no longer exists")
    edge = locked
    before = (edge.weight, edge.kind)
    if weight is not None:
        edge.weight = _check_weight(weight)
    if kind is not None and kind != edge.kind:
        if kind == EdgeKind.SUBFRAME_OF:
            # As in edge_create: a cycle check must not race another subframe link.
            Map.objects.select_for_update(no_key=True).filter(pk=edge.map_id).first()
        _check_link(map=edge.map, source=edge.source, target=edge.target, kind=kind)
        edge.kind = kind
    if (edge.weight, edge.kind) == before:
        return edge  # nothing to change: no new graph version, no recompute
    try:
        with transaction.atomic():
            edge.save()
    except IntegrityError as exc:
        raise Conflict("an edge of that kind already links these nodes") from exc
    map_graph_changed(
        map_id=edge.map_id,
        action="edge_update",
        node_keys=[edge.source.key, edge.target.key],
        user=user,
    )
    return edge


@transaction.atomic
def edge_delete(*, edge: Edge, user: AbstractBaseUser | None = None) -> None:
    map_id = edge.map_id
    keys = list(
        Node.objects.filter(pk__in=[edge.source_id, edge.target_id]).values_list("key", flat=True)
    )
    # By the rows removed: an edge deleted meanwhile by another request is not
    # counted twice.
    _, deleted = edge.delete()
    map_graph_changed(
        map_id=map_id,
        action="edge_delete",
        node_keys=keys,
        user=user,
        edges=-deleted.get(Edge._meta.label, 0),
    )
