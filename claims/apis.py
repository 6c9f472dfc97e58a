"""REST API of the graph: accounts, maps, members, nodes, edges, import/export.

Views are thin: validate with an input serializer, call one service or
selector, answer with an output serializer. Keys and slugs in URLs, never ids
(an edge's key is its id, as a node's).
"""

from django.conf import settings
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from claims import services
from claims.access import (
    Need,
    map_get_for_user,
    map_get_with_role,
    maps_visible_to,
    own_work_check,
)
from claims.apis_duplicates import duplicates_refusal
from claims.downloads import EXPORT_FORMATS, export_response
from claims.models import (
    KEY_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Contribution,
    Edge,
    EdgeKind,
    FrameCategory,
    MapMember,
    MemberRole,
    Node,
    NodeKind,
    Visibility,
)
from claims.selectors import (
    edge_get,
    edge_revisions,
    edges_of_map,
    node_get,
    node_revisions,
    node_seen_get,
    nodes_listed,
)
from core.api_base import (
    ApiView,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    errors,
    validated,
)
from core.errors import (
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    UnsupportedFormat,
    ValidationFailed,
)
from core.validation import check_key

# --- health ---------------------------------------------------------------


class HealthApi(ApiView):
    """Liveness: answers without touching the database (also the benchmarks' baseline)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        responses={200: inline_serializer("Health", {"status": serializers.CharField()})}
    )
    def get(self, request):
        return Response({"status": "ok"})


# --- maps -----------------------------------------------------------------


class MapOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    visibility = serializers.CharField()
    contribution = serializers.ChoiceField(
        Contribution.choices,
        help_text="closed: only the owner and editors add to the graph; open: anyone signed "
        "in who can see the map adds nodes and links them, and changes only what they wrote",
    )
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    graph_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    nodes = serializers.IntegerField(source="node_count")
    edges = serializers.IntegerField(source="edge_count")


class MapListApi(ApiView):
    class MapListInput(serializers.Serializer):
        slug = StrictCharField(max_length=KEY_MAX_LENGTH)
        title = StrictCharField(max_length=TITLE_MAX_LENGTH)
        description = StrictCharField(required=False, allow_blank=True, max_length=5000)
        visibility = serializers.ChoiceField(Visibility.choices, required=False)

    @extend_schema(responses={200: MapOutput(many=True)})
    def get(self, request):
        # The counts are the map's own fields (kept by the services): one row per
        # map, whatever the maps' sizes (issue 12, item 1).
        maps = maps_visible_to(user=request.user).select_related("owner").order_by("slug")
        return Response(MapOutput(maps, many=True).data)

    @extend_schema(request=MapListInput, responses={201: MapOutput, **errors(400, 401, 409)})
    def post(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to create a map")
        data = validated(self.MapListInput, request.data)
        the_map = services.map_create(owner=request.user, **data)
        return Response(MapOutput(the_map).data, status=201)


class MapDetailApi(ApiView):
    class MapDetailInput(serializers.Serializer):
        title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False)
        description = StrictCharField(required=False, allow_blank=True, max_length=5000)
        visibility = serializers.ChoiceField(Visibility.choices, required=False)
        contribution = serializers.ChoiceField(
            Contribution.choices,
            required=False,
            help_text="who may add to the graph: closed (owner and editors) or open "
            "(anyone signed in who can see the map; the owner only may change it)",
        )

    @extend_schema(responses={200: MapOutput, **errors(404)})
    def get(self, request, slug):
        return Response(MapOutput(map_get_for_user(user=request.user, slug=slug)).data)

    @extend_schema(request=MapDetailInput, responses={200: MapOutput, **errors(400, 401, 403, 404)})
    def patch(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
        data = validated(self.MapDetailInput, request.data)
        return Response(MapOutput(services.map_update(map=the_map, by=request.user, **data)).data)

    @extend_schema(responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
        services.map_delete(map=the_map)
        return Response(status=204)


class MemberSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    role = serializers.ChoiceField(MemberRole.choices)


class MemberApi(ApiView):
    class MemberRemoveInput(serializers.Serializer):
        username = StrictCharField(max_length=150)

    @extend_schema(responses={200: MemberSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
        members = (
            MapMember.objects.filter(map=the_map).select_related("user").order_by("user__username")
        )
        return Response([{"username": m.user.username, "role": m.role} for m in members])

    @extend_schema(
        request=MemberSerializer, responses={201: MemberSerializer, **errors(400, 401, 403, 404)}
    )
    def post(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
        data = validated(MemberSerializer, request.data)
        member = services.member_set(
            map=the_map, username=data["username"], role=data["role"], by=request.user
        )
        return Response({"username": member.user.username, "role": member.role}, status=201)

    @extend_schema(
        parameters=[OpenApiParameter("username", str, required=True)],
        responses={204: None, **errors(400, 401, 403, 404)},
    )
    def delete(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
        username = request.query_params.get("username") or (
            request.data.get("username") if isinstance(request.data, dict) else None
        )
        if not isinstance(username, str) or not username:
            raise ValidationFailed("username is required", fields={"username": ["required"]})
        # Through the field's checks: a NUL byte would reach PostgreSQL (a 500).
        data = validated(self.MemberRemoveInput, {"username": username})
        services.member_remove(map=the_map, username=data["username"], by=request.user)
        return Response(status=204)


# --- nodes ----------------------------------------------------------------

OWN_WORK = (
    "Owner and editors: any. On an open map, anyone else signed in: only what they "
    "created themselves (403 otherwise)."
)


class SourceSerializer(serializers.Serializer):
    document = StrictCharField(max_length=500)
    locator = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    quote = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class NodeOutput(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    prior = serializers.FloatField()
    revision = serializers.IntegerField()
    sources = SourceSerializer(many=True, source="sources.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    hidden = serializers.SerializerMethodField()

    def get_hidden(self, node: Node) -> bool:
        """True when the map's moderators hid the node (only they see it then)."""
        return node.hidden_at is not None


class NodePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _page_of(name: str, results: serializers.Serializer):
    """The OpenAPI shape of one page of a list (PageNumberPagination's answer)."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": results,
        },
    )


NODE_PAGE = _page_of("NodePage", NodeOutput(many=True))


class NodeListApi(ApiView):
    class NodeListFilter(serializers.Serializer):
        kind = serializers.ChoiceField(NodeKind.choices, required=False)
        category = serializers.ChoiceField(FrameCategory.choices, required=False)
        q = serializers.CharField(required=False, max_length=200, allow_blank=True)
        hidden = serializers.ChoiceField(
            ["0", "1"], required=False, help_text="1: hidden nodes too (owner and editors)"
        )

    class NodeListInput(serializers.Serializer):
        key = StrictCharField(max_length=KEY_MAX_LENGTH, required=False)
        kind = serializers.ChoiceField(NodeKind.choices)
        title = StrictCharField(max_length=TITLE_MAX_LENGTH)
        text = StrictCharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
        category = serializers.ChoiceField(FrameCategory.choices, required=False, allow_null=True)
        prior = StrictFloatField(min_value=0.01, max_value=0.99, required=False)
        sources = SourceSerializer(many=True, required=False, max_length=50)

    @extend_schema(
        parameters=[
            NodeListFilter,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: NODE_PAGE, **errors(400, 404)},
        operation_id="v1_maps_nodes_list",
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        filters = self.NodeListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        nodes = (
            nodes_listed(map=the_map, user=request.user, hidden=f.get("hidden"))
            .prefetch_related("sources")
            .order_by("key")
        )
        if "kind" in f:
            nodes = nodes.filter(kind=f["kind"])
        if "category" in f:
            nodes = nodes.filter(category=f["category"])
        if f.get("q"):
            nodes = nodes.filter(Q(title__icontains=f["q"]) | Q(text__icontains=f["q"]))
        paginator = NodePagination()
        page = paginator.paginate_queryset(nodes, request, view=self)
        return paginator.get_paginated_response(NodeOutput(page, many=True).data)

    @extend_schema(
        request=NodeListInput,
        parameters=[
            OpenApiParameter("check_duplicates", str, enum=["1", "0"]),
            OpenApiParameter("force", str, enum=["1", "0"]),
        ],
        responses={201: NodeOutput, **errors(400, 401, 403, 404, 409)},
        description="Owner and editors; on an open map anyone signed in who can see it. "
        "With ?check_duplicates=1: 409 (code possible_duplicates, a `similar` list, no "
        'node made) when nodes of the map read alike, unless {"force": true} or ?force=1.',
    )
    def post(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.CONTRIBUTE)
        data = validated(self.NodeListInput, request.data)
        refusal = duplicates_refusal(request=request, the_map=the_map, data=data)
        if refusal is not None:
            return refusal
        node = services.node_create(map=the_map, created_by=request.user, **data)
        return Response(NodeOutput(node).data, status=201)


class NodeDetailApi(ApiView):
    class NodeDetailInput(serializers.Serializer):
        revision = StrictIntegerField(required=False, min_value=1)
        title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False)
        text = StrictCharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
        category = serializers.ChoiceField(FrameCategory.choices, required=False)
        prior = StrictFloatField(min_value=0.01, max_value=0.99, required=False)

    @extend_schema(responses={200: NodeOutput, **errors(404)})
    def get(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        return Response(NodeOutput(node_seen_get(map=the_map, key=key, user=request.user)).data)

    @extend_schema(
        request=NodeDetailInput,
        responses={200: NodeOutput, **errors(400, 401, 403, 404, 409)},
        description=OWN_WORK,
    )
    def patch(self, request, slug, key):
        the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
        node = node_get(map=the_map, key=key)
        own_work_check(user=request.user, map=the_map, author_id=node.created_by_id, role=role)
        data = validated(self.NodeDetailInput, request.data)
        node = services.node_update(
            node=node, edited_by=request.user, expected_revision=data.pop("revision", None), **data
        )
        return Response(NodeOutput(node_get(map=the_map, key=node.key)).data)

    @extend_schema(responses={204: None, **errors(401, 403, 404)}, description=OWN_WORK)
    def delete(self, request, slug, key):
        the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
        node = node_get(map=the_map, key=key)
        own_work_check(user=request.user, map=the_map, author_id=node.created_by_id, role=role)
        services.node_delete(node=node, user=request.user)
        return Response(status=204)


class RevisionOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    edited_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class NodeRevisionsApi(ApiView):
    @extend_schema(responses={200: RevisionOutput(many=True), **errors(404)})
    def get(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        node = node_get(map=the_map, key=key)
        return Response(RevisionOutput(node_revisions(node=node), many=True).data)


# --- edges ----------------------------------------------------------------


class EdgeOutput(serializers.Serializer):
    id = serializers.CharField(source="key")
    source = serializers.CharField(source="source.key")
    target = serializers.CharField(source="target.key", allow_null=True)
    target_edge = serializers.CharField(source="target_edge.key", allow_null=True)
    kind = serializers.CharField()
    weight = serializers.FloatField()
    rationale = serializers.CharField()
    sources = SourceSerializer(many=True, source="sources.all")
    group = serializers.CharField(allow_null=True)
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


EDGE_PAGE = _page_of("EdgePage", EdgeOutput(many=True))


class EdgeListApi(ApiView):
    class EdgeListInput(serializers.Serializer):
        id = StrictCharField(max_length=KEY_MAX_LENGTH, required=False)
        source = StrictCharField(max_length=KEY_MAX_LENGTH)
        target = StrictCharField(
            max_length=KEY_MAX_LENGTH, required=False, allow_null=True, default=None
        )
        target_edge = StrictCharField(
            max_length=KEY_MAX_LENGTH, required=False, allow_null=True, default=None
        )
        kind = serializers.ChoiceField(EdgeKind.choices)
        weight = StrictFloatField(min_value=0.0, max_value=1.0, required=False, default=1.0)
        rationale = StrictCharField(
            max_length=RATIONALE_MAX_LENGTH, required=False, allow_blank=True, default=""
        )
        sources = SourceSerializer(many=True, required=False, max_length=50, default=list)
        group = StrictCharField(
            max_length=KEY_MAX_LENGTH, required=False, allow_null=True, default=None
        )

    class EdgeListFilter(serializers.Serializer):
        node = StrictCharField(max_length=KEY_MAX_LENGTH, required=False)
        kind = serializers.ChoiceField(EdgeKind.choices, required=False)

    @extend_schema(
        parameters=[
            EdgeListFilter,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: EDGE_PAGE, **errors(400, 404)},
        operation_id="v1_maps_edges_list",
    )
    def get(self, request, slug):
        # Paged like nodes: a 100k-node map has ~300k edges, too many for one answer
        # (the whole graph at once is the streamed export).
        the_map = map_get_for_user(user=request.user, slug=slug)
        filters = self.EdgeListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        edges = edges_of_map(map=the_map)
        if "node" in f:
            check_key(f["node"], field="node")  # a NUL byte must not reach PostgreSQL
            node = node_get(map=the_map, key=f["node"], field="node")
            # Its arguments both ways, and the undercuts it makes (their source is the node).
            edges = edges.filter(Q(source=node) | Q(target=node))
        if "kind" in f:
            edges = edges.filter(kind=f["kind"])
        paginator = NodePagination()
        page = paginator.paginate_queryset(edges, request, view=self)
        return paginator.get_paginated_response(EdgeOutput(page, many=True).data)

    @extend_schema(
        request=EdgeListInput,
        responses={201: EdgeOutput, **errors(400, 401, 403, 404, 409)},
        description="An edge from a node to a node (`target`), or, of kind `undercuts`, "
        "to another edge (`target_edge`, that edge's id). `id` defaults to "
        "`<source>--<kind>--<target or target_edge>`. Owner and editors; on an open map "
        "anyone signed in who can see it.",
    )
    def post(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.CONTRIBUTE)
        data = validated(self.EdgeListInput, request.data)
        source = _body_node(the_map, data["source"], "source")
        target = _body_node(the_map, data["target"], "target") if data["target"] else None
        target_edge = (
            _body_edge(the_map, data["target_edge"], "target_edge") if data["target_edge"] else None
        )
        edge = services.edge_create(
            map=the_map,
            source=source,
            target=target,
            target_edge=target_edge,
            kind=data["kind"],
            weight=data["weight"],
            key=data.get("id"),
            rationale=data["rationale"],
            sources=data["sources"],
            group=data["group"],
            created_by=request.user,
        )
        return Response(EdgeOutput(edge_get(map=the_map, key=edge.key)).data, status=201)


def _body_node(the_map, key: str, field: str) -> Node:
    """A node named in the request body: unknown is a 400 naming the field."""
    try:
        return node_get(map=the_map, key=key, field=field)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields=exc.fields) from exc


def _body_edge(the_map, key: str, field: str) -> Edge:
    """An edge named in the request body: unknown is a 400 naming the field."""
    try:
        return edge_get(map=the_map, key=key, field=field)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields=exc.fields) from exc


class EdgeDetailApi(ApiView):
    class EdgeDetailInput(serializers.Serializer):
        revision = StrictIntegerField(
            required=False,
            min_value=1,
            help_text="the revision you saw: a 409 if the edge changed since (optional)",
        )
        kind = serializers.ChoiceField(EdgeKind.choices, required=False)
        weight = StrictFloatField(min_value=0.0, max_value=1.0, required=False)
        rationale = StrictCharField(
            max_length=RATIONALE_MAX_LENGTH, required=False, allow_blank=True
        )
        sources = SourceSerializer(many=True, required=False, max_length=50)
        group = StrictCharField(
            max_length=KEY_MAX_LENGTH,
            required=False,
            allow_null=True,
            help_text="null takes the edge out of its group",
        )

    @extend_schema(responses={200: EdgeOutput, **errors(404)})
    def get(self, request, slug, edge_key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        return Response(EdgeOutput(edge_get(map=the_map, key=edge_key)).data)

    @extend_schema(
        request=EdgeDetailInput,
        responses={200: EdgeOutput, **errors(400, 401, 403, 404, 409)},
        description=OWN_WORK,
    )
    def patch(self, request, slug, edge_key):
        the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
        edge = edge_get(map=the_map, key=edge_key)
        own_work_check(
            user=request.user, map=the_map, author_id=edge.created_by_id, role=role, thing="link"
        )
        data = validated(self.EdgeDetailInput, request.data)
        edge = services.edge_update(
            edge=edge, user=request.user, expected_revision=data.pop("revision", None), **data
        )
        return Response(EdgeOutput(edge_get(map=the_map, key=edge.key)).data)

    @extend_schema(responses={204: None, **errors(401, 403, 404)}, description=OWN_WORK)
    def delete(self, request, slug, edge_key):
        the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
        edge = edge_get(map=the_map, key=edge_key)
        own_work_check(
            user=request.user, map=the_map, author_id=edge.created_by_id, role=role, thing="link"
        )
        services.edge_delete(edge=edge, user=request.user)
        return Response(status=204)


class EdgeRevisionOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    rationale = serializers.CharField()
    weight = serializers.FloatField()
    group = serializers.CharField(allow_null=True)
    sources = SourceSerializer(many=True)
    edited_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class EdgeRevisionsApi(ApiView):
    @extend_schema(responses={200: EdgeRevisionOutput(many=True), **errors(404)})
    def get(self, request, slug, edge_key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        edge = edge_get(map=the_map, key=edge_key)
        return Response(EdgeRevisionOutput(edge_revisions(edge=edge), many=True).data)


# --- import and export ----------------------------------------------------


class ExportApi(ApiView):
    # A whole-map download costs seconds on a large map when its version is not
    # stored yet: anonymous callers count against the "export" rate per address;
    # people logged in only against the user-wide one (as the HTML download).
    throttle_scope = "export"

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.user.is_authenticated:
            return [t for t in throttles if not isinstance(t, ScopedRateThrottle)]
        return throttles

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(EXPORT_FORMATS))],
        responses={(200, "application/json"): dict, **errors(404, 415, 429)},
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        fmt = request.query_params.get("format", "argmap")
        if fmt not in EXPORT_FORMATS:
            raise UnsupportedFormat(
                f"format must be one of {list(EXPORT_FORMATS)}", fields={"format": ["unsupported"]}
            )
        return export_response(map=the_map, format=fmt)


class ImportOutput(serializers.Serializer):
    slug = serializers.CharField()
    nodes = serializers.IntegerField()
    edges = serializers.IntegerField()
    votes = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField())


class ImportApi(ApiView):
    throttle_scope = "import"

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["argmap", "aif"]),
            OpenApiParameter("slug", str),
            OpenApiParameter(
                "visibility",
                str,
                enum=Visibility.values,
                description="overrides the file's own visibility; omit it to keep the file's "
                "(public when the file names none)",
            ),
        ],
        request={"application/json": dict, "multipart/form-data": dict},
        responses={201: ImportOutput, **errors(400, 401, 409, 413, 415, 429)},
    )
    def post(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to import a map")
        data = _read_upload(request)
        params = request.query_params
        result = services.map_import_upload(
            data=data,
            owner=request.user,
            format=params.get("format"),
            slug=params.get("slug"),
            visibility=params.get("visibility"),
        )
        return Response(ImportOutput(result).data, status=201)


def _read_upload(request) -> bytes:
    """The uploaded file's bytes, refusing an oversized one before parsing it."""
    limit = settings.ARGMAP_MAX_IMPORT_BYTES
    too_big = PayloadTooLarge(
        f"the file is larger than {limit} bytes (ARGMAP_MAX_IMPORT_BYTES)",
        fields={"file": ["too large"]},
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:  # room for multipart framing
        raise too_big
    django_request = request._request
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        upload = django_request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                "send the map as a form field named 'file'", fields={"file": ["required"]}
            )
        if upload.size > limit:
            raise too_big
        return upload.read()
    body = django_request.read(limit + 1)
    if len(body) > limit:
        raise too_big
    if not body:
        raise ValidationFailed(
            "the request body is empty; send the map file", fields={"file": ["required"]}
        )
    return body
