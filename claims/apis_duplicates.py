"""REST API of duplicates detection (issue 17): the nodes like what someone is typing,
the check before a node is made, and the moderators' possible-duplicates list.

Thin, as claims.apis: claims.similarity scores, claims.selectors_duplicates reads the
stored pairs, claims.services.duplicates dismisses one.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from claims.access import Need, map_get_for_user
from claims.models import KEY_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, Map, Node
from claims.selectors_duplicates import duplicates_listed
from claims.services.duplicates import duplicate_dismiss
from claims.similarity import similar_nodes
from core.api_base import ApiView, StrictCharField, errors, validated
from core.api_base import error_body as _error_body
from core.errors import ValidationFailed

#: At most this many suggestions per look-up.
SIMILAR_LIMIT_MAX = 20


class SimilarNodeOutput(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField(help_text="0 to 1: how alike (TF-IDF cosine, see docs)")


def _similar_rows(found: list[tuple[Node, float]]) -> list[dict]:
    return [
        {"key": node.key, "kind": node.kind, "title": node.title, "score": score}
        for node, score in found
    ]


SIMILAR_LIST = inline_serializer("SimilarNodes", {"results": SimilarNodeOutput(many=True)})


class SimilarNodesApi(ApiView):
    """The map's live nodes most like a title (and text) being typed, best first.

    Anyone who may read the map; hidden and merged nodes are never suggested.
    """

    class SimilarQuery(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX_LENGTH, trim_whitespace=True)
        text = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
        limit = serializers.IntegerField(min_value=1, max_value=SIMILAR_LIMIT_MAX, default=5)
        exclude = serializers.CharField(
            max_length=KEY_MAX_LENGTH,
            required=False,
            help_text="a node key to leave out (the node being edited)",
        )

    @extend_schema(
        parameters=[SimilarQuery], responses={200: SIMILAR_LIST, **errors(400, 404, 429)}
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        query = self.SimilarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        found = similar_nodes(
            the_map, q["title"], q.get("text", ""), limit=q["limit"], exclude_key=q.get("exclude")
        )
        return Response({"results": _similar_rows(found)})


def _flag(value: object, *, field: str) -> bool:
    if value is None or value in ("", "0", "false", False):
        return False
    if value in ("1", "true", True):
        return True
    raise ValidationFailed(f"{field} must be 1 or 0", fields={field: ["must be 1 or 0"]})


def duplicates_refusal(*, request, the_map: Map, data: dict) -> Response | None:
    """For POST …/nodes/?check_duplicates=1: a 409 listing the similar nodes, or None.

    A 409 (not a 200 with no node made): the client asked to create, and nothing was
    created; it can show the list and send again with {"force": true} or ?force=1.
    Without check_duplicates the node list behaves as it always did.
    """
    if not _flag(request.query_params.get("check_duplicates"), field="check_duplicates"):
        return None
    body_force = request.data.get("force") if isinstance(request.data, dict) else None
    if body_force is not None and not isinstance(body_force, bool):
        raise ValidationFailed("force must be true or false", fields={"force": ["not a boolean"]})
    if body_force or _flag(request.query_params.get("force"), field="force"):
        return None
    found = similar_nodes(the_map, data["title"], data.get("text", ""))
    if not found:
        return None
    body = _error_body(
        "possible_duplicates",
        f"{len(found)} node(s) of this map read like this one; nothing was created: "
        'send again with {"force": true} to create it anyway',
        {"title": ["reads like an existing node"]},
    )
    body["similar"] = _similar_rows(found)
    return Response(body, status=409)


class NodeBriefOutput(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()


class DuplicateOutput(serializers.Serializer):
    a = NodeBriefOutput()
    b = NodeBriefOutput()
    score = serializers.FloatField()
    graph_version = serializers.IntegerField(help_text="the map's version the pair was found at")
    computed_at = serializers.DateTimeField()


class DuplicatePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


DUPLICATE_PAGE = inline_serializer(
    name="DuplicatePage",
    fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": DuplicateOutput(many=True),
    },
)


class DuplicateListApi(ApiView):
    """The map's possible duplicates (pairs of nodes that read alike), best first.

    Owner and editors. Recomputed by the worker after edits; dismissed pairs and
    pairs with a hidden or merged node are never listed.
    """

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: DUPLICATE_PAGE, **errors(401, 403, 404, 429)},
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        paginator = DuplicatePagination()
        page = paginator.paginate_queryset(duplicates_listed(map=the_map), request, view=self)
        return paginator.get_paginated_response(DuplicateOutput(page, many=True).data)


class DuplicateDismissApi(ApiView):
    """Mark two nodes as not duplicates: their pair is never listed again. Owner and editors."""

    class DismissInput(serializers.Serializer):
        a = StrictCharField(max_length=KEY_MAX_LENGTH)
        b = StrictCharField(max_length=KEY_MAX_LENGTH)

    @extend_schema(
        request=DismissInput,
        responses={
            201: inline_serializer(
                "DuplicateDismissed",
                {"a": serializers.CharField(), "b": serializers.CharField()},
            ),
            **errors(400, 401, 403, 404, 429),
        },
        description="201 when dismissed now, 200 when the pair was already dismissed.",
    )
    def post(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
        data = validated(self.DismissInput, request.data)
        _, created = duplicate_dismiss(
            map=the_map, a_key=data["a"], b_key=data["b"], by=request.user
        )
        return Response({"a": data["a"], "b": data["b"]}, status=201 if created else 200)
