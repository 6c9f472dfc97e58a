"""Admin for browsing the graph. Every write made here goes through the services.

A graph write must bump the map's graph_version, log a MapChange and schedule
the ranking's recompute, which only the services do: a row deleted behind their
back would leave the ranking "fresh" and the sweep blind to it. So deleting a
node, an edge or a map calls node_delete, edge_delete or map_delete (one call
per row, all in one transaction); a map's title, description and visibility
are saved with map_update and its members with member_set and member_remove;
everything else is read-only (no service writes it alone).
"""

from django import forms
from django.contrib import admin
from django.db import transaction

from claims import services
from claims.models import (
    TITLE_MAX_LENGTH,
    Edge,
    EdgeRevision,
    EdgeSource,
    Map,
    MapMember,
    Node,
    NodeRevision,
    Source,
)
from claims.services.maps import DESCRIPTION_MAX_LENGTH
from core.errors import ValidationFailed
from core.validation import check_text


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows a service writes as part of a larger change: shown, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceDeleteMixin:
    """Delete through a service, one row at a time, the whole batch in one transaction."""

    def delete_with_service(self, request, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            self.delete_with_service(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # Map by map, in id order: the same lock order as every other writer.
        with transaction.atomic():
            for obj in queryset.order_by(*self.delete_order):
                self.delete_with_service(request, obj)


def _form_text(value: str, *, field: str, max_length: int, allow_empty: bool = True) -> str:
    """The services' text check, as a form error instead of an exception."""
    try:
        return check_text(value, field=field, max_length=max_length, allow_empty=allow_empty)
    except ValidationFailed as exc:
        raise forms.ValidationError(exc.message) from exc


class MapAdminForm(forms.ModelForm):
    class Meta:
        model = Map
        fields = ("title", "description", "visibility")

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        return _form_text(title, field="title", max_length=TITLE_MAX_LENGTH, allow_empty=False)

    def clean_description(self) -> str:
        description = self.cleaned_data["description"]
        return _form_text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)


class MemberForm(forms.ModelForm):
    class Meta:
        model = MapMember
        fields = ("user", "role")

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is None or self.cleaned_data.get("DELETE"):
            return cleaned
        # member_set's own refusals, shown on the row instead of failing the save.
        if not user.is_active:
            self.add_error("user", f"'{user.username}' is not an active account")
        elif self.instance.map_id is not None and user.pk == self.instance.map.owner_id:
            self.add_error("user", "the owner is not a member")
        return cleaned


class MemberInline(admin.TabularInline):
    model = MapMember
    form = MemberForm
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Map)
class MapAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    form = MapAdminForm
    list_display = ("slug", "title", "visibility", "owner", "graph_version", "updated_at")
    search_fields = ("slug", "title")
    list_filter = ("visibility",)
    fields = (
        "slug",
        "title",
        "description",
        "visibility",
        "owner",
        "graph_version",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("slug", "owner", "graph_version", "created_at", "updated_at")
    inlines = [MemberInline]
    delete_order = ("pk",)

    def has_add_permission(self, request) -> bool:
        return False  # maps are created in the app, through the API or by import

    def save_model(self, request, obj, form, change) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            # A fresh row: map_update writes only the fields given.
            services.map_update(map=Map.objects.get(pk=obj.pk), by=request.user, **changed)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not MapMember:
            return super().save_formset(request, form, formset, change)
        the_map = form.instance
        for member_form in formset.forms:
            member = member_form.instance
            if member_form in formset.deleted_forms:
                if member.pk is not None:
                    services.member_remove(map=the_map, username=member.user.username)
                continue
            if not member_form.has_changed():
                continue
            user, role = member_form.cleaned_data["user"], member_form.cleaned_data["role"]
            if member.pk is not None and "user" in member_form.changed_data:
                # The row now names someone else: the first person leaves the map.
                previous = MapMember.objects.select_related("user").get(pk=member.pk)
                services.member_remove(map=the_map, username=previous.user.username)
            services.member_set(map=the_map, username=user.username, role=role)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def delete_with_service(self, request, obj) -> None:
        services.map_delete(map=obj)


class ReadOnlySourceInline(admin.TabularInline):
    extra = 0
    fields = ("position", "document", "locator", "quote")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SourceInline(ReadOnlySourceInline):
    model = Source


class EdgeSourceInline(ReadOnlySourceInline):
    model = EdgeSource


@admin.register(Node)
class NodeAdmin(ServiceDeleteMixin, ViewOnlyAdmin):
    list_display = ("key", "title", "kind", "category", "prior", "revision", "map")
    list_filter = ("map", "kind", "category")
    search_fields = ("key", "title", "text")
    list_select_related = ("map",)
    inlines = [SourceInline]
    delete_order = ("map_id", "pk")

    def has_delete_permission(self, request, obj=None) -> bool:
        # A merge's tombstone keeps what its undo restores: it goes only with its map
        # (a bulk delete that includes one is refused whole, as Django does).
        if obj is not None and obj.merged_at is not None:
            return False
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_with_service(self, request, obj) -> None:
        services.node_delete(node=obj, user=request.user)


@admin.register(Edge)
class EdgeAdmin(ServiceDeleteMixin, ViewOnlyAdmin):
    """Deleting an edge here deletes its undercuts too (edge_delete)."""

    list_display = ("key", "source", "kind", "target", "target_edge", "weight", "group", "map")
    list_filter = ("map", "kind")
    search_fields = ("key", "source__key", "target__key", "group", "rationale")
    list_select_related = ("source", "target", "target_edge", "map")
    inlines = [EdgeSourceInline]
    delete_order = ("map_id", "pk")

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_with_service(self, request, obj) -> None:
        services.edge_delete(edge=obj, user=request.user)


@admin.register(EdgeRevision)
class EdgeRevisionAdmin(ViewOnlyAdmin):
    list_display = ("edge", "revision", "weight", "group", "edited_by", "created_at")
    search_fields = ("edge__key", "rationale")
    list_select_related = ("edge", "edited_by")


@admin.register(EdgeSource)
class EdgeSourceAdmin(ViewOnlyAdmin):
    list_display = ("edge", "document", "locator")
    search_fields = ("edge__key", "document", "locator", "quote")
    list_select_related = ("edge",)


@admin.register(NodeRevision)
class NodeRevisionAdmin(ViewOnlyAdmin):
    list_display = ("node", "revision", "title", "edited_by", "created_at")
    search_fields = ("node__key", "title")
    list_select_related = ("node", "edited_by")


@admin.register(Source)
class SourceAdmin(ViewOnlyAdmin):
    list_display = ("node", "document", "locator")
    search_fields = ("node__key", "document", "locator", "quote")
    list_select_related = ("node",)


@admin.register(MapMember)
class MapMemberAdmin(ServiceDeleteMixin, ViewOnlyAdmin):
    """Members are added and changed on their map's page (through member_set)."""

    list_display = ("map", "user", "role")
    list_select_related = ("map", "user")
    delete_order = ("map_id", "pk")

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_with_service(self, request, obj) -> None:
        services.member_remove(map=obj.map, username=obj.user.username)
