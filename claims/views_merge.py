"""The merge page (issue 17): pick the node a duplicate is merged into, see everything
that would move, merge; and the undo form (from the survivor's page, the activity
page). Owner and editors; thin: claims.services.merge does the work and the checks."""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from claims.access import Need, map_get_for_user
from claims.merged import LIVE, merge_get
from claims.models import Map, Node
from claims.selectors import node_get
from claims.views import node_url, page_context
from core.errors import ArgmapError, Moved, NotFound
from core.html import html_errors
from core.throttles import throttled

# How many items of each list of the preview the page shows (the counts are whole).
PREVIEW_ITEMS = 20


def _merge_service():
    from claims.services import merge

    return merge


def _find_survivor(the_map: Map, text: str) -> Node:
    """The node named in the search field: its key, or its exact title (what the search
    options offer); live nodes only."""
    text = text.strip()
    node = (
        Node.objects.filter(LIVE, map=the_map, hidden_at__isnull=True)
        .filter(Q(key=text) | Q(title__iexact=text))
        .order_by("key")
        .first()
    )
    if node is None:
        raise NotFound(f"no node titled or keyed “{text[:80]}” in this map")
    return node


def preview_rows(preview: dict) -> list[dict]:
    """The service's preview as rows a template can show: a label, a count and (for
    lists) their first items, whatever its keys."""
    rows = []
    for name, value in preview.items():
        if name == "refusal":
            continue
        label = str(name).replace("_", " ")
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            rows.append({"label": label, "count": value, "items": []})
        elif isinstance(value, list | tuple):
            items = [_item(v) for v in value[:PREVIEW_ITEMS]]
            rows.append({"label": label, "count": len(value), "items": items})
        elif isinstance(value, dict):
            for sub, v in value.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    rows.append({"label": f"{label}: {str(sub).replace('_', ' ')}", "count": v})
    return rows


def _item(value: object) -> str:
    """An edge of the preview as "source kind target" (its key first), anything else as is."""
    if isinstance(value, dict):
        if {"source", "kind"} <= value.keys():
            target = value.get("target") or f"the argument {value.get('target_edge')}"
            words = f"{value.get('id', '')}: {value['source']} {value['kind']} {target}"
            extra = [f"{k} {v}" for k, v in value.items() if k in ("into", "why") and v]
            return words + (f" ({'; '.join(extra)})" if extra else "")
        return ", ".join(f"{k}: {v}" for k, v in value.items() if v is not None)
    return str(value)


def _render(request, the_map: Map, node: Node, *, status: int = 200, **context) -> HttpResponse:
    return render(
        request,
        "claims/merge.html",
        page_context(request, the_map, node=node, **context),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@throttled("user", methods=["POST"])
@html_errors
def merge_page(request, slug, key):
    """GET: the form (?target= a title or key from the search, ?into= a key: the preview).
    POST: merge this node into `into`, then show the survivor."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
    try:
        node = node_get(map=the_map, key=key)
    except Moved as exc:
        messages.error(request, f"This node was already merged into “{exc.new_key}”.")
        return redirect(reverse("node", kwargs={"slug": slug, "key": exc.new_key}))
    into = (request.POST if request.method == "POST" else request.GET).get("into", "").strip()
    if request.method == "GET" and not into and request.GET.get("target", "").strip():
        try:
            found = _find_survivor(the_map, request.GET["target"])
        except NotFound as exc:
            return _render(request, the_map, node, status=404, problem=exc.message)
        return redirect(f"{request.path}?into={found.key}")
    if not into:
        return _render(request, the_map, node)
    try:
        survivor = node_get(map=the_map, key=into, field="into")
    except Moved as exc:
        problem = f"“{into}” was itself merged into “{exc.new_key}”: merge into that one."
        return _render(request, the_map, node, status=409, problem=problem, into=into)
    except NotFound as exc:
        return _render(request, the_map, node, status=404, problem=exc.message, into=into)
    service = _merge_service()
    if request.method == "POST" and survivor.pk != node.pk:
        try:
            service.node_merge(merged=node, survivor=survivor, by=request.user)
        except ArgmapError as exc:  # refused (nothing changed): say why, with the preview
            problem, status = exc.message, exc.status
        else:
            messages.success(
                request,
                f"Merged “{node.title}” into “{survivor.title}”: its votes, links, sources "
                "and comments are here now, and its address leads here.",
            )
            return redirect(node_url(survivor))
    elif survivor.pk == node.pk:
        problem, status = "A node cannot be merged into itself: choose another.", 400
    else:
        problem, status = None, 200
    preview = (
        {} if survivor.pk == node.pk else service.node_merge_preview(merged=node, survivor=survivor)
    )
    return _render(
        request,
        the_map,
        node,
        status=status,
        survivor=survivor,
        into=survivor.key,
        preview=preview_rows(preview),
        refusal=preview.get("refusal"),
        problem=problem,
    )


@require_POST
@throttled("user")
@html_errors
def merge_undo(request, slug, merge_id):
    """Undo a merge (owner and editors), then show the node it brought back."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
    merge = merge_get(map=the_map, merge_id=merge_id)
    back = request.POST.get("next") or ""
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    try:
        if merge.undone_at is not None:
            raise ArgmapError("this merge was already undone")
        _merge_service().node_unmerge(merge=merge, by=request.user)
    except ArgmapError as exc:  # refused (nothing changed): say why
        messages.error(request, f"Could not undo the merge: {exc.message}")
        return redirect(back or node_url(merge.survivor))
    messages.success(
        request, f"Undid the merge: “{merge.merged.title}” is back with its votes and links."
    )
    return redirect(node_url(merge.merged))
