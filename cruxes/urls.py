from django.urls import path

from cruxes import apis, views

urlpatterns = [
    path("maps/<slug:slug>/", views.map_page, name="map"),
    path("maps/<slug:slug>/frames/<slug:key>/", views.frame_page, name="frame"),
    path("maps/<slug:slug>/nodes/<slug:key>/", views.node_page, name="node"),
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", views.vote, name="vote"),
]

api_urlpatterns = [
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", apis.VoteApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/credence/", apis.CredenceApi.as_view()),
    path("maps/<slug:slug>/ranking/", apis.RankingApi.as_view()),
    path("maps/<slug:slug>/ranking/runs/", apis.RankingRunsApi.as_view()),
    path("maps/<slug:slug>/ranking/diff/", apis.RankingDiffApi.as_view()),
]
