"""REST API of the schools of thought (issue 18): the groups the worker found in a map's
votes. Readers of the map; thin, as cruxes.apis: the worker computes, the selector
(cruxes.schools_service.schools_view) reads, this view answers.

Groups never reveal their members: the answer has sizes and aggregates, an anonymous
scatter, and for a signed-in voter their own group and point only (`you`).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from claims.access import map_get_for_user
from core.api_base import ApiView, errors
from cruxes.schools_service import schools_view


class SeparatingCruxOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    gap = serializers.FloatField(help_text="group's mean log-odds minus everyone else's")
    score = serializers.FloatField(help_text="|gap| × the crux's impact on the frames")
    group_credence = serializers.FloatField()
    others_credence = serializers.FloatField()


class SchoolOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="the group's number: ?group= of the double crux")
    label = serializers.CharField()
    size = serializers.IntegerField()
    credences = serializers.DictField(
        child=serializers.FloatField(),
        help_text="node key -> the group's pooled credence (nodes with enough voters)",
    )
    frames = serializers.DictField(
        child=serializers.FloatField(), help_text="frame key -> strength in the group's view"
    )
    separating = SeparatingCruxOutput(many=True)


class FrameTitleOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()


class YouOutput(serializers.Serializer):
    group = serializers.IntegerField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    point = serializers.IntegerField(help_text="your index in `scatter`")


class CriterionOutput(serializers.Serializer):
    silhouette = serializers.FloatField(allow_null=True)
    null_silhouette = serializers.FloatField(allow_null=True)
    silhouettes = serializers.DictField(child=serializers.FloatField())
    silhouette_min = serializers.FloatField(required=False)
    null_margin = serializers.FloatField(required=False)
    null_permutations = serializers.IntegerField(required=False)


class SchoolsOutput(serializers.Serializer):
    state = serializers.CharField(
        help_text="pending (not computed yet), too_few_voters, one_school or schools"
    )
    floor = serializers.IntegerField(help_text="the least group size shown (PRIVACY_MIN_VOTERS)")
    graph_version = serializers.IntegerField(allow_null=True)
    stale = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)
    voters = serializers.IntegerField()
    k = serializers.IntegerField(help_text="groups found (1: no distinct schools)")
    groups = SchoolOutput(many=True)
    frames = FrameTitleOutput(many=True)
    scatter = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="anonymous points [x, y, group id or null], in a shuffled order",
    )
    you = YouOutput(allow_null=True)
    criterion = CriterionOutput(allow_null=True)


class SchoolsApi(ApiView):
    """The schools of thought (opinion groups) in the map's votes, as last computed by the
    worker: each group's size, pooled credences, frame strengths and separating cruxes,
    the anonymous scatter, and your own group and point if you voted. Readers of the map."""

    @extend_schema(responses={200: SchoolsOutput, **errors(404)})
    def get(self, request, slug):
        the_map = map_get_for_user(user=request.user, slug=slug)
        return Response(SchoolsOutput(schools_view(map=the_map, user=request.user)).data)
