from django.urls import path, re_path

from cruxes import apis, help_views, views

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
]
