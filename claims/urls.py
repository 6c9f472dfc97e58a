from django.urls import path

from claims import apis, views

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
    path("maps/<slug:slug>/nodes/<slug:key>/add/", views.node_add, name="node_add"),
    path("maps/<slug:slug>/nodes/<slug:key>/link/", views.node_link, name="node_link"),
    path("maps/<slug:slug>/nodes/<slug:key>/edit/", views.node_edit, name="node_edit"),
    path("maps/<slug:slug>/nodes/<slug:key>/edge-edit/", views.edge_edit, name="edge_edit"),
]

api_urlpatterns = [
    path("health/", apis.HealthApi.as_view()),
    path("maps/", apis.MapListApi.as_view()),
    path("maps/import/", apis.ImportApi.as_view()),
    path("maps/<slug:slug>/", apis.MapDetailApi.as_view()),
    path("maps/<slug:slug>/members/", apis.MemberApi.as_view()),
    path("maps/<slug:slug>/nodes/", apis.NodeListApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/", apis.NodeDetailApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/revisions/", apis.NodeRevisionsApi.as_view()),
    path("maps/<slug:slug>/edges/", apis.EdgeListApi.as_view()),
    # By key. Only these two paths under an edge: its vote and strength are the votes
    # app's (cruxes.urls), which a pattern here must not swallow.
    path("maps/<slug:slug>/edges/<slug:edge_key>/", apis.EdgeDetailApi.as_view()),
    path("maps/<slug:slug>/edges/<slug:edge_key>/revisions/", apis.EdgeRevisionsApi.as_view()),
    path("maps/<slug:slug>/export/", apis.ExportApi.as_view()),
]
