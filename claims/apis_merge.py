"""REST API of merges (issue 17): merge a duplicate node into another, preview what
would move, list a map's merges and undo one. Owner and editors only; thin, as
claims.apis: claims.services.merge checks the rules, these views fetch, validate
and answer.

The merged node stays as a tombstone: its key answers 301 (reads) or 409 (writes)
with a pointer to the survivor (core.errors.Moved), and it is out of every list.
"""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from claims.access import Need, map_get_for_user
from claims.apis import NodeOutput
from claims.merged import merge_get, merge_row, merges_of_map
from claims.models import KEY_MAX_LENGTH, Map, Node
from claims.selectors import node_get
from core.api_base import ApiView, StrictCharField, errors, validated
from core.errors import Conflict, Moved, ValidationFailed


def _merge_service():
    # The services module is claims.services.merge (imported when used, as the
    # views are loaded before every service is).
    from claims.services import merge

    return merge


class MergeInput(serializers.Serializer):
    into = StrictCharField(max_length=KEY_MAX_LENGTH)


def _survivor(the_map: Map, key: object) -> Node:
    """The node named by `into`: unknown is a 404 naming it (the brief's rule: unknown
    keys are 404s), a merged one a 409 pointing at where it went."""
    if not isinstance(key, str) or not key:
        raise ValidationFailed(
            "into: the key of the node to merge into", fields={"into": ["required"]}
        )
    try:
        return node_get(map=the_map, key=key, field="into")
    except Moved as exc:
        raise Conflict(
            f"'{key}' was itself merged into '{exc.new_key}': merge into '{exc.new_key}'",
            fields={"into": [f"merged into '{exc.new_key}'"]},
        ) from exc


def _merged(the_map: Map, key: str) -> Node:
    """The node to merge away: already merged is a 409 naming its survivor (not a 301:
    merging the survivor instead is not what was asked)."""
    try:
        return node_get(map=the_map, key=key)
    except Moved as exc:
        raise Conflict(
            f"'{key}' was already merged into '{exc.new_key}'",
            fields={"key": [f"merged into '{exc.new_key}'"]},
        ) from exc


class MergeNodeBrief(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()


class MergeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    merged = MergeNodeBrief()
    survivor = MergeNodeBrief()
    by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    undone_at = serializers.DateTimeField(allow_null=True)
    undone_by = serializers.CharField(allow_null=True)
    undoable = serializers.BooleanField(
        help_text="not undone yet and within MERGE_UNDO_DAYS (the undo may still refuse, "
        "with a reason, when later changes make an exact restore impossible)"
    )


class MergePreviewOutput(serializers.Serializer):
    """What the merge would move (claims.services.merge.node_merge_preview): counts, and
    lists of edges by their keys; votes are counted, never attributed."""

    merged = serializers.CharField()
    into = serializers.CharField()
    refusal = serializers.CharField(
        allow_null=True, help_text="why this merge would be refused, else null"
    )
    votes = serializers.IntegerField()
    vote_conflicts = serializers.IntegerField(
        help_text="people who voted on both: their more recent vote stands"
    )
    edge_votes = serializers.IntegerField()
    edge_vote_conflicts = serializers.IntegerField()
    edges_repointed = serializers.ListField(child=serializers.DictField())
    edges_combined = serializers.ListField(child=serializers.DictField())
    self_loops_dropped = serializers.ListField(child=serializers.DictField())
    sources = serializers.IntegerField()
    comments = serializers.IntegerField()
    revisions = serializers.IntegerField()


PREVIEW_SCHEMA = MergePreviewOutput


MERGE_DONE = inline_serializer(
    name="MergeDone",
    fields={
        "merge": serializers.IntegerField(help_text="the merge's id (for undo)"),
        "survivor": NodeOutput(),
        "merged": serializers.CharField(help_text="the merged node's key (now a tombstone)"),
        "moved": MergePreviewOutput(),
    },
)


class NodeMergeApi(ApiView):
    """Merge this node (a duplicate) into the node `into`: its votes, edges, sources and
    comments move to it, and its key redirects there. Owner and editors."""

    @extend_schema(
        parameters=[OpenApiParameter("into", str, required=True, description="the survivor's key")],
        responses={200: PREVIEW_SCHEMA, **errors(400, 401, 403, 404, 409)},
        description="What a merge into `into` would move, without changing anything; "
        "`refusal` says why it would be refused (a subframe_of cycle...).",
        operation_id="v1_maps_nodes_merge_preview",
    )
    def get(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        merged = _merged(the_map, key)
        survivor = _survivor(the_map, request.query_params.get("into"))
        return Response(_merge_service().node_merge_preview(merged=merged, survivor=survivor))

    @extend_schema(
        request=MergeInput,
        responses={200: MERGE_DONE, **errors(400, 401, 403, 404, 409, 429)},
        description="400 for a missing or malformed `into` or a merge into itself; 404 for "
        "an unknown key; 409 when either node is already merged, for a merge that would "
        "make a subframe_of cycle, or when a concurrent merge won. `moved` is what moved, "
        "read in the merge's own transaction just before it.",
        operation_id="v1_maps_nodes_merge",
    )
    def post(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        data = validated(MergeInput, request.data)
        service = _merge_service()
        with transaction.atomic():
            merged = _merged(the_map, key)
            survivor = _survivor(the_map, data["into"])
            if merged.pk == survivor.pk:
                raise ValidationFailed(
                    "a node cannot be merged into itself", fields={"into": ["the same node"]}
                )
            moved = service.node_merge_preview(merged=merged, survivor=survivor)
            merge = service.node_merge(merged=merged, survivor=survivor, by=request.user)
        return Response(
            {
                "merge": merge.pk,
                "survivor": NodeOutput(node_get(map=the_map, key=survivor.key)).data,
                "merged": merged.key,
                "moved": moved,
            }
        )


class MergeListApi(ApiView):
    """The map's merges, newest first (the last 200), with whether each can be undone.
    Owner and editors."""

    @extend_schema(responses={200: MergeOutput(many=True), **errors(401, 403, 404)})
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        return Response(MergeOutput(merges_of_map(map=the_map), many=True).data)


class MergeUndoApi(ApiView):
    """Undo a merge: both nodes, their votes and edges as they were before it. Owner and
    editors, within MERGE_UNDO_DAYS."""

    @extend_schema(
        request=None,
        responses={200: MergeOutput, **errors(401, 403, 404, 409, 429)},
        description="409 when the merge was already undone, is past MERGE_UNDO_DAYS, or "
        "later changes make an exact restore impossible (the message says which).",
    )
    def post(self, request, slug, merge_id):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        merge = merge_get(map=the_map, merge_id=merge_id)
        if merge.undone_at is not None:
            raise Conflict(f"merge {merge.pk} was already undone")
        _merge_service().node_unmerge(merge=merge, by=request.user)
        return Response(MergeOutput(merge_row(merge_get(map=the_map, merge_id=merge_id))).data)
