"""The discussion's pages and API endpoints (mounted by argmap/urls.py)."""

from django.urls import path

from discussion import apis, views

urlpatterns = [
    path(
        "maps/<slug:slug>/nodes/<slug:key>/discussion/",
        views.node_discussion,
        name="node_discussion",
    ),
    path(
        "maps/<slug:slug>/edges/<slug:edge_key>/discussion/",
        views.edge_discussion,
        name="edge_discussion",
    ),
    path(
        "maps/<slug:slug>/comments/<int:comment_id>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
    path(
        "maps/<slug:slug>/comments/<int:comment_id>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path(
        "maps/<slug:slug>/comments/<int:comment_id>/hide/",
        views.comment_hide,
        name="comment_hide",
    ),
    path(
        "maps/<slug:slug>/comments/<int:comment_id>/unhide/",
        views.comment_unhide,
        name="comment_unhide",
    ),
]

# `comments/` past a node's or edge's key: claims' patterns there end at the key or
# at revisions/, the votes app's at vote/, credence/ or strength/; none matches
# these, whatever the include order.
api_urlpatterns = [
    path("maps/<slug:slug>/nodes/<slug:key>/comments/", apis.NodeCommentsApi.as_view()),
    path("maps/<slug:slug>/edges/<slug:edge_key>/comments/", apis.EdgeCommentsApi.as_view()),
    path("maps/<slug:slug>/comments/<int:comment_id>/", apis.CommentDetailApi.as_view()),
    path("maps/<slug:slug>/comments/<int:comment_id>/hide/", apis.CommentHideApi.as_view()),
    path("maps/<slug:slug>/comments/<int:comment_id>/unhide/", apis.CommentUnhideApi.as_view()),
    path(
        "maps/<slug:slug>/comments/<int:comment_id>/revisions/",
        apis.CommentRevisionsApi.as_view(),
    ),
]
