"""Pages of one's own view of a map (with the sharing form) and of the double crux
(issue 18). Thin: the same reads and writes as cruxes.apis_double_crux."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from claims.access import Need, map_get_for_user
from claims.views import page_context
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.html import html_errors
from core.throttles import throttled
from cruxes import personal_views, sharing
from cruxes.apis_double_crux import double_crux_answer
from cruxes.models import ShareAudience


def _sharing_context(request: HttpRequest, the_map, *, error: str | None = None, data=None):
    current = data or sharing.sharing_get(user=request.user, map=the_map)
    return {
        "sharing": current,
        "sharing_viewers": ", ".join(current["viewers"]),
        "sharing_error": error,
        "audiences": [
            (ShareAudience.NOBODY.value, "Nobody (only you see your credences)"),
            (ShareAudience.CHOSEN.value, "People I choose"),
            (ShareAudience.EVERYONE.value, "Everyone signed in who can read this map"),
        ],
    }


@require_http_methods(["GET", "POST"])
@throttled("user")
@html_errors
def my_view_page(request: HttpRequest, slug: str) -> HttpResponse:
    """My view of the map; POST: the sharing form (plain, works without JavaScript)."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    status, error, posted = 200, None, None
    if request.method == "POST":
        audience = request.POST.get("audience", "")
        raw = request.POST.get("viewers", "")
        viewers = [v for v in (s.strip() for s in raw.replace("\n", ",").split(",")) if v]
        if audience != ShareAudience.CHOSEN:
            viewers = []  # the field stays on the form; it counts only for "chosen"
        try:
            sharing.sharing_set(user=request.user, map=the_map, audience=audience, viewers=viewers)
        except ValidationFailed as exc:
            status, error = 400, exc.message
            posted = {"audience": audience, "viewers": viewers}
        else:
            messages.success(request, "Your sharing setting is saved.")
            return redirect("my_view", slug=the_map.slug)
    context = page_context(
        request,
        the_map,
        view=personal_views.my_view(map=the_map, user=request.user),
        **_sharing_context(request, the_map, error=error, data=posted),
    )
    return render(request, "cruxes/me.html", context, status=status)


@require_GET
@throttled("user")
@html_errors
def double_crux_page(request: HttpRequest, slug: str) -> HttpResponse:
    """?with=USERNAME, ?group=N or ?group=N&against=M: the double crux, in words."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    try:
        answer = double_crux_answer(request, the_map)
    except (ValidationFailed, PermissionDenied, NotFound) as exc:
        # Said on the page, in its place (not a bare error page): what is missing, or
        # that the other person has not shared their credences with you.
        context = page_context(request, the_map, dc=None, problem=exc.message)
        return render(request, "cruxes/double_crux.html", context, status=exc.status)
    return render(
        request,
        "cruxes/double_crux.html",
        page_context(request, the_map, dc=answer, kind=answer["with"]["kind"]),
    )
