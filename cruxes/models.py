"""Credences people vote on nodes, strengths they vote on edges, their history, and stored
ranking runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models import CREDENCE_MAX, CREDENCE_MIN, Edge, Map, Node

_CREDENCE_RANGE = Q(credence__gte=CREDENCE_MIN) & Q(credence__lte=CREDENCE_MAX)

#: An edge's strength: 0 (the source would not move the target at all) to 1 (fully).
STRENGTH_MIN = 0.0
STRENGTH_MAX = 1.0
_STRENGTH_RANGE = Q(strength__gte=STRENGTH_MIN) & Q(strength__lte=STRENGTH_MAX)


class Vote(models.Model):
    """A person's current credence that a node is true (one per person and node)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="votes")
    credence = models.FloatField()
    # The node revision the person saw when voting; a later edit makes it stale.
    node_revision = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "node"], name="vote_one_per_user_and_node"),
            models.CheckConstraint(condition=_CREDENCE_RANGE, name="vote_credence_range"),
        ]
        indexes = [models.Index(fields=["node"], name="vote_node")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.node_id}: {self.credence}"


class VoteAction(models.TextChoices):
    CAST = "cast"
    CHANGE = "change"
    WITHDRAW = "withdraw"
    # Duplicate merge (issue 17): the user's vote on the merged node gave way to their
    # more recent vote on the same pair (credence: the vote that gave way), and its undo.
    MERGED = "merged"
    UNMERGED = "unmerged"


class VoteHistory(models.Model):
    """Append-only trace of every cast, change and withdrawal of a vote."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="vote_history")
    action = models.CharField(max_length=10, choices=VoteAction.choices)
    credence = models.FloatField(null=True, blank=True)  # null for a withdrawal
    previous_credence = models.FloatField(null=True, blank=True)
    node_revision = models.PositiveIntegerField()
    graph_version = models.BigIntegerField()  # the map's version this change produced
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "vote history"
        constraints = [
            # NULL passes a range check in SQL, hence the explicit IS NOT NULL.
            models.CheckConstraint(
                condition=(Q(action=VoteAction.WITHDRAW) & Q(credence__isnull=True))
                | (~Q(action=VoteAction.WITHDRAW) & Q(credence__isnull=False) & _CREDENCE_RANGE),
                name="vote_history_credence",
            ),
            models.CheckConstraint(
                condition=Q(action__in=VoteAction.values), name="vote_history_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.user_id} on {self.node_id}"


class EdgeVote(models.Model):
    """A person's current strength for an edge (one per person and edge).

    "If the source turned out true rather than false, how far would it move the
    target?" For an undercut: how far the undercutter, if true, defeats the inference.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edge_votes"
    )
    edge = models.ForeignKey(Edge, on_delete=models.CASCADE, related_name="votes")
    strength = models.FloatField()
    # The edge revision the person saw when voting; a later edit makes it stale.
    edge_revision = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "edge"], name="edge_vote_one_per_user_and_edge"
            ),
            models.CheckConstraint(condition=_STRENGTH_RANGE, name="edge_vote_strength_range"),
        ]
        indexes = [models.Index(fields=["edge"], name="edge_vote_edge")]

    def __str__(self) -> str:
        return f"{self.user_id} on edge {self.edge_id}: {self.strength}"


class EdgeVoteHistory(models.Model):
    """Append-only trace of every cast, change and withdrawal of an edge vote."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    edge = models.ForeignKey(Edge, on_delete=models.CASCADE, related_name="vote_history")
    action = models.CharField(max_length=10, choices=VoteAction.choices)
    strength = models.FloatField(null=True, blank=True)  # null for a withdrawal
    previous_strength = models.FloatField(null=True, blank=True)
    edge_revision = models.PositiveIntegerField()
    graph_version = models.BigIntegerField()  # the map's version this change produced
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "edge vote history"
        constraints = [
            # NULL passes a range check in SQL, hence the explicit IS NOT NULL.
            models.CheckConstraint(
                condition=(Q(action=VoteAction.WITHDRAW) & Q(strength__isnull=True))
                | (~Q(action=VoteAction.WITHDRAW) & Q(strength__isnull=False) & _STRENGTH_RANGE),
                name="edge_vote_history_strength",
            ),
            models.CheckConstraint(
                condition=Q(action__in=VoteAction.values), name="edge_vote_history_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.user_id} on edge {self.edge_id}"


class RunStatus(models.TextChoices):
    OK = "ok"
    FAILED = "failed"


class RankingRun(models.Model):
    """One computation of a map's crux ranking at one graph version."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="ranking_runs")
    graph_version = models.BigIntegerField()
    engine_version = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.OK)
    error = models.TextField(blank=True, default="")
    computed_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # Frame strengths [{"id": key, "strength": s, "parent": key|null}], small.
    frames = models.JSONField(default=list, blank=True)
    # How many cruxes each list ranks and which ranks they share, so that a page of a
    # list can say "3rd of 63, shared with 1 other" without reading the whole list:
    # {"" (the global list) or frame key: {"count": n, "shared": {"rank": cruxes}}},
    # "shared" naming only the ranks two or more cruxes share. Small: one entry a frame.
    ranked = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["map_id", "-graph_version"]
        constraints = [
            # The conditional write: at most one run per map, version and engine.
            models.UniqueConstraint(
                fields=["map", "graph_version", "engine_version"], name="ranking_run_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="run_status"),
        ]

    def __str__(self) -> str:
        return f"{self.map_id}@{self.graph_version} ({self.status})"


class CruxScore(models.Model):
    """A crux's score in a run: for one frame, or global when frame_key is empty.

    Keys rather than foreign keys: a run is a snapshot, and must still read
    correctly after a crux or frame it mentions is deleted.
    """

    # No index of its own: both indexes below lead with run_id, and a run writes
    # ~100k rows on a 100k-node map, each paying every index it has.
    run = models.ForeignKey(
        RankingRun, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    crux_key = models.CharField(max_length=100)
    frame_key = models.CharField(max_length=100, blank=True, default="")
    score = models.FloatField()
    rank = models.PositiveIntegerField()
    delta = models.FloatField(default=0.0)
    uncertainty = models.FloatField(default=0.0)
    credence = models.FloatField()
    n_votes = models.PositiveIntegerField(default=0)
    strength_if_true = models.FloatField(null=True, blank=True)
    strength_if_false = models.FloatField(null=True, blank=True)
    # Why the crux ranks where it does (the "why" the ranking serves). On the global row:
    # the spread of its votes, how far it pulls competing frames apart, and whether any
    # supports/undermines route leads from it to a frame at all.
    disagreement = models.FloatField(default=0.0)
    discrimination = models.FloatField(default=0.0)
    connected = models.BooleanField(default=True)
    # On a frame's row: the strongest route of arguments from the crux to the frame, as
    # the JSON list of its node keys, crux first and frame last. Text holding JSON, not a
    # JSONField: a run's rows are written with COPY (rows_insert), which writes no JSON
    # columns; node keys need no escaping in JSON (claims.models.KEY_PATTERN).
    path = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["run_id", "frame_key", "rank"]
        constraints = [
            # Crux before frame: the index also finds a crux's rows in a run (its why:
            # the node page, and the cruxes a frame's ranking lists); a frame's rows
            # come by crux_score_rank.
            models.UniqueConstraint(
                fields=["run", "crux_key", "frame_key"], name="crux_score_unique"
            ),
        ]
        indexes = [models.Index(fields=["run", "frame_key", "rank"], name="crux_score_rank")]

    def __str__(self) -> str:
        return f"{self.crux_key} #{self.rank} for {self.frame_key or 'global'}"


class ShareAudience(models.TextChoices):
    NOBODY = "nobody"
    EVERYONE = "everyone"
    CHOSEN = "chosen"


class CredenceSharing(models.Model):
    """Whom a user shows their own credences on a map to (issue 18; nobody by default).

    Without a row, or with `nobody`, the user's credences are private (only
    aggregates above the privacy floor). `chosen`: the users in `viewers`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(
        max_length=10, choices=ShareAudience.choices, default=ShareAudience.NOBODY
    )
    viewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "map"], name="sharing_once_per_map"),
            models.CheckConstraint(
                condition=Q(audience__in=ShareAudience.values), name="sharing_audience_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} shares {self.map_id} with {self.audience}"


class SchoolsRun(models.Model):
    """The schools of thought (opinion groups) found in a map's votes at a version.

    `groups` is what may be shown: per group of at least the privacy floor its size,
    pooled credences, frame strengths and separating cruxes, and the anonymous
    scatter. Who is in which group is in SchoolMember, shown only to that member.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="schools_runs")
    graph_version = models.BigIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    voters = models.PositiveIntegerField(default=0)
    groups = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-graph_version", "-id"]
        indexes = [models.Index(fields=["map", "-graph_version"], name="schools_map_newest")]

    def __str__(self) -> str:
        return f"schools of {self.map_id}@{self.graph_version}"


class SchoolMember(models.Model):
    """Which group a voter fell in (shown to that voter only) and their scatter point."""

    run = models.ForeignKey(SchoolsRun, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.PositiveSmallIntegerField()
    point = models.PositiveIntegerField(default=0)  # its index in the run's scatter

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "user"], name="school_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in group {self.group} of run {self.run_id}"
