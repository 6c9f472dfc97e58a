from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import urls as accounts_urls
from claims import urls as claims_urls
from core.api_base import api_not_found
from core.throttles import throttled
from cruxes import urls as cruxes_urls
from discussion import urls as discussion_urls
from discussion import urls_activity as activity_urls

# Each app owns its pages and API endpoints; the project only mounts them.
api = [
    *accounts_urls.api_urlpatterns,
    *claims_urls.api_urlpatterns,
    *cruxes_urls.api_urlpatterns,
    *discussion_urls.api_urlpatterns,
    *activity_urls.api_urlpatterns,
]

urlpatterns = [
    # The admin's log-in counts against the same "token" scope as every other
    # log-in (its lockout is in accounts.backends); matched before the admin's own.
    path("admin/login/", throttled("token", by_address=True)(admin.site.login)),
    # One page changes one's own password, the one that also revokes the API token.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script=), not
    # inline, so the Content-Security-Policy needs no 'unsafe-inline'.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="swagger-ui",
    ),
    # Any other /api/ path answers the JSON error shape, not an HTML page.
    re_path(r"^api/", api_not_found),
    path("", include(accounts_urls.urlpatterns)),
    path("", include(claims_urls.urlpatterns)),
    path("", include(cruxes_urls.urlpatterns)),
    path("", include(discussion_urls.urlpatterns)),
    path("", include(activity_urls.urlpatterns)),
]

# Http404 raised outside DRF under /api/ (with DEBUG off) is JSON too.
handler404 = "core.api_base.page_not_found_json_under_api"
