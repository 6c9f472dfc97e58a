from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims import apis as claims_apis
from claims.api_base import api_not_found
from cruxes import apis as cruxes_apis

api = [
    path("health/", claims_apis.HealthApi.as_view()),
    path("auth/register/", claims_apis.RegisterApi.as_view()),
    path("auth/token/", claims_apis.TokenApi.as_view()),
    path("maps/", claims_apis.MapListApi.as_view()),
    path("maps/import/", claims_apis.ImportApi.as_view()),
    path("maps/<slug:slug>/", claims_apis.MapDetailApi.as_view()),
    path("maps/<slug:slug>/members/", claims_apis.MemberApi.as_view()),
    path("maps/<slug:slug>/nodes/", claims_apis.NodeListApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/", claims_apis.NodeDetailApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/revisions/", claims_apis.NodeRevisionsApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", cruxes_apis.VoteApi.as_view()),
    path("maps/<slug:slug>/nodes/<slug:key>/credence/", cruxes_apis.CredenceApi.as_view()),
    path("maps/<slug:slug>/edges/", claims_apis.EdgeListApi.as_view()),
    path("maps/<slug:slug>/edges/<int:edge_id>/", claims_apis.EdgeDetailApi.as_view()),
    path("maps/<slug:slug>/ranking/", cruxes_apis.RankingApi.as_view()),
    path("maps/<slug:slug>/ranking/runs/", cruxes_apis.RankingRunsApi.as_view()),
    path("maps/<slug:slug>/ranking/diff/", cruxes_apis.RankingDiffApi.as_view()),
    path("maps/<slug:slug>/export/", claims_apis.ExportApi.as_view()),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Any other /api/ path answers the JSON error shape, not an HTML page.
    re_path(r"^api/", api_not_found),
    path("", include("claims.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
]

# Http404 raised outside DRF under /api/ (with DEBUG off) is JSON too.
handler404 = "claims.api_base.page_not_found_json_under_api"
