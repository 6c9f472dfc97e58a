"""Moderation of a map's graph (issue 16): hide and restore a node, revert a node or an
edge to an earlier revision.

Only the map's owner and editors moderate (Need.EDIT, checked here so that every
caller, API, page or command, gets the same answer). A hidden node stays in the
database, its history and the exports (with a flag) but leaves the pages and the
ranking's input; hiding and restoring therefore change the ranking, and bump the
map's graph version like any other graph write. A revert writes the old words as a
NEW revision: the history only grows, and the revert itself can be reverted.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims.access import Need, map_check
from claims.models import (
    ActivityVerb,
    Edge,
    EdgeRevision,
    EdgeSource,
    Map,
    Node,
    NodeRevision,
)
from claims.services.activity import activity_record
from claims.services.edges import _ends, _source_rows
from claims.services.maps import map_graph_changed
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import check_text

HIDDEN_REASON_MAX_LENGTH = 500


def _check_editor(*, map_id: int, by: AbstractBaseUser) -> None:
    the_map = Map.objects.select_related("owner").filter(pk=map_id).first()
    if the_map is None:
        raise NotFound(f"map {map_id} no longer exists")
    map_check(user=by, map=the_map, need=Need.EDIT)


def _lock_node(node: Node) -> Node:
    """The node's row, locked until the commit (NO KEY: edges and votes referencing it
    need not wait), read again so that the checks see its committed state."""
    locked = Node.objects.select_for_update(no_key=True).filter(pk=node.pk).first()
    if locked is None:
        raise NotFound(f"the node '{node.key}' no longer exists")
    return locked


@transaction.atomic
def node_hide(*, node: Node, by: AbstractBaseUser, reason: str = "") -> Node:
    """Take a node out of the pages and the ranking; it stays in history and exports."""
    _check_editor(map_id=node.map_id, by=by)
    reason = check_text(reason, field="reason", max_length=HIDDEN_REASON_MAX_LENGTH).strip()
    node = _lock_node(node)
    if node.hidden_at is not None:
        raise Conflict(
            f"the node '{node.key}' is already hidden", fields={"hidden": ["already hidden"]}
        )
    node.hidden_at = timezone.now()
    node.hidden_by = by
    node.hidden_reason = reason
    node.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    version = map_graph_changed(
        map_id=node.map_id, action="node_hide", node_keys=[node.key], user=by
    )
    activity_record(
        map_id=node.map_id,
        verb=ActivityVerb.NODE_HIDDEN,
        actor=by,
        node_key=node.key,
        title=node.title,
        graph_version=version,
        detail={"reason": reason} if reason else {},
    )
    return node


@transaction.atomic
def node_restore(*, node: Node, by: AbstractBaseUser) -> Node:
    """Bring a hidden node back into the pages and the ranking."""
    _check_editor(map_id=node.map_id, by=by)
    node = _lock_node(node)
    if node.hidden_at is None:
        raise Conflict(f"the node '{node.key}' is not hidden", fields={"hidden": ["not hidden"]})
    node.hidden_at, node.hidden_by, node.hidden_reason = None, None, ""
    node.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    version = map_graph_changed(
        map_id=node.map_id, action="node_restore", node_keys=[node.key], user=by
    )
    activity_record(
        map_id=node.map_id,
        verb=ActivityVerb.NODE_RESTORED,
        actor=by,
        node_key=node.key,
        title=node.title,
        graph_version=version,
    )
    return node


def _check_revision(revision: object, current: int) -> int:
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise ValidationFailed(
            f"revision {revision!r} must be a whole number from 1",
            fields={"revision": ["must be a whole number from 1"]},
        )
    if revision > current:
        raise NotFound(
            f"no revision {revision}: the latest is {current}",
            fields={"revision": [f"the latest is {current}"]},
        )
    return revision


@transaction.atomic
def node_revert(*, node: Node, revision: int, by: AbstractBaseUser) -> Node:
    """Make the node's title and text those of `revision`, as a new revision.

    Reverting to what the node already says is refused (400 "nothing to revert"):
    it would add a revision that changes nothing.
    """
    _check_editor(map_id=node.map_id, by=by)
    node = _lock_node(node)
    revision = _check_revision(revision, node.revision)
    if revision == node.revision:
        old_title, old_text = node.title, node.text
    else:
        old = NodeRevision.objects.filter(node=node, revision=revision).first()
        if old is None:
            raise NotFound(f"no revision {revision} of '{node.key}' is kept")
        old_title, old_text = old.title, old.text
    if (old_title, old_text) == (node.title, node.text):
        raise ValidationFailed(
            f"nothing to revert: revision {revision} says what the node says now",
            fields={"revision": ["same as the current revision"]},
        )
    NodeRevision.objects.create(
        node=node, revision=node.revision, title=node.title, text=node.text, edited_by=by
    )
    node.title, node.text = old_title, old_text
    node.revision += 1
    node.save(update_fields=["title", "text", "revision", "updated_at"])
    version = map_graph_changed(
        map_id=node.map_id, action="node_revert", node_keys=[node.key], user=by
    )
    activity_record(
        map_id=node.map_id,
        verb=ActivityVerb.NODE_REVERTED,
        actor=by,
        node_key=node.key,
        title=node.title,
        graph_version=version,
        detail={"to_revision": revision, "revision": node.revision},
    )
    return node


@transaction.atomic
def edge_revert(*, edge: Edge, revision: int, by: AbstractBaseUser) -> Edge:
    """Make the edge's rationale, weight, group and sources those of `revision`, as a
    new revision (the same fields edge_update keeps in an EdgeRevision)."""
    _check_editor(map_id=edge.map_id, by=by)
    # The edge's row, then the map's (as edge_update and the edge votes take them).
    locked = (
        Edge.objects.select_related("source", "target")
        .select_for_update(no_key=True, of=("self",))
        .filter(pk=edge.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"the edge '{edge.key}' no longer exists")
    edge = locked
    Map.objects.select_for_update(no_key=True).filter(pk=edge.map_id).first()
    revision = _check_revision(revision, edge.revision)
    current_sources = _source_rows(edge)
    current = (edge.rationale, edge.weight, edge.group, current_sources)
    if revision == edge.revision:
        wanted = current
    else:
        old = EdgeRevision.objects.filter(edge=edge, revision=revision).first()
        if old is None:
            raise NotFound(f"no revision {revision} of '{edge.key}' is kept")
        wanted = (old.rationale, old.weight, old.group, list(old.sources))
    if wanted == current:
        raise ValidationFailed(
            f"nothing to revert: revision {revision} says what the edge says now",
            fields={"revision": ["same as the current revision"]},
        )
    rationale, weight, group, sources = wanted
    if group is not None and edge.group != group:
        # The group's other premises may have moved on since: one argument, one target.
        clash = (
            Edge.objects.filter(map_id=edge.map_id, group=group)
            .exclude(pk=edge.pk)
            .exclude(target_id=edge.target_id, kind=edge.kind)
            .exists()
        )
        if clash:
            raise Conflict(
                f"revision {revision} put the edge in group '{group}', which is now an "
                "argument about another target or of another kind",
                fields={"revision": ["its group no longer fits"]},
            )
    EdgeRevision.objects.create(
        edge=edge,
        revision=edge.revision,
        rationale=edge.rationale,
        weight=edge.weight,
        group=edge.group,
        sources=current_sources,
        edited_by=by,
    )
    edge.rationale, edge.weight, edge.group = rationale, weight, group
    edge.revision += 1
    edge.save(update_fields=["rationale", "weight", "group", "revision", "updated_at"])
    if sources != current_sources:
        EdgeSource.objects.filter(edge=edge).delete()
        EdgeSource.objects.bulk_create(
            EdgeSource(
                edge=edge,
                position=i,
                document=s["document"],
                locator=s.get("locator", ""),
                quote=s.get("quote", ""),
            )
            for i, s in enumerate(sources)
        )
    version = map_graph_changed(
        map_id=edge.map_id, action="edge_revert", node_keys=_ends(edge), user=by
    )
    activity_record(
        map_id=edge.map_id,
        verb=ActivityVerb.EDGE_REVERTED,
        actor=by,
        edge_key=edge.key,
        node_key=edge.source.key,
        title=edge.source.title,
        graph_version=version,
        detail={"to_revision": revision, "revision": edge.revision},
    )
    return edge
