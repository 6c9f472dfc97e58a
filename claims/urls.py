from django.urls import path

from claims import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.ThrottledLoginView.as_view(), name="login"),
    path("import-export/", views.import_export, name="import_export"),
    path("maps/<slug:slug>/", views.map_page, name="map"),
    path("maps/<slug:slug>/graph/", views.graph_page, name="graph"),
    path("maps/<slug:slug>/graph.json", views.graph_data, name="graph_data"),
    path("maps/<slug:slug>/search-options/", views.search_options, name="search_options"),
    path("maps/<slug:slug>/export/<str:fmt>/", views.export_file, name="export_file"),
    path("maps/<slug:slug>/frames/<slug:key>/", views.frame_page, name="frame"),
    path("maps/<slug:slug>/nodes/<slug:key>/", views.node_page, name="node"),
    path("maps/<slug:slug>/nodes/<slug:key>/add/", views.node_add, name="node_add"),
    path("maps/<slug:slug>/nodes/<slug:key>/link/", views.node_link, name="node_link"),
    path("maps/<slug:slug>/nodes/<slug:key>/edit/", views.node_edit, name="node_edit"),
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", views.vote, name="vote"),
]
