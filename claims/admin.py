"""Admin for browsing the graph. Edits made here go through the services."""

from django.contrib import admin

from claims.models import Edge, Map, MapMember, Node, NodeRevision, Source


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    readonly_fields = ("position", "document", "locator", "quote")
    can_delete = False


class MemberInline(admin.TabularInline):
    model = MapMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Map)
class MapAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "visibility", "owner", "graph_version", "updated_at")
    search_fields = ("slug", "title")
    list_filter = ("visibility",)
    readonly_fields = ("graph_version", "created_at", "updated_at")
    inlines = [MemberInline]


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "kind", "category", "prior", "revision", "map")
    list_filter = ("map", "kind", "category")
    search_fields = ("key", "title", "text")
    list_select_related = ("map",)
    inlines = [SourceInline]
    # Graph writes must bump the map's version and schedule the ranking, which
    # only the services do: the admin is for browsing.
    readonly_fields = (
        "map",
        "key",
        "kind",
        "title",
        "text",
        "category",
        "prior",
        "revision",
        "created_by",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Edge)
class EdgeAdmin(admin.ModelAdmin):
    list_display = ("source", "kind", "target", "weight", "map")
    list_filter = ("map", "kind")
    search_fields = ("source__key", "target__key")
    list_select_related = ("source", "target", "map")
    readonly_fields = ("map", "source", "target", "kind", "weight", "created_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(NodeRevision)
class NodeRevisionAdmin(admin.ModelAdmin):
    list_display = ("node", "revision", "title", "edited_by", "created_at")
    search_fields = ("node__key", "title")
    list_select_related = ("node", "edited_by")
    readonly_fields = ("node", "revision", "title", "text", "edited_by", "created_at")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("node", "document", "locator")
    search_fields = ("node__key", "document", "locator", "quote")
    list_select_related = ("node",)


@admin.register(MapMember)
class MapMemberAdmin(admin.ModelAdmin):
    list_display = ("map", "user", "role")
    list_select_related = ("map", "user")
