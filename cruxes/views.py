"""HTML pages that show the ranking and credences (map, frame, node) and the
vote form. Thin: they call the same services and selectors as the API; htmx
requests get small partial templates."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from claims.access import Need, map_get_for_user
from claims.forms import AddNodeForm, EditNodeForm, LinkForm
from claims.models import Map, Node, NodeKind
from claims.page_selectors import map_search
from claims.selectors import node_get
from claims.views import edit_initial, node_url, page_context
from core.errors import NotFound
from core.html import html_errors
from core.throttles import throttled
from cruxes import page_selectors
from cruxes.forms import VoteForm
from cruxes.selectors import edge_get_for_vote
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


@require_POST
@throttled("vote")
@html_errors
def vote(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    node = node_get(map=the_map, key=key)
    back = _back(request, node)
    if "withdraw" in request.POST:
        try:
            vote_withdraw(user=request.user, node=node)
            messages.success(request, f"Withdrew your vote on “{node.title}”.")
        except NotFound:
            messages.info(request, "You had no vote to withdraw.")
        return redirect(back)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Credence must be a whole percentage from 1 to 99.")
        return redirect(back)
    vote_cast(user=request.user, node=node, credence=form.cleaned_data["percent"] / 100)
    messages.success(request, f"Saved {form.cleaned_data['percent']} % on “{node.title}”.")
    return redirect(back)


def _edge_label(edge) -> str:
    if edge.target is not None:
        return f"“{edge.source.title}” {edge.get_kind_display().lower()} “{edge.target.title}”"
    attacked = edge.target_edge
    return (
        f"“{edge.source.title}” undercuts “{attacked.source.title}”"
        f" {attacked.get_kind_display().lower()} “{attacked.target.title}”"
    )


@require_POST
@throttled("vote")
@html_errors
def edge_vote(request, slug, edge_key):
    """The strength slider of an edge on a node page (a plain form; the API's twin is
    PUT/DELETE /api/v1/maps/{slug}/edges/{key}/vote/)."""
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
