from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import urls as accounts_urls
from claims import urls as claims_urls
from core.api_base import api_not_found
from cruxes import urls as cruxes_urls

# Each app owns its pages and API endpoints; the project only mounts them.
api = [
    *accounts_urls.api_urlpatterns,
    *claims_urls.api_urlpatterns,
    *cruxes_urls.api_urlpatterns,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Any other /api/ path answers the JSON error shape, not an HTML page.
    re_path(r"^api/", api_not_found),
    path("", include(accounts_urls.urlpatterns)),
    path("", include(claims_urls.urlpatterns)),
    path("", include(cruxes_urls.urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
]

# Http404 raised outside DRF under /api/ (with DEBUG off) is JSON too.
handler404 = "core.api_base.page_not_found_json_under_api"
