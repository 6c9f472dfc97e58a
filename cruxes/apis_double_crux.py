"""REST API of one's own view of a map, of sharing one's credences, and of the double crux
(issue 18). Thin: cruxes.personal_views reads, cruxes.sharing writes."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from claims.access import Need, map_get_for_user
from core.api_base import ApiView, StrictCharField, errors, validated
from core.errors import ValidationFailed
from cruxes import personal_views, sharing
from cruxes.models import ShareAudience


class MyFrame(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    community = serializers.FloatField()
    mine = serializers.FloatField()
    gap = serializers.FloatField(help_text="mine - community")


class MyCrux(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    rank = serializers.IntegerField(help_text="its rank from my credences")
    score = serializers.FloatField()
    mine = serializers.FloatField(
        allow_null=True,
        help_text="its credence p_c in my view; null where I did not vote and the "
        "community's value is below the privacy floor",
    )
    my_vote = serializers.FloatField(allow_null=True)
    community = serializers.FloatField(
        allow_null=True, help_text="null below the privacy floor of voters"
    )
    community_rank = serializers.IntegerField(allow_null=True)


class MyDifference(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    community = serializers.FloatField()
    mine = serializers.FloatField()
    gap = serializers.FloatField()
    weight = serializers.FloatField(help_text="|gap| weighted by how much it matters (§16)")
    my_rank = serializers.IntegerField(allow_null=True)
    community_rank = serializers.IntegerField(allow_null=True)
    words = serializers.CharField()


class MyDifferences(serializers.Serializer):
    frames = MyDifference(many=True)
    cruxes = MyDifference(many=True)


class MyViewOutput(serializers.Serializer):
    map = serializers.CharField()
    graph_version = serializers.IntegerField()
    votes = serializers.IntegerField(help_text="how many of my credences the view uses")
    privacy_floor = serializers.IntegerField()
    frames = MyFrame(many=True)
    cruxes = MyCrux(many=True)
    differences = MyDifferences()


class MyViewApi(ApiView):
    @extend_schema(
        responses={200: MyViewOutput, **errors(401, 404)},
        summary="My view of the map: the frames and cruxes from my own credences",
        description="The frames' strengths and the crux ranking computed from the caller's "
        "credences (the community's where they did not vote), next to the community's, and "
        "where the two differ most (docs/RANKING.md §16). Signed in only.",
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
        return Response(personal_views.my_view(map=the_map, user=request.user))


class SharingOutput(serializers.Serializer):
    audience = serializers.CharField(help_text=f"one of {', '.join(ShareAudience.values)}")
    viewers = serializers.ListField(
        child=serializers.CharField(), help_text="usernames (audience 'chosen')"
    )


class SharingApi(ApiView):
    """Whom the caller shows their own credences on this map to (nobody by default)."""

    throttle_scope = "user"

    class SharingInput(serializers.Serializer):
        audience = StrictCharField(help_text=f"one of {', '.join(ShareAudience.values)}")
        viewers = serializers.ListField(child=StrictCharField(), required=False, default=list)

    @extend_schema(responses={200: SharingOutput, **errors(401, 404)})
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
        return Response(SharingOutput(sharing.sharing_get(user=request.user, map=the_map)).data)

    @extend_schema(
        request=SharingInput,
        responses={200: SharingOutput, **errors(400, 401, 404, 429)},
        description="`nobody` (the default), `everyone` (anyone signed in who may read the "
        "map), or `chosen` with `viewers`, a list of usernames (not yourself).",
    )
    def put(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
        data = validated(self.SharingInput, request.data)
        answer = sharing.sharing_set(
            user=request.user, map=the_map, audience=data["audience"], viewers=data["viewers"]
        )
        return Response(SharingOutput(answer).data)


class SideValue(serializers.Serializer):
    credence = serializers.FloatField(
        allow_null=True,
        help_text="the crux's credence p_c in this side's view; null where the side did "
        "not vote and the community's value is below the privacy floor",
    )
    vote = serializers.FloatField(allow_null=True, help_text="the side's own credence")
    own = serializers.BooleanField(help_text="false: the community's value stands in")


class CruxFrameMove(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    delta_a = serializers.FloatField()
    delta_b = serializers.FloatField()
    gap_before = serializers.FloatField()
    gap_after = serializers.FloatField()


class DoubleCruxRow(serializers.Serializer):
    position = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    a = SideValue()
    b = SideValue()
    probability = serializers.FloatField()
    reduction = serializers.FloatField(help_text="R(c), log-odds (docs/RANKING.md §17)")
    closer = serializers.FloatField()
    frames = CruxFrameMove(many=True)
    reason = serializers.CharField()


class FrameGapOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    a = serializers.FloatField()
    b = serializers.FloatField()
    gap = serializers.FloatField()


class SideLabel(serializers.Serializer):
    label = serializers.CharField()
    votes = serializers.IntegerField()


class DoubleCruxOutput(serializers.Serializer):
    map = serializers.CharField()
    graph_version = serializers.IntegerField()
    a = SideLabel()
    b = SideLabel()
    threshold = serializers.FloatField()
    no_frame_disagreement = serializers.BooleanField()
    frames = FrameGapOutput(many=True)
    cruxes = DoubleCruxRow(many=True)
    privacy_floor = serializers.IntegerField()

    def get_fields(self):
        # "with" is a Python keyword: the field is added here, not as an attribute.
        fields = super().get_fields()
        fields["with"] = serializers.DictField(
            help_text="the other side: {kind: person, username} | {kind: group, group, "
            "label, size} | {kind: groups, group, against, label, against_label}"
        )
        return fields


def _rows(raw: str | None) -> int:
    if raw is None or raw == "":
        return personal_views.DOUBLE_CRUX_ROWS
    if (
        not raw.isdigit()
        or len(raw) > 4
        or not 1 <= int(raw) <= personal_views.DOUBLE_CRUX_ROWS_MAX
    ):
        raise ValidationFailed(
            f"limit must be a whole number from 1 to {personal_views.DOUBLE_CRUX_ROWS_MAX}",
            fields={"limit": ["out of range"]},
        )
    return int(raw)


def double_crux_answer(request, the_map) -> dict:
    """?with=USERNAME, ?group=N, or ?group=N&against=M (shared with the page)."""
    params = request.GET
    known = {"with", "group", "against", "limit"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValidationFailed(
            f"unknown parameter {unknown[0]!r}; use with, group, against or limit",
            fields={unknown[0]: ["unknown parameter"]},
        )
    rows = _rows(params.get("limit"))
    username = params.get("with")
    group = personal_views.group_id(params.get("group"), "group")
    against = personal_views.group_id(params.get("against"), "against")
    if username is not None:
        if group is not None or against is not None:
            raise ValidationFailed(
                "give either ?with= or ?group=, not both", fields={"with": ["with group"]}
            )
        if not username.strip() or len(username) > 150:
            raise ValidationFailed("with must be a username", fields={"with": ["empty"]})
        return personal_views.double_crux_with_person(
            map=the_map, viewer=request.user, username=username.strip(), rows=rows
        )
    if group is None:
        raise ValidationFailed(
            "give ?with=USERNAME, ?group=N, or ?group=N&against=M",
            fields={"with": ["required"]},
        )
    if against is not None:
        return personal_views.double_crux_between_groups(
            map=the_map, group=group, against=against, rows=rows
        )
    return personal_views.double_crux_with_group(
        map=the_map, viewer=request.user, group=group, rows=rows
    )


class DoubleCruxApi(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("with", str, description="a username: my double crux with them"),
            OpenApiParameter("group", int, description="a school's id (GET .../groups/)"),
            OpenApiParameter("against", int, description="with group: school against school"),
            OpenApiParameter("limit", int, description="rows, 1-500 (50)"),
        ],
        responses={200: DoubleCruxOutput, **errors(400, 401, 403, 404)},
        summary="The double crux with a person or a school, or between two schools",
        description="The cruxes ranked by how much resolving each would reduce the "
        "disagreement on the frames the two sides disagree on (docs/RANKING.md §17). "
        "With a person: signed in, and they must have shared their credences with you "
        "(403 otherwise). With a school: signed in. School against school: anyone who may "
        "read the map.",
    )
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        return Response(DoubleCruxOutput(double_crux_answer(request, the_map)).data)
