"""REST API of credences and the crux ranking."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from claims.access import Need, map_get_for_user, node_get_for_user
from claims.selectors import node_get
from core.api_base import ApiView, StrictFloatField, errors, validated
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import check_key
from cruxes import selectors, services


class VoteOutput(serializers.Serializer):
    node = serializers.CharField()
    credence = serializers.FloatField()
    node_revision = serializers.IntegerField()
    current_revision = serializers.IntegerField()
    stale = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class VoteApi(ApiView):
    """The caller's own credence on a node (others' votes are never shown)."""

    # The busiest write: the node, its map and the caller's role come in one
    # query (node_get_for_user), and a PUT answers from the vote it wrote.
    throttle_scope = "vote"

    class VoteInput(serializers.Serializer):
        credence = StrictFloatField(min_value=0.01, max_value=0.99)

    @extend_schema(responses={200: VoteOutput, **errors(401, 404)})
    def get(self, request, slug, key):
        node = node_get_for_user(user=request.user, slug=slug, key=key, need=Need.VOTE)
        vote = selectors.vote_get(user=request.user, node=node)
        if vote is None:
            raise NotFound("you have not voted on this node")
        return Response(VoteOutput(vote).data)

    @extend_schema(
        request=VoteInput, responses={200: VoteOutput, **errors(400, 401, 404, 409, 429)}
    )
    def put(self, request, slug, key):
        node = node_get_for_user(user=request.user, slug=slug, key=key, need=Need.VOTE)
        if node.hidden_at is not None:
            # Moderated away (issue 16): out of the ranking, so a vote would count for nothing.
            raise Conflict("this node is hidden", fields={"node": ["hidden"]})
        data = validated(self.VoteInput, request.data)
        vote = services.vote_cast(user=request.user, node=node, credence=data["credence"])
        # vote_cast read the node's revision under its lock and the vote holds
        # it: the vote is current (not stale) by construction.
        answer = {
            "node": node.key,
            "credence": vote.credence,
            "node_revision": vote.node_revision,
            "current_revision": vote.node_revision,
            "stale": False,
            "updated_at": vote.updated_at,
        }
        return Response(VoteOutput(answer).data)

    @extend_schema(responses={204: None, **errors(401, 404, 429)})
    def delete(self, request, slug, key):
        node = node_get_for_user(user=request.user, slug=slug, key=key, need=Need.VOTE)
        services.vote_withdraw(user=request.user, node=node)
        return Response(status=204)


class EdgeVoteOutput(serializers.Serializer):
    edge = serializers.CharField()
    strength = serializers.FloatField()
    edge_revision = serializers.IntegerField()
    current_revision = serializers.IntegerField()
    stale = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class EdgeVoteApi(ApiView):
    """The caller's own strength of an edge, from 0 to 1: "if the source turned out true
    rather than false, how far would it move the target?" (others' votes are never shown)."""

    throttle_scope = "vote"

    class EdgeVoteInput(serializers.Serializer):
        strength = StrictFloatField(min_value=0.0, max_value=1.0)

    def _edge(self, request, slug: str, edge_key: str):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
        return selectors.edge_get_for_vote(map=the_map, key=edge_key)

    @extend_schema(responses={200: EdgeVoteOutput, **errors(401, 404)})
    def get(self, request, slug, edge_key):
        edge = self._edge(request, slug, edge_key)
        vote = selectors.edge_vote_get(user=request.user, edge=edge)
        if vote is None:
            raise NotFound("you have not voted on this edge")
        return Response(EdgeVoteOutput(vote).data)

    @extend_schema(
        request=EdgeVoteInput, responses={200: EdgeVoteOutput, **errors(400, 401, 404, 429)}
    )
    def put(self, request, slug, edge_key):
        edge = self._edge(request, slug, edge_key)
        data = validated(self.EdgeVoteInput, request.data)
        vote = services.edge_vote_cast(user=request.user, edge=edge, strength=data["strength"])
        answer = {
            "edge": edge.key,
            "strength": vote.strength,
            "edge_revision": vote.edge_revision,
            "current_revision": vote.edge_revision,  # read under the edge's lock
            "stale": False,
            "updated_at": vote.updated_at,
        }
        return Response(EdgeVoteOutput(answer).data)

    @extend_schema(responses={204: None, **errors(401, 404, 429)})
    def delete(self, request, slug, edge_key):
        edge = self._edge(request, slug, edge_key)
        services.edge_vote_withdraw(user=request.user, edge=edge)
        return Response(status=204)


class MyEdgeVote(serializers.Serializer):
    strength = serializers.FloatField()
    edge_revision = serializers.IntegerField()
    stale = serializers.BooleanField()


class EdgeStrengthOutput(serializers.Serializer):
    edge = serializers.CharField()
    n = serializers.IntegerField()
    # True below the privacy floor: then `strength` is null.
    withheld = serializers.BooleanField()
    # Pooled as the ranking pools it: each vote weighed by its voter's standing on the map,
    # the author's weight counting as pseudo-votes (docs/RANKING.md, "Edge votes").
    strength = serializers.FloatField(allow_null=True)
    member_n = serializers.IntegerField()
    # The owner's and admitted members' votes alone; null below the floor, or while the
    # other voters are fewer than the floor (the difference would show theirs).
    member_strength = serializers.FloatField(allow_null=True)
    author_weight = serializers.FloatField()
    privacy_floor = serializers.IntegerField()
    # The caller's own vote (null when none, or anonymous): shown to them only.
    mine = MyEdgeVote(allow_null=True)


class EdgeStrengthApi(ApiView):
    """Others' strengths of an edge, pooled (every voter's, and the members' alone);
    below the privacy floor only their number."""

    @extend_schema(responses={200: EdgeStrengthOutput, **errors(404)})
    def get(self, request, slug, edge_key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        edge = selectors.edge_get_for_vote(map=the_map, key=edge_key)
        summary = selectors.edge_strength(edge=edge, user=request.user)
        return Response(EdgeStrengthOutput(summary).data)


class CredenceFigures(serializers.Serializer):
    n = serializers.IntegerField()
    # True below the privacy floor (fewer voters than privacy_floor): then the
    # statistics, the histogram and the credence are null.
    withheld = serializers.BooleanField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    logodds_mean = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True)
    histogram = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    # Pooled in log-odds, each vote weighed by its voter's standing on the map.
    credence = serializers.FloatField(allow_null=True)


class MemberFigures(CredenceFigures):
    """The votes of the map's owner and admitted members alone. Also withheld while
    the other voters are fewer than the floor: the difference would show theirs."""


class CredenceOutput(CredenceFigures):
    privacy_floor = serializers.IntegerField()
    prior = serializers.FloatField()
    members = MemberFigures()


class CredenceApi(ApiView):
    """Others' votes on a node, aggregated (every voter's, and the members' alone);
    below the privacy floor only their number."""

    @extend_schema(responses={200: CredenceOutput, **errors(404)})
    def get(self, request, slug, key):
        the_map = map_get_for_user(user=request.user, slug=slug)
        node = node_get(map=the_map, key=key)
        return Response(CredenceOutput(selectors.credence_summary(node=node)).data)


def _positive_int(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationFailed(
            f"{name} must be a non-negative integer", fields={name: ["must be an integer"]}
        )
    return int(raw)


class RankingApi(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("frame", str), OpenApiParameter("limit", int)],
        responses={200: dict, **errors(400, 404)},
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        frame = request.query_params.get("frame") or None
        if frame is not None:
            # A key's format first: what cannot be a key (a NUL byte would even
            # reach PostgreSQL and fail there) is a 400 naming the parameter.
            check_key(frame, field="frame")
            node = node_get(map=the_map, key=frame, field="frame")
            if node.kind != "frame":
                raise ValidationFailed(
                    f"'{frame}' is a {node.kind}, not a frame", fields={"frame": ["not a frame"]}
                )
        limit = _positive_int(request.query_params.get("limit"), "limit")
        # Bytes, not a Response to render: the selector caches each run's JSON.
        body = selectors.ranking_latest_json(map=the_map, frame=frame, limit=limit)
        return HttpResponse(body, content_type="application/json")


class RunOutput(serializers.Serializer):
    graph_version = serializers.IntegerField()
    engine_version = serializers.CharField()
    status = serializers.CharField()
    error = serializers.CharField()
    computed_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()


class RankingRunsApi(ApiView):
    @extend_schema(responses={200: RunOutput(many=True), **errors(404)})
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        return Response(RunOutput(selectors.ranking_runs(map=the_map), many=True).data)


class RankingDiffApi(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True),
            OpenApiParameter("to", int, required=True),
        ],
        responses={200: dict, **errors(400, 404)},
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        v_from = _positive_int(request.query_params.get("from"), "from")
        v_to = _positive_int(request.query_params.get("to"), "to")
        if v_from is None or v_to is None:
            raise ValidationFailed(
                "give both ?from= and ?to= graph versions",
                fields={"from" if v_from is None else "to": ["required"]},
            )
        return Response(selectors.ranking_diff(map=the_map, v_from=v_from, v_to=v_to))
