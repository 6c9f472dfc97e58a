"""Reads of the discussion: a node's or edge's thread as a tree, ready for the
API's serializer and the thread template (no query per comment).

What a viewer sees of a comment:
- deleted by its author: its place, "deleted", no text (the text is in the history);
- hidden by a moderator: its author and the map's moderators (owner, editors) still
  read it, marked hidden; everyone else sees "hidden by moderators", no text.
Counts by kind count the comments people can read (neither deleted nor hidden).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q

from claims.access import map_role
from claims.merged import LIVE, moved_check
from claims.models import Edge, Map, Node
from core.errors import NotFound, ValidationFailed
from discussion.markdown import mentioned_keys, render_markdown
from discussion.models import (
    COMMENT_MAX_DEPTH,
    COMMENT_MAX_LENGTH,
    Comment,
    CommentKind,
    CommentRevision,
)
from discussion.services import MODERATOR_ROLES

SORTS = ("oldest", "newest")


def _viewer_role(user: AbstractBaseUser | AnonymousUser, map: Map) -> str | None:
    return map_role(user=user, map=map)


def target_node_get(*, map: Map, key: object, user: AbstractBaseUser | AnonymousUser) -> Node:
    """The node whose thread is asked for: a hidden node exists for moderators only."""
    node = Node.objects.filter(map=map, key=key).first() if isinstance(key, str) else None
    if node is None or (
        node.hidden_at is not None and _viewer_role(user, map) not in MODERATOR_ROLES
    ):
        raise NotFound(f"no node '{key}' in map '{map.slug}'", fields={"key": ["unknown node"]})
    return moved_check(node)  # a merged node's thread lives on its survivor (issue 17)


def target_edge_get(*, map: Map, key: object, user: AbstractBaseUser | AnonymousUser) -> Edge:
    """The edge whose thread is asked for, with its ends (its page names them)."""
    edge = (
        Edge.objects.select_related("source", "target", "target_edge__source")
        .filter(map=map, key=key)
        .first()
        if isinstance(key, str)
        else None
    )
    if edge is None:
        raise NotFound(
            f"no edge '{key}' in map '{map.slug}'", fields={"edge_key": ["unknown edge"]}
        )
    return edge


def comment_get(*, map: Map, comment_id: object) -> Comment:
    """A comment of the map by id, or 404 (a comment of another map is not found)."""
    try:
        pk = int(comment_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pk = None
    comment = (
        Comment.objects.select_related("author", "node", "edge", "map")
        .filter(map=map, pk=pk)
        .first()
        if pk is not None and 0 < pk < 2**63
        else None
    )
    if comment is None:
        raise NotFound(f"no comment {comment_id} in map '{map.slug}'", fields={"id": ["unknown"]})
    comment.map = map  # the caller's copy: it carries the checked visibility
    return comment


def _mentions(map: Map, bodies: list[str]) -> dict[str, str]:
    """key -> title of the map's visible nodes the bodies mention (one query, or none)."""
    keys: set[str] = set()
    for body in bodies:
        keys |= mentioned_keys(body)
    if not keys:
        return {}
    return dict(
        Node.objects.filter(LIVE, map=map, key__in=keys, hidden_at__isnull=True).values_list(
            "key", "title"
        )
    )


def _readable(comment: Comment) -> bool:
    return comment.deleted_at is None and comment.hidden_at is None


def comment_view(
    comment: Comment,
    *,
    map: Map,
    viewer_id: int | None,
    moderator: bool,
    mentions: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One comment as the viewer may see it (without replies)."""
    deleted = comment.deleted_at is not None
    hidden = comment.hidden_at is not None
    mine = viewer_id is not None and comment.author_id == viewer_id
    shown = not deleted and (not hidden or moderator or mine)
    if mentions is None:
        mentions = _mentions(map, [comment.body]) if shown else {}
    return {
        "id": comment.pk,
        "author": comment.author.username if comment.author_id else None,
        "kind": comment.kind,
        "kind_label": CommentKind(comment.kind).label,
        "body": comment.body if shown else "",
        "html": render_markdown(comment.body, map_slug=map.slug, node_keys=mentions)
        if shown
        else "",
        "parent": comment.parent_id,
        "depth": comment.depth,
        "revision": comment.revision,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "deleted": deleted,
        "hidden": hidden,
        "mine": mine,
        "replies": [],
    }


def _sort_key(sort: str):
    if sort not in SORTS:
        raise ValidationFailed(
            f"sort must be one of {', '.join(SORTS)}", fields={"sort": ["unknown sort"]}
        )
    return sort == "newest"


def thread(
    *,
    map: Map,
    user: AbstractBaseUser | AnonymousUser,
    node: Node | None = None,
    edge: Edge | None = None,
    kind: str | None = None,
    sort: str = "oldest",
) -> dict[str, Any]:
    """A node's or edge's comments as a tree, the counts by kind, the viewer's rights.

    Top-level comments come in `sort` order (oldest or newest first); replies
    always oldest first, as a conversation reads. With `kind`, the comments of
    that kind are the roots (each with its replies, whatever their kind), unless
    an ancestor is of that kind too (then it shows within that ancestor's tree).
    Two queries (the comments with their authors, the nodes they mention) and one
    for the viewer's role.
    """
    newest_first = _sort_key(sort)
    if kind is not None and kind not in CommentKind.values:
        raise ValidationFailed(
            f"kind must be one of {', '.join(CommentKind.values)}",
            fields={"kind": ["unknown kind"]},
        )
    role = _viewer_role(user, map)
    moderator = role in MODERATOR_ROLES
    viewer_id = user.pk if user.is_authenticated else None
    target = Q(node=node) if node is not None else Q(edge=edge)
    comments = list(Comment.objects.filter(target, map=map).select_related("author").order_by("id"))
    counts = Counter(c.kind for c in comments if _readable(c))
    mentions = _mentions(map, [c.body for c in comments])
    views = {
        c.pk: comment_view(c, map=map, viewer_id=viewer_id, moderator=moderator, mentions=mentions)
        for c in comments
    }
    roots: list[dict[str, Any]] = []
    for c in comments:
        view = views[c.pk]
        parent = views.get(c.parent_id) if c.parent_id else None
        if kind is not None:
            if c.kind != kind or not _readable(c) or _has_ancestor_of_kind(c, views, kind):
                if parent is not None:
                    parent["replies"].append(view)
                continue
            roots.append(view)
        elif parent is None:
            roots.append(view)
        else:
            parent["replies"].append(view)
    if newest_first:
        roots.reverse()
    return {
        "comments": roots,
        "counts": {k: counts.get(k, 0) for k in CommentKind.values},
        "total": sum(counts.values()),
        "kind": kind,
        "sort": sort,
        "role": role,
        "moderator": moderator,
        # claims.access Need.VOTE: anyone signed in who reads the thread (a private
        # map's thread is a 404 for non-members before this).
        "may_comment": bool(user.is_authenticated),
        "max_depth": COMMENT_MAX_DEPTH,
        "max_length": COMMENT_MAX_LENGTH,
    }


def _has_ancestor_of_kind(c: Comment, views: dict[int, dict[str, Any]], kind: str) -> bool:
    parent_id = c.parent_id
    while parent_id is not None and parent_id in views:
        parent = views[parent_id]
        if parent["kind"] == kind and not parent["deleted"] and not parent["hidden"]:
            return True
        parent_id = parent["parent"]
    return False


def comment_revisions(*, comment: Comment) -> list[dict[str, Any]]:
    """Every earlier version of a comment, oldest first, then the current one."""
    older = [
        {
            "revision": r.revision,
            "kind": r.kind,
            "body": r.body,
            "created_at": r.created_at,
            "current": False,
        }
        for r in CommentRevision.objects.filter(comment=comment).order_by("revision")
    ]
    current = {
        "revision": comment.revision,
        "kind": comment.kind,
        "body": comment.body,
        "created_at": comment.deleted_at or comment.edited_at or comment.created_at,
        "current": True,
    }
    return [*older, current]


def edge_comment_counts(*, map: Map | int) -> dict[int, int]:
    """edge id -> readable comments on it, for a whole map in one query."""
    rows = (
        Comment.objects.filter(
            map=map, edge__isnull=False, deleted_at__isnull=True, hidden_at__isnull=True
        )
        .values("edge_id")
        .annotate(n=Count("id"))
    )
    return {r["edge_id"]: r["n"] for r in rows}
