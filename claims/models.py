"""The typed argument graph: maps, nodes (frames, claims, cruxes), edges, sources.

Integrity rules that must hold whatever writes the row (a form, a service, a
QuerySet.update or raw SQL) are database constraints here; rules that need the
rest of the graph (same map, subframe cycles) live in the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.validation import CREDENCE_MAX, CREDENCE_MIN, KEY_MAX_LENGTH

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 20_000
QUOTE_MAX_LENGTH = 500
RATIONALE_MAX_LENGTH = 2_000
SOURCES_MAX = 50


class Visibility(models.TextChoices):
    PUBLIC = "public"
    PRIVATE = "private"


class NodeKind(models.TextChoices):
    FRAME = "frame"
    CLAIM = "claim"
    CRUX = "crux"


class FrameCategory(models.TextChoices):
    OUTER = "outer", "Outer alignment"
    INNER = "inner", "Inner alignment"
    OTHER = "other", "Other frames"


class EdgeKind(models.TextChoices):
    SUPPORTS = "supports"
    UNDERMINES = "undermines"
    SUBFRAME_OF = "subframe_of", "subframe of"
    RELATED = "related"
    # From a node to another edge (target_edge): an attack on the inference itself.
    UNDERCUTS = "undercuts"


#: The kinds that carry evidence from source to target (and may be grouped or undercut).
ARGUMENT_KINDS = (EdgeKind.SUPPORTS, EdgeKind.UNDERMINES)


class MemberRole(models.TextChoices):
    EDITOR = "editor"
    VOTER = "voter"


class Contribution(models.TextChoices):
    """Who may add to a map's graph (issue 16).

    closed: the owner and editors only. open: any signed-in user who can see the
    map may add nodes and link them; editing or deleting what others wrote stays
    with the owner and editors.
    """

    CLOSED = "closed"
    OPEN = "open"


class JoinStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


JOIN_MESSAGE_MAX_LENGTH = 500


class Map(models.Model):
    slug = models.SlugField(max_length=KEY_MAX_LENGTH, unique=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="maps",
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # db_default too: rows written by COPY (imports) or raw SQL name no such column.
    contribution = models.CharField(
        max_length=10,
        choices=Contribution.choices,
        default=Contribution.CLOSED,
        db_default=Contribution.CLOSED,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped (with an F() update) in the same transaction as every change to the
    # map's nodes, edges or votes; a ranking is fresh when it was computed at it.
    graph_version = models.BigIntegerField(default=0)
    # How many nodes (of them frames and cruxes) and edges the map has, moved by
    # the services in the UPDATE that bumps graph_version (map_graph_changed), so
    # that the map lists read one row per map: counting them per request made the
    # cost of an anonymous list grow with the largest map (issue 12, item 1).
    node_count = models.IntegerField(default=0, editable=False)
    frame_count = models.IntegerField(default=0, editable=False)
    crux_count = models.IntegerField(default=0, editable=False)
    edge_count = models.IntegerField(default=0, editable=False)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=KEY_PATTERN), name="map_slug_format"),
            models.CheckConstraint(condition=~Q(title=""), name="map_title_not_empty"),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="map_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(contribution__in=Contribution.values), name="map_contribution_valid"
            ),
            models.CheckConstraint(
                condition=Q(graph_version__gte=0), name="map_graph_version_gte_0"
            ),
            models.CheckConstraint(condition=Q(node_count__gte=0), name="map_node_count_gte_0"),
            models.CheckConstraint(condition=Q(frame_count__gte=0), name="map_frame_count_gte_0"),
            models.CheckConstraint(condition=Q(crux_count__gte=0), name="map_crux_count_gte_0"),
            models.CheckConstraint(condition=Q(edge_count__gte=0), name="map_edge_count_gte_0"),
            models.CheckConstraint(
                condition=Q(node_count__gte=F("frame_count") + F("crux_count")),
                name="map_frames_and_cruxes_within_nodes",
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class MapMember(models.Model):
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(max_length=10, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["map", "user"], name="map_member_unique"),
            models.CheckConstraint(condition=Q(role__in=MemberRole.values), name="map_member_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.map_id}"


class Node(models.Model):
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField(max_length=KEY_MAX_LENGTH)
    kind = models.CharField(max_length=10, choices=NodeKind.choices)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    text = models.TextField(blank=True, default="")
    # NULL, not "", for claims and cruxes: the format and the constraint say
    # "no category", which an empty string would blur.
    category = models.CharField(  # noqa: DJ001
        max_length=10, choices=FrameCategory.choices, null=True, blank=True
    )
    prior = models.FloatField(default=0.5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)
    # Moderation (issue 16): a hidden node stays in the database, its history and
    # exports (with a flag) but is out of the pages and the ranking.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    # Duplicates (issue 17): a node merged into another stays as a tombstone, so that
    # its key redirects, its history stays readable and the merge can be undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_nodes"
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["map_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["map", "key"], name="node_key_unique_in_map"),
            models.CheckConstraint(condition=Q(key__regex=KEY_PATTERN), name="node_key_format"),
            models.CheckConstraint(condition=Q(kind__in=NodeKind.values), name="node_kind_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="node_title_not_empty"),
            models.CheckConstraint(
                condition=Q(category__isnull=True)
                | (Q(kind=NodeKind.FRAME) & Q(category__in=FrameCategory.values)),
                name="node_category_only_for_frames",
            ),
            models.CheckConstraint(
                condition=Q(prior__gte=CREDENCE_MIN) & Q(prior__lte=CREDENCE_MAX),
                name="node_prior_range",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="node_revision_gte_1"),
        ]
        indexes = [models.Index(fields=["map", "kind"], name="node_map_kind")]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"


class NodeRevision(models.Model):
    """The title and text a node had at `revision`, kept when it was replaced."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    text = models.TextField(blank=True, default="")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["node_id", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["node", "revision"], name="node_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id}@{self.revision}"


class SourceFields(models.Model):
    """Where a node or an edge comes from: a document, a place in it, a quote."""

    position = models.PositiveIntegerField(default=0)
    document = models.CharField(max_length=500)
    locator = models.CharField(max_length=200, blank=True, default="")
    quote = models.CharField(max_length=QUOTE_MAX_LENGTH, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.document} § {self.locator}"


class Source(SourceFields):
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="sources")

    class Meta:
        ordering = ["node_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(document=""), name="source_document_not_empty"),
        ]


class Edge(models.Model):
    """An argument: the source bears on the target (a node), or undercuts another edge.

    ``key`` names the edge within its map (the API, the file format and undercuts use it).
    Edges of one map with the same target, kind and ``group`` are one linked argument whose
    premises act only together (docs/RANKING.md). An ``undercuts`` edge has no target node:
    its ``target_edge`` is the supports/undermines edge whose inference it attacks.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="edges")
    key = models.SlugField(max_length=KEY_MAX_LENGTH)
    source = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="out_edges")
    target = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.CASCADE, related_name="in_edges"
    )
    target_edge = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="undercut_by"
    )
    kind = models.CharField(max_length=12, choices=EdgeKind.choices)
    weight = models.FloatField(default=1.0)
    rationale = models.CharField(max_length=RATIONALE_MAX_LENGTH, blank=True, default="")
    # NULL, not "": an edge outside any linked group (the format says null too).
    group = models.CharField(max_length=KEY_MAX_LENGTH, null=True, blank=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["map_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "key"], name="edge_key_unique_in_map"),
            models.CheckConstraint(condition=Q(key__regex=KEY_PATTERN), name="edge_key_format"),
            models.UniqueConstraint(fields=["source", "target", "kind"], name="edge_unique"),
            models.UniqueConstraint(
                fields=["source", "target_edge"],
                condition=Q(kind="undercuts"),
                name="edge_undercut_unique",
            ),
            models.CheckConstraint(condition=~Q(source=F("target")), name="edge_no_self_loop"),
            models.CheckConstraint(
                condition=Q(weight__gte=0.0) & Q(weight__lte=1.0), name="edge_weight_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=EdgeKind.values), name="edge_kind_valid"),
            # An undercut points at an edge and at no node; every other edge at a node.
            models.CheckConstraint(
                condition=(
                    Q(kind="undercuts") & Q(target__isnull=True) & Q(target_edge__isnull=False)
                )
                | (~Q(kind="undercuts") & Q(target__isnull=False) & Q(target_edge__isnull=True)),
                name="edge_target_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(group__isnull=True)
                | (Q(kind__in=ARGUMENT_KINDS) & Q(group__regex=KEY_PATTERN)),
                name="edge_group_only_for_arguments",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="edge_revision_gte_1"),
        ]
        indexes = [
            models.Index(fields=["target"], name="edge_target"),
            models.Index(fields=["target_edge"], name="edge_target_edge"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.key}: {self.source_id} -{self.kind}-> {self.target_id or self.target_edge_id}"
        )


class EdgeRevision(models.Model):
    """What an edge said at `revision` (rationale, weight, group), kept when it changed."""

    edge = models.ForeignKey(Edge, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    rationale = models.CharField(max_length=RATIONALE_MAX_LENGTH, blank=True, default="")
    weight = models.FloatField()
    group = models.CharField(max_length=KEY_MAX_LENGTH, null=True, blank=True)  # noqa: DJ001
    #: the sources it had: [{"document", "locator", "quote"}, ...] in order
    sources = models.JSONField(default=list, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["edge_id", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["edge", "revision"], name="edge_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.edge_id}@{self.revision}"


class EdgeSource(SourceFields):
    edge = models.ForeignKey(Edge, on_delete=models.CASCADE, related_name="sources")

    class Meta:
        ordering = ["edge_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(document=""), name="edge_source_document_not_empty"
            ),
        ]


class MapChange(models.Model):
    """One entry per graph_version bump: what changed, for the ranking diff.

    Votes appear as "a vote changed on X" with no voter or credence: individual
    votes are never exposed, only aggregates.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="changes")
    graph_version = models.BigIntegerField()
    action = models.CharField(max_length=30)
    node_keys = models.JSONField(default=list, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["map_id", "graph_version"]
        constraints = [
            models.UniqueConstraint(fields=["map", "graph_version"], name="map_change_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.map_id}@{self.graph_version} {self.action}"


class JoinRequest(models.Model):
    """A signed-in user asking a map's owner for a role (voter or editor)."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=MemberRole.choices)
    message = models.CharField(max_length=JOIN_MESSAGE_MAX_LENGTH, blank=True, default="")
    status = models.CharField(max_length=10, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the owner said with the decision (shown to the requester).
    reply = models.CharField(max_length=JOIN_MESSAGE_MAX_LENGTH, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=MemberRole.values), name="join_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=JoinStatus.values), name="join_status_valid"
            ),
            # One open request per person and map: asking twice is not louder.
            models.UniqueConstraint(
                fields=["map", "user"],
                condition=Q(status="pending"),
                name="join_one_pending_per_user",
            ),
        ]
        indexes = [models.Index(fields=["map", "status"], name="join_map_status")]

    def __str__(self) -> str:
        return f"{self.user_id} asks {self.role} of {self.map_id} ({self.status})"


class ActivityVerb(models.TextChoices):
    NODE_ADDED = "node_added", "added"
    NODE_EDITED = "node_edited", "edited"
    NODE_DELETED = "node_deleted", "deleted"
    NODE_HIDDEN = "node_hidden", "hid"
    NODE_RESTORED = "node_restored", "restored"
    NODE_REVERTED = "node_reverted", "reverted"
    EDGE_ADDED = "edge_added", "linked"
    EDGE_EDITED = "edge_edited", "edited the link"
    EDGE_DELETED = "edge_deleted", "removed the link"
    EDGE_REVERTED = "edge_reverted", "reverted the link"
    COMMENTED = "commented", "commented on"
    NODE_MERGED = "node_merged", "merged"
    NODE_UNMERGED = "node_unmerged", "undid the merge of"
    MAP_IMPORTED = "map_imported", "imported"
    MAP_EDITED = "map_edited", "changed the map's settings"
    MEMBER_JOINED = "member_joined", "joined"
    RANKING_CHANGED = "ranking_changed", "top ten changed"


class Activity(models.Model):
    """What happened on a map, newest first: the activity page, feed and watches.

    Written by the services in the same transaction as the change. Never votes:
    who voted what is private, so a vote is not an activity. `title` is the
    subject's title at the time, so that an entry still reads after a deletion.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="activity")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=20, choices=ActivityVerb.choices)
    node_key = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, default="")
    edge_key = models.CharField(max_length=KEY_MAX_LENGTH, blank=True, default="")
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True, default="")
    # The comment's id for COMMENTED (the discussion app's table; no foreign key,
    # so that claims does not depend on it).
    comment_id = models.BigIntegerField(null=True, blank=True)
    graph_version = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verb__in=ActivityVerb.values), name="activity_verb_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["map", "-id"], name="activity_map_newest"),
            models.Index(fields=["map", "node_key", "-id"], name="activity_map_node_newest"),
            models.Index(fields=["map", "actor", "-id"], name="activity_map_actor_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.map_id} {self.actor_id} {self.verb} {self.node_key or self.edge_key}"


class NodeMerge(models.Model):
    """One merge of a duplicate node into a survivor, with what it moved (for undo).

    `record` holds every row the merge moved, combined or dropped, as it was before
    the merge, so that an undo restores the two nodes exactly.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="merges")
    merged = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="merges_out")
    survivor = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="merges_in")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    graph_version = models.BigIntegerField(default=0)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged=F("survivor")), name="merge_not_into_itself"
            ),
        ]
        indexes = [models.Index(fields=["map", "-id"], name="merge_map_newest")]

    def __str__(self) -> str:
        return f"{self.merged_id} into {self.survivor_id}"


class DuplicateCandidate(models.Model):
    """A pair of a map's nodes that read alike, found by the worker (a_id < b_id)."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="duplicate_candidates")
    a = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    graph_version = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "a_id", "b_id"]
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="duplicate_pair_unique"),
            models.CheckConstraint(condition=Q(a__lt=F("b")), name="duplicate_pair_ordered"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="duplicate_score_range"
            ),
        ]
        indexes = [models.Index(fields=["map", "-score"], name="duplicate_map_best")]

    def __str__(self) -> str:
        return f"{self.a_id} ~ {self.b_id} ({self.score:.2f})"


class DuplicateDismissal(models.Model):
    """A moderator's "not duplicates" for a pair (a_id < b_id): it stops being listed."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="duplicate_dismissals")
    a = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="duplicate_dismissal_unique"),
            models.CheckConstraint(condition=Q(a__lt=F("b")), name="duplicate_dismissal_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.a_id} !~ {self.b_id}"
