"""HTML pages of the activity log: a map's activity, "My activity", and the
Watch/Unwatch button of the map and node pages. Thin: checks in claims.access,
reads in discussion.activity, writes in discussion.watch; htmx requests get the
button's partial template."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from claims.access import map_get_for_user
from claims.merged import undoable_merge_ids
from claims.models import ActivityVerb, Map, Node, Visibility
from claims.views import page_context
from core.errors import NotAuthenticated, ValidationFailed
from core.html import html_errors
from discussion import activity
from discussion.watch import watch_remove, watch_set


def _older_url(
    request: HttpRequest, next_before: int | None, *, newest: bool = False
) -> str | None:
    """The link to the next (older) page, or with `newest` to the first page, filters kept."""
    if next_before is None and not newest:
        return None
    query = {k: v for k, v in request.GET.items() if k != "before" and v}
    if next_before is not None:
        query["before"] = str(next_before)
    return f"{request.path}?{urlencode(query)}" if query else request.path


@require_GET
@html_errors
def map_activity(request: HttpRequest, slug: str) -> HttpResponse:
    the_map = map_get_for_user(user=request.user, slug=slug)
    context = page_context(request, the_map)
    status = 200
    try:
        filters = activity.activity_filters_check(request.GET)
    except ValidationFailed as exc:
        # The page with the problem named and nothing listed, never a 500.
        context.update(problem=exc.message, page=activity.ActivityPage())
        filters = activity.ActivityFilters()
        status = 400
    else:
        context["page"] = activity.activity_of_map(
            map=the_map, user=request.user, role=context["role"], filters=filters
        )
        if context["can_edit"]:  # issue 17: "Undo" on merges that can still be undone
            merges = [
                e["detail"].get("merge")
                for e in context["page"].entries
                if e["verb"] == ActivityVerb.NODE_MERGED
            ]
            undoable = undoable_merge_ids(map=the_map, merge_ids=merges)
            for e in context["page"].entries:
                if e["verb"] == ActivityVerb.NODE_MERGED and e["detail"].get("merge") in undoable:
                    e["undo_merge"] = e["detail"]["merge"]
    context.update(
        filters=filters,
        verbs=[(v, v.replace("_", " ")) for v in ActivityVerb.values],
        filtered=bool(filters.actor or filters.node or filters.verb),
        older_url=_older_url(request, context["page"].next_before),
        newest_url=_older_url(request, None, newest=True),
        feed=the_map.visibility == Visibility.PUBLIC,
    )
    return render(request, "discussion/activity.html", context, status=status)


@require_GET
@html_errors
def my_activity(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise NotAuthenticated("log in to see your activity")
    context: dict = {}
    status = 200
    try:
        filters = activity.activity_filters_check(
            {k: request.GET.get(k) for k in ("before", "limit")}
        )
    except ValidationFailed as exc:
        context.update(problem=exc.message, page=activity.ActivityPage())
        status = 400
    else:
        context["page"] = activity.activity_for_user(
            user=request.user, before=filters.before, limit=filters.limit
        )
    context.update(
        older_url=_older_url(request, context["page"].next_before),
        first_page=not request.GET.get("before"),
        watches=list(activity.watches_of_user(user=request.user)[:200]),
    )
    return render(request, "discussion/my_activity.html", context, status=status)


def _back(request: HttpRequest, default: str) -> str:
    """Where the form returns to: its `next` (a path of this site) or `default`."""
    back = request.POST.get("next") or ""
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return default


def _watch(request: HttpRequest, the_map: Map, node: Node | None) -> HttpResponse:
    """GET: the button as it stands (htmx loads it); POST watch=1/0: change it."""
    url = (
        reverse("node_watch", args=[the_map.slug, node.key])
        if node is not None
        else reverse("map_watch", args=[the_map.slug])
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to watch")
        wanted = request.POST.get("watch") == "1"
        if wanted:
            watch_set(user=request.user, map=the_map, node=node)
        else:
            watch_remove(user=request.user, map=the_map, node=node)
        if not request.headers.get("HX-Request"):
            what = f"“{node.title}”" if node is not None else f"the map “{the_map.title}”"
            messages.success(
                request,
                f"You are watching {what}: its activity shows under My activity."
                if wanted
                else f"You no longer watch {what}.",
            )
            page = (
                reverse("map", args=[the_map.slug])
                if node is None
                else activity.node_page_url(the_map.slug, node.key, node.kind)
            )
            return redirect(_back(request, page))
    context = {
        "map": the_map,
        "watch_node": node,
        "watch_url": url,
        "watching": activity.watch_state(user=request.user, map=the_map, node=node),
        "watch_next": request.GET.get("next") or request.POST.get("next") or "",
    }
    return render(request, "discussion/_watch_button.html", context)


@require_http_methods(["GET", "POST"])
@html_errors
def map_watch(request: HttpRequest, slug: str) -> HttpResponse:
    the_map = map_get_for_user(user=request.user, slug=slug)
    return _watch(request, the_map, None)


@require_http_methods(["GET", "POST"])
@html_errors
def node_watch(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    the_map = map_get_for_user(user=request.user, slug=slug)
    node = activity.watchable_node_get(user=request.user, map=the_map, key=key)
    return _watch(request, the_map, node)
