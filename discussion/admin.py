"""Admin for reading the discussion. Read-only: comments change through the
services (their history, the activity log), which the pages and the API call;
moderators hide comments there, not here."""

from django.contrib import admin

from discussion.models import Comment, CommentRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CommentRevisionInline(admin.TabularInline):
    model = CommentRevision
    extra = 0
    can_delete = False
    fields = ("revision", "kind", "body", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "map",
        "node",
        "edge",
        "author",
        "kind",
        "created_at",
        "deleted_at",
        "hidden_at",
    )
    list_filter = ("kind",)
    list_select_related = ("map", "node", "edge", "author")
    search_fields = ("body", "author__username")
    raw_id_fields = ("map", "node", "edge", "parent", "author", "hidden_by")
    inlines = [CommentRevisionInline]
