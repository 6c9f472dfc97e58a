"""REST API of requests to join a map (issue 16).

GET/POST /api/v1/maps/{slug}/join-requests/: the owner lists every request
(`?status=` filters), anyone else signed in lists and makes their own.
POST …/join-requests/{id}/approve/ and …/decline/ (owner, optional `reply`),
…/withdraw/ (the requester). Writes count against the same throttles as the
graph's other writes (the default anon/user rates).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from claims import services
from claims.access import Need, map_get_for_user
from claims.models import JOIN_MESSAGE_MAX_LENGTH, JoinStatus, MemberRole
from claims.selectors_membership import (
    join_request_get_for_user,
    join_requests_of_map,
    join_requests_of_user,
)
from core.api_base import ApiView, StrictCharField, errors, validated
from core.errors import NotAuthenticated


class JoinRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    map = serializers.CharField(source="map.slug")
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    reply = serializers.CharField()


class JoinRequestPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


JOIN_REQUEST_PAGE = inline_serializer(
    name="JoinRequestPage",
    fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": JoinRequestOutput(many=True),
    },
)


class DecisionInput(serializers.Serializer):
    reply = StrictCharField(
        max_length=JOIN_MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class JoinRequestListApi(ApiView):
    class JoinRequestInput(serializers.Serializer):
        role = serializers.ChoiceField(MemberRole.choices)
        message = StrictCharField(
            max_length=JOIN_MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

    class JoinRequestFilter(serializers.Serializer):
        status = serializers.ChoiceField(JoinStatus.choices, required=False)

    @extend_schema(
        parameters=[
            JoinRequestFilter,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: JOIN_REQUEST_PAGE, **errors(400, 401, 404)},
        description="The map's owner gets every request to join it (`status` filters); "
        "anyone else signed in gets their own requests on the map.",
        operation_id="v1_maps_join_requests_list",
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to see requests to join")
        filters = self.JoinRequestFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        status = filters.validated_data.get("status")
        if the_map.owner_id == request.user.pk:
            requests = join_requests_of_map(map=the_map, status=status)
        else:
            requests = join_requests_of_user(map=the_map, user=request.user)
            if status is not None:
                requests = requests.filter(status=status)
        paginator = JoinRequestPagination()
        page = paginator.paginate_queryset(requests, request, view=self)
        return paginator.get_paginated_response(JoinRequestOutput(page, many=True).data)

    @extend_schema(
        request=JoinRequestInput,
        responses={201: JoinRequestOutput, **errors(400, 401, 404, 409)},
        description="Ask the owner for a role (`voter` or `editor`) with a message of at most "
        f"{JOIN_MESSAGE_MAX_LENGTH} characters. 409 for the owner, for someone who already "
        "has that role or a higher one, and while a request of theirs is pending.",
    )
    def post(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
        data = validated(self.JoinRequestInput, request.data)
        join_request = services.join_request_create(map=the_map, user=request.user, **data)
        return Response(JoinRequestOutput(join_request).data, status=201)


class _DecisionApi(ApiView):
    """approve / decline: the map's owner answers a pending request (409 once decided)."""

    decide = None

    def post(self, request, slug, request_id):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
        join_request = join_request_get_for_user(
            map=the_map, request_id=request_id, user=request.user
        )
        data = validated(DecisionInput, request.data)
        decided = type(self).decide(request=join_request, by=request.user, reply=data["reply"])
        return Response(JoinRequestOutput(decided).data)


_DECISION_SCHEMA = {
    "request": DecisionInput,
    "responses": {200: JoinRequestOutput, **errors(400, 401, 403, 404, 409)},
}


class JoinRequestApproveApi(_DecisionApi):
    decide = staticmethod(services.join_request_approve)

    @extend_schema(
        **_DECISION_SCHEMA,
        description="Owner only: admit the requester with the role asked for (a member who "
        "already has a higher role keeps it), with an optional `reply`.",
    )
    def post(self, request, slug, request_id):
        return super().post(request, slug, request_id)


class JoinRequestDeclineApi(_DecisionApi):
    decide = staticmethod(services.join_request_decline)

    @extend_schema(
        **_DECISION_SCHEMA,
        description="Owner only: decline, with an optional `reply` the requester reads.",
    )
    def post(self, request, slug, request_id):
        return super().post(request, slug, request_id)


class JoinRequestWithdrawApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: JoinRequestOutput, **errors(401, 403, 404, 409)},
        description="The requester takes back a pending request.",
    )
    def post(self, request, slug, request_id):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
        join_request = join_request_get_for_user(
            map=the_map, request_id=request_id, user=request.user
        )
        withdrawn = services.join_request_withdraw(request=join_request, by=request.user)
        return Response(JoinRequestOutput(withdrawn).data)
