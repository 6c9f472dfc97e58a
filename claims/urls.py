from django.urls import path

from claims import (
    apis,
    apis_duplicates,
    apis_membership,
    apis_merge,
    apis_moderation,
    views,
    views_duplicates,
    views_membership,
    views_merge,
    views_moderation,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("import-export/", views.import_export, name="import_export"),
    path("maps/<slug:slug>/graph/", views.graph_page, name="graph"),
    path("maps/<slug:slug>/graph.json", views.graph_data, name="graph_data"),
    path("maps/<slug:slug>/search-options/", views.search_options, name="search_options"),
    path("maps/<slug:slug>/edge-options/", views.edge_options, name="edge_options"),
    path("maps/<slug:slug>/export/<str:fmt>/", views.export_file, name="export_file"),
    path("maps/<slug:slug>/members/", views.members_page, name="members"),
    path("maps/<slug:slug>/members/remove/", views.member_remove, name="member_remove"),
    path("maps/<slug:slug>/join/", views_membership.join_request_page, name="join_request"),
    path(
        "maps/<slug:slug>/join/<int:request_id>/withdraw/",
        views_membership.join_request_withdraw,
        name="join_request_withdraw",
    ),
    path(
        "maps/<slug:slug>/join-requests/<int:request_id>/<str:decision>/",
        views_membership.join_request_decide,
        name="join_request_decide",
    ),
    path("maps/<slug:slug>/nodes/<slug:key>/merge/", views_merge.merge_page, name="node_merge"),
    path(
        "maps/<slug:slug>/merges/<int:merge_id>/undo/",
        views_merge.merge_undo,
        name="merge_undo",
    ),
    # Duplicates (issue 17): before nodes/<key>/..., which a fixed segment must not meet.
    path(
        "maps/<slug:slug>/similar-nodes/",
        views_duplicates.similar_nodes_partial,
        name="similar_nodes",
    ),
    path("maps/<slug:slug>/duplicates/", views_duplicates.duplicates_section, name="duplicates"),
    path(
        "maps/<slug:slug>/duplicates/dismiss/",
        views_duplicates.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
    path("maps/<slug:slug>/nodes/<slug:key>/add/", views.node_add, name="node_add"),
    path("maps/<slug:slug>/nodes/<slug:key>/link/", views.node_link, name="node_link"),
    path("maps/<slug:slug>/nodes/<slug:key>/edit/", views.node_edit, name="node_edit"),
    path("maps/<slug:slug>/nodes/<slug:key>/edge-edit/", views.edge_edit, name="edge_edit"),
    path("maps/<slug:slug>/nodes/<slug:key>/delete/", views.node_delete, name="node_delete"),
    path("maps/<slug:slug>/nodes/<slug:key>/edge-delete/", views.edge_delete, name="edge_delete"),
    # Moderation (owner and editors): POST forms on the node page.
    path("maps/<slug:slug>/nodes/<slug:key>/hide/", views_moderation.node_hide, name="node_hide"),
    path(
        "maps/<slug:slug>/nodes/<slug:key>/restore/",
        views_moderation.node_restore,
        name="node_restore",
    ),
    path(
        "maps/<slug:slug>/nodes/<slug:key>/revert/",
        views_moderation.node_revert,
        name="node_revert",
    ),
    path(
        "maps/<slug:slug>/nodes/<slug:key>/edge-revert/",
        views_moderation.edge_revert,
        name="edge_revert",
    ),
]

api_urlpatterns = [
    path("health/", apis.HealthApi.as_view()),
    path("maps/", apis.MapListApi.as_view()),
    path("maps/import/", apis.ImportApi.as_view()),
    path("maps/<slug:slug>/", apis.MapDetailApi.as_view()),
    path("maps/<slug:slug>/members/", apis.MemberApi.as_view()),
    path("maps/<slug:slug>/join-requests/", apis_membership.JoinRequestListApi.as_view()),
    path(
        "maps/<slug:slug>/join-requests/<int:request_id>/approve/",
        apis_membership.JoinRequestApproveApi.as_view(),
    ),
    path(
        "maps/<slug:slug>/join-requests/<int:request_id>/decline/",
        apis_membership.JoinRequestDeclineApi.as_view(),
    ),
    path(
        "maps/<slug:slug>/join-requests/<int:request_id>/withdraw/",
        apis_membership.JoinRequestWithdrawApi.as_view(),
    ),
    path("maps/<slug:slug>/nodes/", apis.NodeListApi.as_view()),
    # Before nodes/<key>/: "similar" is not a node key here.
    path("maps/<slug:slug>/nodes/similar/", apis_duplicates.SimilarNodesApi.as_view()),
    path("maps/<slug:slug>/duplicates/", apis_duplicates.DuplicateListApi.as_view()),
    path("maps/<slug:slug>/duplicates/dismiss/", apis_duplicates.DuplicateDismissApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/", apis.NodeDetailApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/revisions/", apis.NodeRevisionsApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/hide/", apis_moderation.NodeHideApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/restore/", apis_moderation.NodeRestoreApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/revert/", apis_moderation.NodeRevertApi.as_view()),
    # Merges (issue 17): owner and editors.
    path("maps/<slug:slug>/nodes/<slug:key>/merge/", apis_merge.NodeMergeApi.as_view()),
    path("maps/<slug:slug>/merges/", apis_merge.MergeListApi.as_view()),
    path("maps/<slug:slug>/merges/<int:merge_id>/undo/", apis_merge.MergeUndoApi.as_view()),
    path("maps/<slug:slug>/edges/", apis.EdgeListApi.as_view()),
    # By key. Only these two paths under an edge: its vote and strength are the votes
    # app's (cruxes.urls), which a pattern here must not swallow.
    path("maps/<slug:slug>/edges/<slug:edge_key>/", apis.EdgeDetailApi.as_view()),
    path("maps/<slug:slug>/edges/<slug:edge_key>/revisions/", apis.EdgeRevisionsApi.as_view()),
    # Fixed last segment (revert/), like revisions/: not the votes app's vote/ or strength/.
    path("maps/<slug:slug>/edges/<slug:edge_key>/revert/", apis_moderation.EdgeRevertApi.as_view()),
    path("maps/<slug:slug>/export/", apis.ExportApi.as_view()),
]
