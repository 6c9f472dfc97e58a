"""Writes of the discussion: comment, reply, edit, delete, hide (issue 16).

Who may do what, checked here (the views only fetch the map and the target):
- comment or reply: anyone signed in who may vote on the map (claims.access
  Need.VOTE: anyone on a public map, members on a private one);
- edit and delete: the comment's author only; the earlier text and kind go to
  CommentRevision, a deleted comment keeps its place in the thread ("deleted");
- hide and unhide: the map's moderators, its owner and editors.

Comments never bump the map's graph_version: they do not change the ranking.
Each new comment is one entry of the map's activity (COMMENTED).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims.access import Need, map_check, map_role
from claims.merged import moved_check
from claims.models import ActivityVerb, Edge, Map, Node
from claims.services import activity_record
from core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StaleRevision,
    ValidationFailed,
)
from core.validation import check_text
from discussion.models import (
    COMMENT_MAX_DEPTH,
    COMMENT_MAX_LENGTH,
    Comment,
    CommentKind,
    CommentRevision,
)

MODERATOR_ROLES = ("owner", "editor")


def is_moderator(*, user: AbstractBaseUser, map: Map) -> bool:
    """The map's owner and editors moderate its discussion."""
    return map_role(user=user, map=map) in MODERATOR_ROLES


def _check_body(body: object) -> str:
    body = check_text(body, field="body", max_length=COMMENT_MAX_LENGTH, allow_empty=False)
    return body


def _check_kind(kind: object) -> str:
    if kind not in CommentKind.values:
        raise ValidationFailed(
            f"kind must be one of {', '.join(CommentKind.values)}",
            fields={"kind": ["unknown kind"]},
        )
    return kind  # type: ignore[return-value]


def _target_title(*, node: Node | None, edge: Edge | None) -> str:
    """What the activity entry shows: the node's title, or the argument's two ends."""
    if node is not None:
        return node.title
    assert edge is not None
    end = edge.target or (edge.target_edge.source if edge.target_edge_id else None)
    return f"{edge.source.title} → {end.title if end else '?'}"


@transaction.atomic
def comment_create(
    *,
    map: Map,
    author: AbstractBaseUser,
    body: str,
    kind: str = CommentKind.COMMENT,
    node: Node | None = None,
    edge: Edge | None = None,
    parent: Comment | None = None,
) -> Comment:
    """A comment on `node` or `edge` (exactly one), or a reply to `parent`.

    A reply inherits its parent's target; naming another target too is refused.
    """
    map_check(user=author, map=map, need=Need.VOTE)
    body = _check_body(body)
    kind = _check_kind(kind)
    # The target's row first, then the parent's: the order a merge takes them (the nodes,
    # then their comments), so that a reply and a merge never wait for each other in a
    # cycle. Locked and read again, a merge or hide of the node in flight is seen before
    # the comment is written (a comment committed after the merge moved the node's
    # thread would be left on the tombstone).
    locked_node, locked_edge = _target_locked(
        node if node is not None or edge is not None or parent is None else parent.node,
        edge if node is not None or edge is not None or parent is None else parent.edge,
    )
    depth = 0
    if parent is not None:
        # Locked: a delete or hide of the parent in flight is seen before replying.
        parent = Comment.objects.select_for_update().filter(pk=parent.pk, map=map).first()
        if parent is None:
            raise ValidationFailed(
                "the comment replied to is not in this map", fields={"parent": ["unknown comment"]}
            )
        if (node is not None and node.pk != parent.node_id) or (
            edge is not None and edge.pk != parent.edge_id
        ):
            raise ValidationFailed(
                "a reply is on its parent's node or edge: the parent is in another thread",
                fields={"parent": ["not in this thread"]},
            )
        if parent.deleted_at is not None or parent.hidden_at is not None:
            raise Conflict(
                "that comment was deleted or hidden: it takes no replies",
                fields={"parent": ["deleted or hidden"]},
            )
        depth = parent.depth + 1
        if depth > COMMENT_MAX_DEPTH:
            raise ValidationFailed(
                f"replies nest at most {COMMENT_MAX_DEPTH} deep (COMMENT_MAX_DEPTH): "
                "reply to an earlier comment of the thread instead",
                fields={"parent": [f"deeper than COMMENT_MAX_DEPTH ({COMMENT_MAX_DEPTH})"]},
            )
        if node is None and edge is None:  # (one named was checked to be the parent's)
            node = parent.node if parent.node_id else None
            edge = parent.edge if parent.edge_id else None
        if (parent.node_id, parent.edge_id) != (
            getattr(locked_node, "pk", None),
            getattr(locked_edge, "pk", None),
        ):
            raise Conflict(
                "that thread moved (its node was merged) while you wrote: reload and reply again",
                fields={"parent": ["moved"]},
            )
    if node is not None and locked_node is not None:
        node = locked_node
    if edge is not None and locked_edge is not None:
        edge = locked_edge
    if (node is None) == (edge is None):
        raise ValidationFailed(
            "a comment is on exactly one node or one edge",
            fields={"target": ["name a node or an edge"]},
        )
    target = node if node is not None else edge
    if target.map_id != map.pk:
        raise ValidationFailed(
            "that node or edge is in another map", fields={"target": ["not in this map"]}
        )
    if node is not None and node.hidden_at is not None:
        raise Conflict(
            "that node is hidden by the map's moderators: it takes no comments",
            fields={"target": ["hidden"]},
        )
    comment = Comment.objects.create(
        map=map,
        node=node,
        edge=edge,
        parent=parent,
        depth=depth,
        author=author,
        kind=kind,
        body=body,
    )
    activity_record(
        map_id=map.pk,
        verb=ActivityVerb.COMMENTED,
        actor=author,
        node_key=node.key if node is not None else "",
        edge_key=edge.key if edge is not None else "",
        title=_target_title(node=node, edge=edge),
        comment_id=comment.pk,
        detail={"kind": kind, "reply": parent is not None},
    )
    return comment


def _target_locked(node: Node | None, edge: Edge | None) -> tuple[Node | None, Edge | None]:
    """The comment's node or edge row, locked against a merge (which takes them FOR UPDATE)
    and read again: 409 pointing to the survivor for a merged node, 404 for one deleted."""
    if node is not None:
        locked = Node.objects.select_for_update(no_key=True).filter(pk=node.pk).first()
        if locked is None:
            raise NotFound(f"no node '{node.key}' in this map", fields={"target": ["unknown"]})
        return moved_check(locked, field="target"), None
    if edge is not None:
        locked_edge = Edge.objects.select_for_update(no_key=True).filter(pk=edge.pk).first()
        if locked_edge is None:
            raise NotFound(
                "that argument no longer exists (deleted, or merged into another)",
                fields={"target": ["unknown"]},
            )
        return None, locked_edge
    return None, None


def _locked(comment: Comment) -> Comment:
    locked = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if locked is None:
        raise NotFound(f"no comment {comment.pk}")
    return locked


def _keep_revision(comment: Comment) -> None:
    CommentRevision.objects.create(
        comment=comment, revision=comment.revision, kind=comment.kind, body=comment.body
    )


def comment_author_check(comment: Comment, user: AbstractBaseUser, what: str = "edit") -> None:
    """401 for a visitor, 403 for anyone but the comment's author."""
    if not user.is_authenticated:
        raise NotAuthenticated(f"log in to {what} your comment")
    if comment.author_id != user.pk:
        raise PermissionDenied(f"only a comment's author can {what} it")


@transaction.atomic
def comment_edit(
    *,
    comment: Comment,
    user: AbstractBaseUser,
    body: str | None = None,
    kind: str | None = None,
    expected_revision: int | None = None,
) -> Comment:
    """The author rewrites their comment; the earlier text and kind are kept."""
    comment = _locked(comment)
    comment_author_check(comment, user, "edit")
    if comment.deleted_at is not None:
        raise Conflict("this comment was deleted", fields={"$": ["deleted"]})
    if comment.hidden_at is not None:
        raise Conflict(
            "this comment was hidden by the map's moderators: it cannot be edited",
            fields={"$": ["hidden"]},
        )
    if expected_revision is not None and expected_revision != comment.revision:
        raise StaleRevision(
            f"the comment changed since revision {expected_revision}",
            fields={"revision": [f"stale: current revision is {comment.revision}"]},
        )
    new_body = comment.body if body is None else _check_body(body)
    new_kind = comment.kind if kind is None else _check_kind(kind)
    if (new_body, new_kind) == (comment.body, comment.kind):
        return comment  # nothing changed: no empty revision
    _keep_revision(comment)
    comment.body, comment.kind = new_body, new_kind
    comment.revision += 1
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "kind", "revision", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user: AbstractBaseUser) -> Comment:
    """The author takes their comment back: its place in the thread says "deleted",
    its text stays in the history (for the author and the moderators)."""
    comment = _locked(comment)
    comment_author_check(comment, user, "delete")
    if comment.deleted_at is not None:
        return comment
    _keep_revision(comment)
    comment.body = ""
    comment.revision += 1
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "revision", "deleted_at"])
    return comment


def _moderator_check(comment: Comment, user: AbstractBaseUser) -> None:
    map_check(user=user, map=comment.map, need=Need.VOTE)
    if not is_moderator(user=user, map=comment.map):
        raise PermissionDenied("only the map's owner and editors can hide or unhide comments")


@transaction.atomic
def comment_hide(*, comment: Comment, user: AbstractBaseUser) -> Comment:
    """A moderator takes a comment out of view; its author and moderators still read it."""
    _moderator_check(comment, user)
    comment = _locked(comment)
    if comment.hidden_at is None:
        comment.hidden_at = timezone.now()
        comment.hidden_by = user
        comment.save(update_fields=["hidden_at", "hidden_by"])
    return comment


@transaction.atomic
def comment_unhide(*, comment: Comment, user: AbstractBaseUser) -> Comment:
    _moderator_check(comment, user)
    comment = _locked(comment)
    if comment.hidden_at is not None:
        comment.hidden_at = None
        comment.hidden_by = None
        comment.save(update_fields=["hidden_at", "hidden_by"])
    return comment
