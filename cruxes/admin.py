from django.contrib import admin

from cruxes.models import CruxScore, RankingRun, Vote, VoteHistory


class ReadOnlyAdmin(admin.ModelAdmin):
    """Votes and runs are written by services and workers only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ("node", "user", "credence", "node_revision", "updated_at")
    list_select_related = ("node", "user")
    search_fields = ("node__key", "user__username")


@admin.register(VoteHistory)
class VoteHistoryAdmin(ReadOnlyAdmin):
    list_display = ("node", "user", "action", "credence", "previous_credence", "created_at")
    list_select_related = ("node", "user")
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
