"""Talk about the map: comments on nodes and edges, and who watches what (issue 16).

The discussion app uses the graph (claims) and never the votes (cruxes): a
comment carries its author, a vote never does.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models import Edge, Map, Node

COMMENT_MAX_LENGTH = 10_000
# Replies nest at most this deep (a top-level comment is depth 0); deeper
# threads are refused rather than rendered as an ever narrower column.
COMMENT_MAX_DEPTH = 8


class CommentKind(models.TextChoices):
    COMMENT = "comment", "comment"
    EVIDENCE_FOR = "evidence_for", "evidence for"
    EVIDENCE_AGAINST = "evidence_against", "evidence against"
    QUESTION = "question", "question"


class Comment(models.Model):
    """A comment on a node or on an edge (exactly one), possibly a reply."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="comments")
    node = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    edge = models.ForeignKey(
        Edge, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=CommentKind.choices, default=CommentKind.COMMENT)
    # Markdown as written; rendered and sanitized on the way out (discussion.markdown).
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Deleted by its author: the thread keeps its place ("deleted"), the text goes
    # to the history only.
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(node__isnull=False) & Q(edge__isnull=True))
                | (Q(node__isnull=True) & Q(edge__isnull=False)),
                name="comment_on_node_or_edge",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CommentKind.values), name="comment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(depth__lte=COMMENT_MAX_DEPTH), name="comment_depth_bounded"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="comment_revision_gte_1"),
        ]
        indexes = [
            models.Index(fields=["node", "id"], name="comment_node"),
            models.Index(fields=["edge", "id"], name="comment_edge"),
            models.Index(fields=["map", "author"], name="comment_map_author"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.node_id or self.edge_id}"


class CommentRevision(models.Model):
    """A comment's earlier text and kind, kept when its author edits or deletes it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=CommentKind.choices)
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "revision"], name="comment_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"comment {self.comment_id} r{self.revision}"


class Watch(models.Model):
    """A user following a whole map (node NULL) or one node: their "My activity"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "map"], condition=Q(node__isnull=True), name="watch_map_once"
            ),
            models.UniqueConstraint(
                fields=["user", "node"], condition=Q(node__isnull=False), name="watch_node_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "map"], name="watch_user_map")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.node_id or self.map_id}"
