"""Admin for browsing votes and rankings. Nothing is written here but through a service.

Votes, their history, ranking runs and scores are written by the services and
the worker only. Deleting a vote is allowed, through vote_withdraw: the same
version bump, change record, history row and recompute as a voter withdrawing
it. Nothing else can be added, changed or deleted here.
"""

from django.contrib import admin
from django.db import transaction

from cruxes.models import CruxScore, EdgeVote, EdgeVoteHistory, RankingRun, Vote, VoteHistory
from cruxes.services import edge_vote_withdraw, vote_withdraw


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by services and workers only: shown, never added, changed or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ("node", "user", "credence", "node_revision", "updated_at")
    list_select_related = ("node", "user")
    search_fields = ("node__key", "user__username")

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request, obj: Vote) -> None:
        vote_withdraw(user=obj.user, node=obj.node)

    def delete_queryset(self, request, queryset) -> None:
        # One withdrawal per vote, all or none; map by map, as the other writers lock.
        with transaction.atomic():
            for vote in queryset.select_related("node", "user").order_by("node__map_id", "pk"):
                vote_withdraw(user=vote.user, node=vote.node)


@admin.register(VoteHistory)
class VoteHistoryAdmin(ReadOnlyAdmin):
    list_display = ("node", "user", "action", "credence", "previous_credence", "created_at")
    list_select_related = ("node", "user")
    list_filter = ("action",)


@admin.register(EdgeVote)
class EdgeVoteAdmin(ReadOnlyAdmin):
    list_display = ("edge", "user", "strength", "edge_revision", "updated_at")
    list_select_related = ("edge", "user")
    search_fields = ("edge__key", "user__username")

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request, obj: EdgeVote) -> None:
        edge_vote_withdraw(user=obj.user, edge=obj.edge)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for vote in queryset.select_related("edge", "user").order_by("edge__map_id", "pk"):
                edge_vote_withdraw(user=vote.user, edge=vote.edge)


@admin.register(EdgeVoteHistory)
class EdgeVoteHistoryAdmin(ReadOnlyAdmin):
    list_display = ("edge", "user", "action", "strength", "previous_strength", "created_at")
    list_select_related = ("edge", "user")
    list_filter = ("action",)


@admin.register(RankingRun)
class RankingRunAdmin(ReadOnlyAdmin):
    list_display = (
        "map",
        "graph_version",
        "status",
        "engine_version",
        "duration_ms",
        "computed_at",
    )
    list_filter = ("status", "map")
    list_select_related = ("map",)


@admin.register(CruxScore)
class CruxScoreAdmin(ReadOnlyAdmin):
    list_display = ("crux_key", "frame_key", "rank", "score", "delta", "uncertainty", "run")
    list_select_related = ("run",)
    search_fields = ("crux_key", "frame_key")
