"""REST API of moderation (issue 16): hide and restore a node, revert a node or an edge
to an earlier revision. Owner and editors only; thin, as claims.apis: the services
check the rules, these views fetch, validate and answer.

The node list and detail leave hidden nodes out with claims.selectors.nodes_listed
and node_seen_get.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from claims import services
from claims.access import Need, map_get_for_user
from claims.apis import EdgeOutput
from claims.models import Map, Node
from claims.selectors import edge_get, node_get
from claims.services.moderation import HIDDEN_REASON_MAX_LENGTH
from core.api_base import ApiView, StrictCharField, StrictIntegerField, errors, validated


class ModeratedNodeOutput(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    revision = serializers.IntegerField()
    hidden = serializers.SerializerMethodField()
    hidden_at = serializers.DateTimeField(allow_null=True)
    hidden_by = serializers.CharField(source="hidden_by.username", allow_null=True, default=None)
    hidden_reason = serializers.CharField()

    def get_hidden(self, node: Node) -> bool:
        return node.hidden_at is not None


def _moderated_node(the_map: Map, key: str) -> Node:
    return Node.objects.select_related("hidden_by").get(pk=node_get(map=the_map, key=key).pk)


class NodeHideApi(ApiView):
    """Hide a node: out of the pages, the API lists and the ranking from its next run;
    kept in its history and the exports (flagged). Owner and editors."""

    class NodeHideInput(serializers.Serializer):
        reason = StrictCharField(
            max_length=HIDDEN_REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        request=NodeHideInput,
        responses={200: ModeratedNodeOutput, **errors(400, 401, 403, 404, 409, 429)},
        description="409 when the node is already hidden.",
    )
    def post(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        node = node_get(map=the_map, key=key)
        data = validated(self.NodeHideInput, request.data or {})
        services.node_hide(node=node, by=request.user, reason=data["reason"])
        return Response(ModeratedNodeOutput(_moderated_node(the_map, key)).data)


class NodeRestoreApi(ApiView):
    """Bring a hidden node back into the pages and the ranking. Owner and editors."""

    @extend_schema(
        request=None,
        responses={200: ModeratedNodeOutput, **errors(401, 403, 404, 409, 429)},
        description="409 when the node is not hidden.",
    )
    def post(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        services.node_restore(node=node_get(map=the_map, key=key), by=request.user)
        return Response(ModeratedNodeOutput(_moderated_node(the_map, key)).data)


class RevertInput(serializers.Serializer):
    revision = StrictIntegerField(min_value=1)


class NodeRevertApi(ApiView):
    """Make a node's title and text those of an earlier revision, as a new revision
    (the history is kept). Owner and editors."""

    @extend_schema(
        request=RevertInput,
        responses={200: ModeratedNodeOutput, **errors(400, 401, 403, 404, 409, 429)},
        description='400 "nothing to revert" when that revision says what the node '
        "says now; 404 for a revision that does not exist.",
    )
    def post(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        node = node_get(map=the_map, key=key)
        data = validated(RevertInput, request.data)
        services.node_revert(node=node, revision=data["revision"], by=request.user)
        return Response(ModeratedNodeOutput(_moderated_node(the_map, key)).data)


class EdgeRevertApi(ApiView):
    """Make an edge's rationale, weight, group and sources those of an earlier revision,
    as a new revision. Owner and editors."""

    @extend_schema(
        request=RevertInput,
        responses={200: EdgeOutput, **errors(400, 401, 403, 404, 409, 429)},
        description='400 "nothing to revert" when that revision says what the edge '
        "says now; 409 when its group now belongs to another argument.",
    )
    def post(self, request, slug, edge_key):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        edge = edge_get(map=the_map, key=edge_key)
        data = validated(RevertInput, request.data)
        services.edge_revert(edge=edge, revision=data["revision"], by=request.user)
        return Response(EdgeOutput(edge_get(map=the_map, key=edge_key)).data)
