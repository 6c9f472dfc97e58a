"""REST API of the activity log and of watches.

GET maps/{slug}/activity/ (filters actor, node, verb; keyset pages: before, limit),
GET me/activity/, PUT/DELETE maps/{slug}/watch/ and maps/{slug}/nodes/{key}/watch/,
GET me/watches/. Thin: checks in claims.access, reads in discussion.activity,
writes in discussion.watch.
"""

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from claims.access import map_get_for_user, map_role
from claims.models import ActivityVerb
from claims.selectors import node_get
from core.api_base import ApiView, errors
from core.errors import NotAuthenticated
from discussion import activity
from discussion.watch import watch_remove, watch_set


class NamedNodeOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class ActivityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    verb = serializers.ChoiceField(ActivityVerb.choices)
    text = serializers.CharField(help_text="The entry in words: alice added the crux “X”.")
    actor = serializers.CharField(allow_null=True, help_text="Username; null for the ranking.")
    map = serializers.CharField(help_text="The map's slug.")
    node = serializers.CharField(allow_null=True, help_text="The node's key, if about a node.")
    edge = serializers.CharField(allow_null=True, help_text="The link's key, if about a link.")
    title = serializers.CharField(help_text="The subject's title at the time.")
    url = serializers.CharField(allow_null=True, help_text="The page it is about (a path).")
    comment_id = serializers.IntegerField(allow_null=True)
    graph_version = serializers.IntegerField(allow_null=True)
    entered = NamedNodeOutput(many=True, help_text="ranking_changed: cruxes now in the top ten.")
    left = NamedNodeOutput(many=True, help_text="ranking_changed: cruxes out of the top ten.")
    created_at = serializers.DateTimeField()


ACTIVITY_PAGE = inline_serializer(
    name="ActivityPage",
    fields={
        "next": serializers.CharField(
            allow_null=True, help_text="The next (older) page's URL; null on the last page."
        ),
        "results": ActivityOutput(many=True),
    },
)

PAGING = [
    OpenApiParameter(
        "before", int, description="Entries older than this id (the next page's link sets it)."
    ),
    OpenApiParameter(
        "limit",
        int,
        description=f"Entries per page, 1 to {activity.PAGE_SIZE_MAX} "
        f"(default {activity.PAGE_SIZE}).",
    ),
]


def _page_response(request, page: activity.ActivityPage) -> Response:
    next_url = None
    if page.next_before is not None:
        query = {k: v for k, v in request.query_params.items() if k != "before"}
        query["before"] = page.next_before
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
    return Response({"next": next_url, "results": ActivityOutput(page.entries, many=True).data})


class MapActivityApi(ApiView):
    @extend_schema(
        summary="A map's activity, newest first",
        description="What people did on the map (nodes added, links made, edits, comments, "
        "moderation) and ranking runs that changed the top ten. Never votes. Entries about "
        "hidden nodes are listed for the map's owner and editors only.",
        parameters=[
            OpenApiParameter("actor", str, description="Only what this username did."),
            OpenApiParameter(
                "node",
                str,
                description="Only entries about this node's key (and the links it is an end of).",
            ),
            OpenApiParameter("verb", str, enum=ActivityVerb.values),
            *PAGING,
        ],
        responses={200: ACTIVITY_PAGE, **errors(400, 404)},
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        filters = activity.activity_filters_check(request.query_params)
        page = activity.activity_of_map(
            map=the_map,
            user=request.user,
            role=map_role(user=request.user, map=the_map),
            filters=filters,
        )
        return _page_response(request, page)


class MyActivityApi(ApiView):
    @extend_schema(
        summary="My activity: what others did where I follow",
        description="On maps and nodes I watch, nodes I created and nodes or links I commented "
        "on; my own actions are left out, and so are maps I can no longer read.",
        parameters=PAGING,
        responses={200: ACTIVITY_PAGE, **errors(400, 401)},
    )
    def get(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to see your activity")
        filters = activity.activity_filters_check(
            {k: request.query_params.get(k) for k in ("before", "limit")}
        )
        page = activity.activity_for_user(
            user=request.user, before=filters.before, limit=filters.limit
        )
        return _page_response(request, page)


WATCH_OUTPUT = inline_serializer(
    name="Watch",
    fields={
        "map": serializers.CharField(),
        "map_title": serializers.CharField(),
        "node": serializers.CharField(allow_null=True),
        "node_title": serializers.CharField(allow_null=True),
        "watching": serializers.BooleanField(),
        "created_at": serializers.DateTimeField(),
    },
)


def _watch_data(watch) -> dict:
    return {
        "map": watch.map.slug,
        "map_title": watch.map.title,
        "node": watch.node.key if watch.node_id else None,
        "node_title": watch.node.title if watch.node_id else None,
        "watching": True,
        "created_at": watch.created_at,
    }


def _signed_in(request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated("log in to watch maps and nodes")


class MapWatchApi(ApiView):
    @extend_schema(
        summary="Watch a map",
        description="Its activity then shows under My activity. Idempotent: 201 when new, "
        "200 when already watched.",
        request=None,
        responses={200: WATCH_OUTPUT, 201: WATCH_OUTPUT, **errors(401, 404)},
    )
    def put(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        _signed_in(request)
        watch, created = watch_set(user=request.user, map=the_map)
        return Response(_watch_data(watch), status=201 if created else 200)

    @extend_schema(
        summary="Stop watching a map",
        description="Idempotent: 204 whether or not it was watched.",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        _signed_in(request)
        watch_remove(user=request.user, map=the_map)
        return Response(status=204)


class NodeWatchApi(ApiView):
    @extend_schema(
        summary="Watch a node",
        description="Its activity (edits, links, comments) then shows under My activity. "
        "Idempotent: 201 when new, 200 when already watched.",
        request=None,
        responses={200: WATCH_OUTPUT, 201: WATCH_OUTPUT, **errors(401, 404)},
    )
    def put(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        _signed_in(request)
        node = activity.watchable_node_get(user=request.user, map=the_map, key=key)
        watch, created = watch_set(user=request.user, map=the_map, node=node)
        return Response(_watch_data(watch), status=201 if created else 200)

    @extend_schema(
        summary="Stop watching a node",
        description="Idempotent: 204 whether or not it was watched.",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        _signed_in(request)
        watch_remove(user=request.user, map=the_map, node=node_get(map=the_map, key=key))
        return Response(status=204)


class WatchPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class MyWatchesApi(ApiView):
    @extend_schema(
        summary="What I watch",
        description="Maps and nodes I watch, on maps I can still read, newest first.",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={
            200: inline_serializer(
                name="WatchPage",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": serializers.ListField(child=WATCH_OUTPUT),
                },
            ),
            **errors(401, 404),
        },
    )
    def get(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to see what you watch")
        paginator = WatchPagination()
        page = paginator.paginate_queryset(
            activity.watches_of_user(user=request.user), request, view=self
        )
        return paginator.get_paginated_response([_watch_data(w) for w in page])
