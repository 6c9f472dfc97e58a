"""Tombstones of merged nodes (issue 17): out of every list, and their old keys redirect.

A node merged into another stays in the database (`merged_into` set) so that its
key keeps working, its history stays readable and the merge can be undone. It is
never listed, searched, offered or drawn, not even for moderators: only the
merges list and the survivor's "merged from" section name it.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from claims.models import Map, Node, NodeMerge, NodeRevision
from core.errors import Moved, NotFound

#: Nodes that are not the tombstone of a merge. merged_at too: a tombstone whose
#: survivor was deleted since (merged_into SET_NULL) must not come back to life.
LIVE = Q(merged_into__isnull=True, merged_at__isnull=True)

# A survivor merged in its turn points further; past this many hops the chain is
# broken (it cannot be: a merge into a tombstone is refused) and the key a 404.
MAX_HOPS = 20


def live_nodes(nodes: QuerySet[Node]) -> QuerySet[Node]:
    """`nodes` without merge tombstones: the one definition every list uses."""
    return nodes.filter(LIVE)


def survivor_key(node: Node) -> str | None:
    """The key of the live node `node` was merged into (following merges of merges),
    or None when `node` is live. One query per hop; none for a live node."""
    next_id = node.merged_into_id
    if next_id is None:
        return None
    for _ in range(MAX_HOPS):
        row = Node.objects.filter(pk=next_id).values_list("key", "merged_into_id").first()
        if row is None:
            return None
        key, next_id = row
        if next_id is None:
            return key
    return None


def moved_check(node: Node, *, field: str = "key") -> Node:
    """`node` when it is live; Moved (a 301 for reads, a 409 for writes) when it was merged,
    NotFound when what it was merged into is gone."""
    if node.merged_into_id is None and node.merged_at is None:
        return node
    new_key = survivor_key(node)
    if new_key is None:
        raise NotFound(
            f"no node '{node.key}' in this map (it was merged)", fields={field: ["unknown node"]}
        )
    raise Moved(
        f"node '{node.key}' was merged into '{new_key}'",
        old_key=node.key,
        new_key=new_key,
        field=field,
    )


# --- the merges of a map (owner and editors) -------------------------------------

MERGES_LISTED = 200


def merge_undoable(merge: NodeMerge, *, now=None) -> bool:
    """Whether the merges list and the activity page offer "Undo": not undone yet, within
    settings.MERGE_UNDO_DAYS. (The service has the last word: it refuses, with a reason,
    an undo that later changes make inexact.)"""
    if merge.undone_at is not None:
        return False
    now = now or timezone.now()
    return merge.created_at >= now - timedelta(days=settings.MERGE_UNDO_DAYS)


def merges_of_map(*, map: Map, limit: int = MERGES_LISTED) -> list[dict]:
    """The map's merges, newest first, as plain dicts: one query whatever their number."""
    now = timezone.now()
    rows = (
        NodeMerge.objects.filter(map=map)
        .select_related("merged", "survivor", "by", "undone_by")
        .order_by("-id")[:limit]
    )
    return [merge_row(m, now=now) for m in rows]


def merge_row(merge: NodeMerge, *, now=None) -> dict:
    return {
        "id": merge.pk,
        "merged": {"key": merge.merged.key, "title": merge.merged.title},
        "survivor": {"key": merge.survivor.key, "title": merge.survivor.title},
        "by": merge.by.username if merge.by_id else None,
        "created_at": merge.created_at,
        "undone_at": merge.undone_at,
        "undone_by": merge.undone_by.username if merge.undone_by_id else None,
        "undoable": merge_undoable(merge, now=now),
    }


def merge_get(*, map: Map, merge_id: object) -> NodeMerge:
    """One merge of the map (with its two nodes), or NotFound."""
    merge = (
        NodeMerge.objects.select_related("merged", "survivor", "by", "undone_by")
        .filter(map=map, pk=merge_id)
        .first()
        if isinstance(merge_id, int)
        else None
    )
    if merge is None:
        raise NotFound(f"no merge {merge_id} in map '{map.slug}'", fields={"id": ["unknown merge"]})
    return merge


def merged_from(*, survivor: Node) -> list[dict]:
    """The nodes merged into `survivor` (still merged), each with its revisions, for the
    "Merged from" section of the survivor's page: two queries whatever their number."""
    merges = list(
        NodeMerge.objects.filter(survivor=survivor, undone_at__isnull=True)
        .select_related("merged")
        .order_by("-id")
    )
    merges = [m for m in merges if m.merged.merged_into_id == survivor.pk]
    if not merges:
        return []
    revisions: dict[int, list[NodeRevision]] = {}
    for r in (
        NodeRevision.objects.filter(node_id__in=[m.merged_id for m in merges])
        .select_related("edited_by")
        .order_by("-revision")
    ):
        revisions.setdefault(r.node_id, []).append(r)
    now = timezone.now()
    return [
        {
            "merge": m,
            "node": m.merged,
            "revisions": revisions.get(m.merged_id, []),
            "undoable": merge_undoable(m, now=now),
        }
        for m in merges
    ]


def undoable_merge_ids(*, map: Map, merge_ids: list[object]) -> set[int]:
    """Of these merges of the map (an activity page's NODE_MERGED entries), those that
    can still be undone: one query, none when there are none."""
    ids = {i for i in merge_ids if isinstance(i, int) and not isinstance(i, bool)}
    if not ids:
        return set()
    now = timezone.now()
    return {
        m.pk
        for m in NodeMerge.objects.filter(map=map, pk__in=ids).only("pk", "created_at", "undone_at")
        if merge_undoable(m, now=now)
    }
