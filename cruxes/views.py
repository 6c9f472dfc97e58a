"""HTML pages that show the ranking and credences (map, frame, node) and the
vote form. Thin: they call the same services and selectors as the API; htmx
requests get small partial templates."""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from claims.access import Need, map_get_for_user
from claims.forms import AddNodeForm, EditNodeForm, LinkForm
from claims.merged import merged_from
from claims.models import Map, Node, NodeKind
from claims.page_selectors import map_search
from claims.selectors import node_get
from claims.views import edit_initial, node_url, page_context
from core.errors import NotFound
from core.html import html_errors
from core.throttles import throttled
from cruxes import page_selectors
from cruxes.forms import VoteForm
from cruxes.selectors import edge_get_for_vote, vote_get
from cruxes.services import edge_vote_cast, edge_vote_withdraw, vote_cast, vote_withdraw


class EdgeVoteForm(forms.Form):
    # Whole percentages, 0 and 100 included: a strength may be nil or full.
    percent = forms.IntegerField(min_value=0, max_value=100, label="My strength (%)")


@require_GET
@html_errors
def map_page(request, slug):
    the_map = map_get_for_user(user=request.user, slug=slug)
    q = request.GET.get("q", "").strip()[:200]
    context = page_context(request, the_map, **page_selectors.map_page(the_map=the_map), q=q)
    if q:
        context["results"] = map_search(the_map=the_map, q=q)
    if request.headers.get("HX-Request"):
        return render(request, "claims/_map_live.html", context)
    return render(request, "claims/map.html", context)


def node_page_render(
    request, *, the_map: Map, node: Node, forms: dict | None = None, status: int = 200
) -> HttpResponse:
    """A frame's or node's full page, with the graph's forms (refused ones carry errors)."""
    if node.kind == NodeKind.FRAME:
        data = page_selectors.frame_page(the_map=the_map, frame=node, user=request.user)
        template = "claims/frame.html"
    else:
        data = page_selectors.node_page(the_map=the_map, node=node, user=request.user)
        template = "claims/node.html"
    data["merged_from"] = merged_from(survivor=node)  # issue 17: the duplicates it absorbed
    context = page_context(request, the_map, node=node, **data)
    context.update(
        add_form=AddNodeForm(),
        link_form=LinkForm(),
        edit_form=EditNodeForm(initial=edit_initial(node)),
    )
    context.update(forms or {})
    return render(request, template, context, status=status)


@require_GET
@html_errors
def frame_page(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug)
    frame = node_get(map=the_map, key=key)
    if frame.kind != NodeKind.FRAME:
        return redirect("node", slug=slug, key=key)
    if request.headers.get("HX-Request"):
        context = page_context(
            request,
            the_map,
            node=frame,
            **page_selectors.frame_page(the_map=the_map, frame=frame, user=request.user),
        )
        return render(request, "claims/_frame_live.html", context)
    return node_page_render(request, the_map=the_map, node=frame)


@require_GET
@html_errors
def node_page(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug)
    node = node_get(map=the_map, key=key)
    return node_page_render(request, the_map=the_map, node=node)


def _back(request, node: Node) -> str:
    """Where a form returns to: its `next` (a path of this site) or the node's page."""
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not back.startswith("/"):
        back = node_url(node)
    return back


# A visitor's vote waits in the session while they log in (or sign up): the log-in
# page returns to the vote's URL (GET), which casts it and goes back to the crux.
# Without it "Log in to vote" ended on a 405 (the vote URL takes POSTs) and the
# credence was lost.
PENDING_VOTE = "pending_vote"


def _login_to_vote(request, *, kind: str, slug: str, key: str, back: str, percent) -> HttpResponse:
    """Keep what the visitor chose (None: the slider was never moved) and send them to log in."""
    request.session[PENDING_VOTE] = {
        "kind": kind,
        "map": slug,
        "key": key,
        "percent": percent,
        "back": back,
    }
    name = "vote" if kind == "node" else "edge_vote"
    kwargs = {"slug": slug, ("key" if kind == "node" else "edge_key"): key}
    return redirect_to_login(reverse(name, kwargs=kwargs))


def _chosen_percent(request, form_class) -> int | None:
    """The percentage a visitor chose, or None when they never moved the slider.

    argmap.js adds `untouched` to a form whose slider was not moved; without
    JavaScript every submitted value counts as chosen.
    """
    if request.POST.get("untouched"):
        return None
    form = form_class(request.POST)
    return form.cleaned_data["percent"] if form.is_valid() else None


def _pending_vote(request, *, kind: str, slug: str, key: str) -> dict | None:
    """The vote this visitor left before logging in, taken out of the session (once)."""
    pending = request.session.get(PENDING_VOTE)
    if not pending or (pending.get("kind"), pending.get("map"), pending.get("key")) != (
        kind,
        slug,
        key,
    ):
        return None
    del request.session[PENDING_VOTE]
    return pending


def _vote_form_response(request, *, the_map: Map, node: Node, **context) -> HttpResponse:
    """The crux's vote form alone, for htmx: swapped in place, so the page keeps its
    scroll position; the event tells the ranking section to refresh its numbers.

    The section's own refreshes never replace a vote form (they carry hx-preserve,
    so htmx keeps the form on the page, with whatever the person has set in it).
    """
    next_path = _back(request, node).split("#")[0]
    response = render(
        request,
        "claims/_vote_form.html",
        {
            "map": the_map,
            "crux": node,
            "my_stale": False,
            "live": True,
            # Swapped in place of the form that was sent: not kept like a poll's copies.
            "preserve": False,
            "next_path": next_path,
            **context,
        },
    )
    response["HX-Trigger"] = "ranking-changed"
    return response


@require_http_methods(["GET", "POST"])
@throttled("vote")
@html_errors
def vote(request, slug, key):
    if request.method == "GET" or not request.user.is_authenticated:
        the_map = map_get_for_user(user=request.user, slug=slug)
        node = node_get(map=the_map, key=key)
        if request.method == "POST":
            percent = _chosen_percent(request, VoteForm)
            back = _back(request, node)
            return _login_to_vote(
                request, kind="node", slug=slug, key=key, back=back, percent=percent
            )
        return _finish_pending_vote(request, the_map=the_map, node=node)
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    node = node_get(map=the_map, key=key)
    back = _back(request, node)
    htmx = bool(request.headers.get("HX-Request"))
    if "withdraw" in request.POST:
        try:
            vote_withdraw(user=request.user, node=node)
            said = f"Withdrew your vote on “{node.title}”."
        except NotFound:
            said = "You had no vote to withdraw."
        if htmx:
            return _vote_form_response(
                request, the_map=the_map, node=node, my_credence=None, vote_message=said
            )
        messages.info(request, said)
        return redirect(back)
    form = VoteForm(request.POST)
    if not form.is_valid():
        said = "Credence must be a whole percentage from 1 to 99."
        if htmx:
            mine = vote_get(user=request.user, node=node)
            return _vote_form_response(
                request,
                the_map=the_map,
                node=node,
                my_credence=mine["credence"] if mine else None,
                vote_error=said,
            )
        messages.error(request, said)
        return redirect(back)
    percent = form.cleaned_data["percent"]
    vote_cast(user=request.user, node=node, credence=percent / 100)
    said = f"Saved {percent} % on “{node.title}”."
    if htmx:
        return _vote_form_response(
            request, the_map=the_map, node=node, my_credence=percent / 100, vote_message=said
        )
    messages.success(request, said)
    return redirect(back)


def _finish_pending_vote(request, *, the_map: Map, node: Node) -> HttpResponse:
    """Where the log-in page returns to: cast the vote chosen before it, back to the crux."""
    back = node_url(node) + f"#vote-{node.key}"
    if not request.user.is_authenticated:
        return redirect(back)
    pending = _pending_vote(request, kind="node", slug=the_map.slug, key=node.key)
    if pending is None:
        return redirect(back)
    back = pending["back"] or back
    if pending["percent"] is None:
        messages.info(
            request, f"You are logged in: move the slider on “{node.title}” to vote, then Save."
        )
        return redirect(back)
    the_map = map_get_for_user(user=request.user, slug=the_map.slug, need=Need.VOTE)
    percent = pending["percent"]
    vote_cast(user=request.user, node=node, credence=percent / 100)
    messages.success(
        request, f"Saved {percent} % on “{node.title}”, the credence you chose before logging in."
    )
    return redirect(back)


def _edge_label(edge) -> str:
    if edge.target is not None:
        return f"“{edge.source.title}” {edge.get_kind_display().lower()} “{edge.target.title}”"
    attacked = edge.target_edge
    return (
        f"“{edge.source.title}” undercuts “{attacked.source.title}”"
        f" {attacked.get_kind_display().lower()} “{attacked.target.title}”"
    )


@require_http_methods(["GET", "POST"])
@throttled("vote")
@html_errors
def edge_vote(request, slug, edge_key):
    """The strength slider of an edge on a node page (a plain form; the API's twin is
    PUT/DELETE /api/v1/maps/{slug}/edges/{key}/vote/). GET is where the log-in page
    returns a visitor to: it casts the strength they chose before logging in."""
    if request.method == "GET" or not request.user.is_authenticated:
        the_map = map_get_for_user(user=request.user, slug=slug)
        edge = edge_get_for_vote(map=the_map, key=edge_key)
        edge.source.map = the_map
        if request.method == "POST":
            percent = _chosen_percent(request, EdgeVoteForm)
            back = _back(request, edge.source)
            return _login_to_vote(
                request, kind="edge", slug=slug, key=edge_key, back=back, percent=percent
            )
        return _finish_pending_edge_vote(request, the_map=the_map, edge=edge)
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    edge = edge_get_for_vote(map=the_map, key=edge_key)
    edge.source.map = the_map  # for the fallback URL, without a query
    back = _back(request, edge.source)
    if "withdraw" in request.POST:
        try:
            edge_vote_withdraw(user=request.user, edge=edge)
            messages.success(request, f"Withdrew your strength of {_edge_label(edge)}.")
        except NotFound:
            messages.info(request, "You had no strength to withdraw.")
        return redirect(back)
    form = EdgeVoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Strength must be a whole percentage from 0 to 100.")
        return redirect(back)
    percent = form.cleaned_data["percent"]
    edge_vote_cast(user=request.user, edge=edge, strength=percent / 100)
    messages.success(request, f"Saved strength {percent} % for {_edge_label(edge)}.")
    return redirect(back)


def _finish_pending_edge_vote(request, *, the_map: Map, edge) -> HttpResponse:
    back = node_url(edge.source)
    if not request.user.is_authenticated:
        return redirect(back)
    pending = _pending_vote(request, kind="edge", slug=the_map.slug, key=edge.key)
    if pending is None:
        return redirect(back)
    back = pending["back"] or back
    if pending["percent"] is None:
        messages.info(
            request,
            f"You are logged in: move the strength slider of {_edge_label(edge)}, then Save.",
        )
        return redirect(back)
    map_get_for_user(user=request.user, slug=the_map.slug, need=Need.VOTE)
    percent = pending["percent"]
    edge_vote_cast(user=request.user, edge=edge, strength=percent / 100)
    messages.success(
        request,
        f"Saved strength {percent} % for {_edge_label(edge)}, as you chose before logging in.",
    )
    return redirect(back)
