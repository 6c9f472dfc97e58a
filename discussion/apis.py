"""REST API of the discussion: threads on nodes and edges, one comment, its history.

A thread answers its comments nested: each top-level comment carries its
`replies`, each reply its own, down to COMMENT_MAX_DEPTH; `parent` and `depth`
are given too. Throttled like every other write (the default user and anonymous
rates). A private map's comments are a 404 for anyone not a member.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from claims.access import Need, map_check, map_get_for_user
from core.api_base import ApiView, StrictCharField, StrictIntegerField, errors, validated
from core.errors import PermissionDenied, ValidationFailed
from discussion import selectors, services
from discussion.models import COMMENT_MAX_LENGTH, Comment, CommentKind

MAX_ID = 2**63 - 1


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(allow_null=True, help_text="username; null: account deleted")
    kind = serializers.ChoiceField(CommentKind.choices)
    body = serializers.CharField(
        help_text="Markdown as written; empty when deleted, or hidden and you are not "
        "its author or a moderator"
    )
    html = serializers.CharField(help_text="the body rendered and sanitized (safe to show)")
    parent = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    hidden = serializers.BooleanField(help_text="hidden by the map's owner or an editor")
    replies = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(),
            help_text="the replies, oldest first, each a comment of this same shape",
        )
    )
    def get_replies(self, view: dict) -> list:
        return [CommentOutput(r).data for r in view["replies"]]


class ThreadOutput(serializers.Serializer):
    count = serializers.IntegerField(
        source="total", help_text="comments one can read (not deleted or hidden)"
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="readable comments by kind"
    )
    kind = serializers.CharField(allow_null=True)
    sort = serializers.CharField()
    results = CommentOutput(many=True, source="comments")


class ThreadFilter(serializers.Serializer):
    kind = serializers.ChoiceField(
        CommentKind.choices,
        required=False,
        help_text="only comments of this kind (each with its replies)",
    )
    sort = serializers.ChoiceField(
        selectors.SORTS,
        required=False,
        default="oldest",
        help_text="top-level comments oldest or newest first; replies are always oldest first",
    )


class CommentInput(serializers.Serializer):
    # Not trimmed: leading spaces are Markdown (an indented code block).
    body = StrictCharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=False)
    kind = serializers.ChoiceField(CommentKind.choices, required=False, default="comment")
    parent = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="the id of the comment this replies to (in the same thread)",
    )


class CommentEditInput(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=False, required=False)
    kind = serializers.ChoiceField(CommentKind.choices, required=False)
    revision = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="the revision you saw: a 409 if the comment changed since (optional)",
    )


class CommentRevisionOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    kind = serializers.ChoiceField(CommentKind.choices)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    current = serializers.BooleanField()


def _thread_response(request, *, the_map, node=None, edge=None) -> Response:
    filters = ThreadFilter(data=request.query_params)
    filters.is_valid(raise_exception=True)
    f = filters.validated_data
    data = selectors.thread(
        map=the_map,
        user=request.user,
        node=node,
        edge=edge,
        kind=f.get("kind"),
        sort=f["sort"],
    )
    return Response(ThreadOutput(data).data)


def _create(request, *, the_map, node=None, edge=None) -> Response:
    if not request.user.is_authenticated:
        # Before reading the body: an anonymous caller learns nothing about it.
        map_check(user=request.user, map=the_map, need=Need.VOTE)
    data = validated(CommentInput, request.data)
    parent = None
    if data.get("parent") is not None:
        parent = Comment.objects.filter(map=the_map, pk=data["parent"]).first()
        if parent is None:
            raise ValidationFailed(
                f"no comment {data['parent']} in this map to reply to",
                fields={"parent": ["unknown comment"]},
            )
    comment = services.comment_create(
        map=the_map,
        author=request.user,
        node=node,
        edge=edge,
        parent=parent,
        body=data["body"],
        kind=data["kind"],
    )
    return Response(_one(request, the_map, comment), status=201)


def _one(request, the_map, comment: Comment) -> dict:
    """One comment with its replies, as the viewer may see it."""
    data = selectors.thread(map=the_map, user=request.user, node=comment.node, edge=comment.edge)
    found = _find(data["comments"], comment.pk)
    assert found is not None
    return CommentOutput(found).data


def _find(views: list[dict], pk: int) -> dict | None:
    stack = list(views)
    while stack:
        view = stack.pop()
        if view["id"] == pk:
            return view
        stack.extend(view["replies"])
    return None


THREAD_PARAMS = [ThreadFilter]


class NodeCommentsApi(ApiView):
    @extend_schema(
        parameters=THREAD_PARAMS,
        responses={200: ThreadOutput, **errors(400, 404)},
        operation_id="v1_maps_nodes_comments_list",
        summary="A node's comments, nested",
    )
    def get(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        node = selectors.target_node_get(map=the_map, key=key, user=request.user)
        return _thread_response(request, the_map=the_map, node=node)

    @extend_schema(
        request=CommentInput,
        responses={201: CommentOutput, **errors(400, 401, 404, 409, 413, 429)},
        summary="Comment on a node, or reply (`parent`)",
        description="Anyone signed in who may vote on the map. The body is Markdown (links, "
        "emphasis, lists, code, quotes; no raw HTML, no images); `[[node-key]]` links to a node "
        f"of the map. At most {COMMENT_MAX_LENGTH} characters.",
    )
    def post(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        node = selectors.target_node_get(map=the_map, key=key, user=request.user)
        return _create(request, the_map=the_map, node=node)


class EdgeCommentsApi(ApiView):
    @extend_schema(
        parameters=THREAD_PARAMS,
        responses={200: ThreadOutput, **errors(400, 404)},
        operation_id="v1_maps_edges_comments_list",
        summary="An edge's (argument's) comments, nested",
    )
    def get(self, request, slug, edge_key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        edge = selectors.target_edge_get(map=the_map, key=edge_key, user=request.user)
        return _thread_response(request, the_map=the_map, edge=edge)

    @extend_schema(
        request=CommentInput,
        responses={201: CommentOutput, **errors(400, 401, 404, 409, 413, 429)},
        summary="Comment on an edge, or reply (`parent`)",
    )
    def post(self, request, slug, edge_key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        edge = selectors.target_edge_get(map=the_map, key=edge_key, user=request.user)
        return _create(request, the_map=the_map, edge=edge)


class CommentDetailApi(ApiView):
    @extend_schema(responses={200: CommentOutput, **errors(404)}, summary="One comment")
    def get(self, request, slug, comment_id):
        the_map = map_get_for_user(user=request.user, slug=slug)
        comment = selectors.comment_get(map=the_map, comment_id=comment_id)
        return Response(_one(request, the_map, comment))

    @extend_schema(
        request=CommentEditInput,
        responses={200: CommentOutput, **errors(400, 401, 403, 404, 409)},
        summary="Edit your comment (its earlier text is kept)",
    )
    def patch(self, request, slug, comment_id):
        the_map = map_get_for_user(user=request.user, slug=slug)
        comment = selectors.comment_get(map=the_map, comment_id=comment_id)
        if not request.user.is_authenticated:
            map_check(user=request.user, map=the_map, need=Need.VOTE)
        data = validated(CommentEditInput, request.data)
        comment = services.comment_edit(
            comment=comment,
            user=request.user,
            body=data.get("body"),
            kind=data.get("kind"),
            expected_revision=data.get("revision"),
        )
        return Response(
            _one(request, the_map, selectors.comment_get(map=the_map, comment_id=comment.pk))
        )

    @extend_schema(
        responses={204: None, **errors(401, 403, 404)},
        summary="Delete your comment (the thread shows it deleted)",
    )
    def delete(self, request, slug, comment_id):
        the_map = map_get_for_user(user=request.user, slug=slug)
        comment = selectors.comment_get(map=the_map, comment_id=comment_id)
        if not request.user.is_authenticated:
            map_check(user=request.user, map=the_map, need=Need.VOTE)
        services.comment_delete(comment=comment, user=request.user)
        return Response(status=204)


class CommentHideApi(ApiView):
    hide = True

    @extend_schema(
        request=None,
        responses={200: CommentOutput, **errors(401, 403, 404)},
        summary="Hide a comment (the map's owner and editors)",
    )
    def post(self, request, slug, comment_id):
        the_map = map_get_for_user(user=request.user, slug=slug)
        comment = selectors.comment_get(map=the_map, comment_id=comment_id)
        change = services.comment_hide if self.hide else services.comment_unhide
        change(comment=comment, user=request.user)
        return Response(_one(request, the_map, comment))


class CommentUnhideApi(CommentHideApi):
    hide = False

    @extend_schema(
        request=None,
        responses={200: CommentOutput, **errors(401, 403, 404)},
        summary="Show a hidden comment again (the map's owner and editors)",
    )
    def post(self, request, slug, comment_id):
        return super().post(request, slug, comment_id)


class CommentRevisionsApi(ApiView):
    @extend_schema(
        responses={200: CommentRevisionOutput(many=True), **errors(403, 404)},
        summary="A comment's history, oldest first",
        description="Anyone who reads the map, for a comment in view; a deleted or hidden "
        "comment's history only for its author and the map's owner and editors.",
    )
    def get(self, request, slug, comment_id):
        the_map = map_get_for_user(user=request.user, slug=slug)
        comment = selectors.comment_get(map=the_map, comment_id=comment_id)
        if comment.deleted_at is not None or comment.hidden_at is not None:
            mine = request.user.is_authenticated and comment.author_id == request.user.pk
            if not mine and not services.is_moderator(user=request.user, map=the_map):
                raise PermissionDenied(
                    "a deleted or hidden comment's history is for its author and the "
                    "map's owner and editors only"
                )
        return Response(
            CommentRevisionOutput(selectors.comment_revisions(comment=comment), many=True).data
        )
