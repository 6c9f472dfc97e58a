from django.urls import path, re_path

from cruxes import (
    apis,
    apis_double_crux,
    apis_schools,
    help_views,
    views,
    views_double_crux,
    views_schools,
)

urlpatterns = [
    re_path(
        r"^how-ranking-works/(?:(?P<doc>RANKING\.md))?$",
        help_views.how_ranking_works,
        name="how_ranking_works",
    ),
    path("maps/<slug:slug>/", views.map_page, name="map"),
    path("maps/<slug:slug>/frames/<slug:key>/", views.frame_page, name="frame"),
    path("maps/<slug:slug>/nodes/<slug:key>/", views.node_page, name="node"),
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", views.vote, name="vote"),
    path("maps/<slug:slug>/edges/<slug:edge_key>/vote/", views.edge_vote, name="edge_vote"),
    path("maps/<slug:slug>/me/", views_double_crux.my_view_page, name="my_view"),
    path("maps/<slug:slug>/double-crux/", views_double_crux.double_crux_page, name="double_crux"),
    path("maps/<slug:slug>/schools/", views_schools.map_schools, name="map_schools"),
]

api_urlpatterns = [
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", apis.VoteApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/credence/", apis.CredenceApi.as_view()),
    # Two segments past the edge's key: claims' edge detail (edges/<key>/) never matches them.
    path("maps/<slug:slug>/edges/<slug:edge_key>/vote/", apis.EdgeVoteApi.as_view()),
    path("maps/<slug:slug>/edges/<slug:edge_key>/strength/", apis.EdgeStrengthApi.as_view()),
    path("maps/<slug:slug>/ranking/", apis.RankingApi.as_view()),
    path("maps/<slug:slug>/ranking/runs/", apis.RankingRunsApi.as_view()),
    path("maps/<slug:slug>/ranking/diff/", apis.RankingDiffApi.as_view()),
    path("maps/<slug:slug>/me/", apis_double_crux.MyViewApi.as_view()),
    path("maps/<slug:slug>/me/sharing/", apis_double_crux.SharingApi.as_view()),
    path("maps/<slug:slug>/double-crux/", apis_double_crux.DoubleCruxApi.as_view()),
    path("maps/<slug:slug>/groups/", apis_schools.SchoolsApi.as_view()),
]
