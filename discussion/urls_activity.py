"""Routes of the activity log and watches: pages (urlpatterns) and API (api_urlpatterns,
mounted under /api/v1/ by argmap.urls)."""

from django.urls import path

from discussion import apis_activity, views_activity
from discussion.feeds import MapActivityFeed

urlpatterns = [
    path("me/activity/", views_activity.my_activity, name="my_activity"),
    path("maps/<slug:slug>/activity/", views_activity.map_activity, name="map_activity"),
    path("maps/<slug:slug>/activity.atom", MapActivityFeed(), name="map_activity_feed"),
    path("maps/<slug:slug>/watch/", views_activity.map_watch, name="map_watch"),
    path("maps/<slug:slug>/nodes/<slug:key>/watch/", views_activity.node_watch, name="node_watch"),
]

api_urlpatterns = [
    path("maps/<slug:slug>/activity/", apis_activity.MapActivityApi.as_view()),
    path("maps/<slug:slug>/watch/", apis_activity.MapWatchApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/watch/", apis_activity.NodeWatchApi.as_view()),
    path("me/activity/", apis_activity.MyActivityApi.as_view()),
    path("me/watches/", apis_activity.MyWatchesApi.as_view()),
]
