"""HTML pages of the graph: home, graph view, search, import/export, and the
forms that add, link and edit nodes and edit edges. Thin: they call the same services and
selectors as the API; htmx requests get small partial templates."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import hooks, page_selectors, services
from claims.access import (
    EDITING_ROLES,
    Need,
    is_open,
    map_get_for_user,
    map_get_with_role,
    map_role,
    maps_visible_to,
    own_work_check,
)
from claims.downloads import EXPORT_FORMATS, export_response
from claims.forms import (
    AddNodeForm,
    ContributionForm,
    DeleteForm,
    EditEdgeForm,
    EditNodeForm,
    ImportForm,
    LinkForm,
    MemberForm,
    MemberRemoveForm,
    sources_text,
)
from claims.merged import LIVE
from claims.models import Edge, EdgeKind, Node, NodeKind
from claims.selectors import edge_get, map_members, node_get
from core.errors import (
    ArgmapError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.forms import add_service_error
from core.html import html_errors
from core.throttles import throttled


def page_context(request: HttpRequest, the_map, **context) -> dict:
    """What every page of a map shows: the map and the visitor's role on it.

    can_edit: may change anything in the graph (owner, editors). can_contribute:
    may add and link nodes (also anyone signed in on an open map, which they can
    see since they are here). can_edit_own: may change what they added themselves
    (templates compare `created_by_id` with the visitor, as access.may_change_work).
    """
    role = map_role(user=request.user, map=the_map)
    can_edit = role in EDITING_ROLES
    contributes_openly = is_open(the_map) and request.user.is_authenticated
    return {
        "map": the_map,
        "role": role,
        "can_edit": can_edit,
        "can_contribute": can_edit or contributes_openly,
        "can_edit_own": contributes_openly,
        **context,
    }


@require_GET
def home(request):
    maps = page_selectors.home_maps(maps_qs=maps_visible_to(user=request.user))
    return render(request, "home.html", {"maps": maps})


def edit_initial(node: Node) -> dict:
    return {"title": node.title, "text": node.text, "revision": node.revision}


def node_url(node: Node) -> str:
    name = "frame" if node.kind == NodeKind.FRAME else "node"
    return reverse(name, kwargs={"slug": node.map.slug, "key": node.key})


def _rerender(request, the_map, node, **forms) -> HttpResponse:
    """The node's page again, with the refused form and its errors, status 400.

    The page shows the ranking and credences, which the votes app draws: it
    registered the page with claims.hooks.
    """
    return hooks.node_page(request, the_map=the_map, node=node, forms=forms, status=400)


@require_POST
@html_errors
def node_add(request, slug, key):
    """Add a crux or claim and link it to this node, in one form."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.CONTRIBUTE)
    target = node_get(map=the_map, key=key)
    form = AddNodeForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                node = services.node_create(
                    map=the_map,
                    kind=d["kind"],
                    title=d["title"],
                    text=d["text"],
                    created_by=request.user,
                )
                services.edge_create(
                    map=the_map,
                    source=node,
                    target=target,
                    kind=d["link_kind"],
                    weight=d["weight"],
                    created_by=request.user,
                )
        except ArgmapError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Added “{node.title}”.")
            return redirect(node_url(target))
    return _rerender(request, the_map, target, add_form=form)


def _find_target(the_map, text: str) -> Node:
    text = text.strip()
    node = (
        Node.objects.filter(LIVE, map=the_map, key=text).first()
        or Node.objects.filter(LIVE, map=the_map, title__iexact=text).order_by("key").first()
    )
    if node is None:
        raise ValidationFailed(
            f"no node titled or keyed '{text[:80]}'", fields={"target": ["no such node"]}
        )
    return node


def _edge_error(form, exc: ArgmapError) -> None:
    """A service's refusal of an edge, in plain words, next to the first field it names.

    The rules on groups, undercuts and cycles without plain words of their own need
    their whole sentence (which group, which cycle) where the editor looks, not only
    the field's short label (core.forms says which have plain words).
    """
    add_service_error(form, exc, aliases={"id": "key"}, whole_message=True, thing="argument")


def _find_edge(the_map, key: str) -> Edge:
    key = key.strip()
    try:
        return edge_get(map=the_map, key=key, field="target_edge")
    except NotFound as exc:
        raise ValidationFailed(
            exc.message, fields={"target_edge": [f"no edge '{key[:100]}' in this map"]}
        ) from exc


@require_POST
@html_errors
def node_link(request, slug, key):
    """Link this node to another node, or (kind undercuts) to an edge whose inference it attacks."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.CONTRIBUTE)
    source = node_get(map=the_map, key=key)
    form = LinkForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["kind"] == EdgeKind.UNDERCUTS:
                target, target_edge = None, _find_edge(the_map, d["target_edge"])
                linked = f"the argument {target_edge.key}"
            else:
                target, target_edge = _find_target(the_map, d["target"]), None
                linked = f"“{target.title}”"
            services.edge_create(
                map=the_map,
                source=source,
                target=target,
                target_edge=target_edge,
                kind=d["kind"],
                weight=d["weight"],
                key=d["key"],
                rationale=d["rationale"],
                sources=d["sources"],
                group=d["group"],
                created_by=request.user,
            )
        except ArgmapError as exc:
            _edge_error(form, exc)
        else:
            messages.success(request, f"Linked to {linked}.")
            return redirect(node_url(source))
    return _rerender(request, the_map, source, link_form=form)


def _their_version(form_class, current: dict, mine):
    """An edit form holding the version someone else saved meanwhile (and its revision),
    with what this person had typed kept beside it (`form.unsaved`) to copy from."""
    form = form_class(data=current)
    form.is_valid()
    form.unsaved = [
        (mine[name].label, mine.data.get(name, ""))
        for name in mine.fields
        if not mine.fields[name].widget.is_hidden and mine.data.get(name, "") != current.get(name)
    ]
    return form


def edit_edge_initial(edge: Edge) -> dict:
    return {
        "edge": edge.key,
        "revision": edge.revision,
        "weight": edge.weight,
        "rationale": edge.rationale,
        "group": edge.group or "",
        "sources": sources_text(
            [
                {"document": s.document, "locator": s.locator, "quote": s.quote}
                for s in edge.sources.all()
            ]
        ),
    }


@require_http_methods(["GET", "POST"])
@html_errors
def edge_edit(request, slug, key):
    """An editor's form for one edge (?edge=<id>), shown on the page of the node `key`.

    GET opens the node's page with the form filled in; POST saves a new revision of the
    edge's rationale, weight, group and sources, and returns to the node's page. On an
    open map a contributor may edit the edges they made (access.own_work_check).
    """
    the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
    node = node_get(map=the_map, key=key)
    if request.method == "GET":
        edge = edge_get(map=the_map, key=request.GET.get("edge", ""), field="edge")
        _own_edge_check(request, the_map, role, edge)
        form = EditEdgeForm(initial=edit_edge_initial(edge))
        return hooks.node_page(
            request,
            the_map=the_map,
            node=node,
            forms={"edge_form": form, "edge_editing": edge},
            status=200,
        )
    form = EditEdgeForm(request.POST)
    edge = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            edge = edge_get(map=the_map, key=d["edge"], field="edge")
            _own_edge_check(request, the_map, role, edge)
            services.edge_update(
                edge=edge,
                user=request.user,
                expected_revision=d["revision"],
                weight=d["weight"],
                rationale=d["rationale"],
                sources=d["sources"],
                group=d["group"],
            )
        except PermissionDenied:
            raise  # someone else's edge: a 403 page, not a form error
        except ArgmapError as exc:
            if exc.code == "stale_revision":
                # Their version in the form (with its revision), theirs to build on.
                edge = edge_get(map=the_map, key=edge.key, field="edge")
                form = _their_version(EditEdgeForm, edit_edge_initial(edge), form)
            _edge_error(form, exc)
        else:
            messages.success(request, f"Saved a new revision of the argument {edge.key}.")
            return redirect(node_url(node))
    return _rerender(request, the_map, node, edge_form=form, edge_editing=edge)


def _own_edge_check(request, the_map, role, edge: Edge) -> None:
    own_work_check(
        user=request.user, map=the_map, author_id=edge.created_by_id, role=role, thing="link"
    )


@require_POST
@html_errors
def node_edit(request, slug, key):
    the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
    node = node_get(map=the_map, key=key)
    own_work_check(user=request.user, map=the_map, author_id=node.created_by_id, role=role)
    form = EditNodeForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.node_update(
                node=node,
                edited_by=request.user,
                expected_revision=d["revision"],
                title=d["title"],
                text=d["text"],
            )
        except ArgmapError as exc:
            if exc.code == "stale_revision":
                node.refresh_from_db()
                form = _their_version(EditNodeForm, edit_initial(node), form)
            add_service_error(form, exc, thing="node")
        else:
            messages.success(request, "Saved a new revision.")
            return redirect(node_url(node))
    return _rerender(request, the_map, node, edit_form=form)


@require_POST
@html_errors
def node_delete(request, slug, key):
    """Delete a node and its links: owner and editors any, a contributor their own."""
    the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
    node = node_get(map=the_map, key=key)
    own_work_check(user=request.user, map=the_map, author_id=node.created_by_id, role=role)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _rerender(request, the_map, node, delete_form=form)
    services.node_delete(node=node, user=request.user)
    messages.success(request, f"Deleted “{node.title}” and its links.")
    return redirect("map", slug=the_map.slug)


@require_POST
@html_errors
def edge_delete(request, slug, key):
    """Delete an edge (`edge`, its id) shown on the page of the node `key`, and its undercuts."""
    the_map, role = map_get_with_role(user=request.user, slug=slug, need=Need.CONTRIBUTE)
    node = node_get(map=the_map, key=key)
    form = DeleteForm(request.POST)
    edge = edge_get(map=the_map, key=request.POST.get("edge", ""), field="edge")
    _own_edge_check(request, the_map, role, edge)
    if not form.is_valid():
        return _rerender(
            request,
            the_map,
            node,
            edge_form=EditEdgeForm(initial=edit_edge_initial(edge)),
            edge_editing=edge,
            edge_delete_form=form,
        )
    services.edge_delete(edge=edge, user=request.user)
    messages.success(request, f"Deleted the argument {edge.key}.")
    return redirect(node_url(node))


GRAPH_PARAMS = ("frame", "kind", "limit")


@require_GET
@html_errors
def graph_page(request, slug):
    from urllib.parse import urlencode

    the_map = map_get_for_user(user=request.user, slug=slug)
    frames = Node.objects.filter(LIVE, map=the_map, kind=NodeKind.FRAME).order_by("title")
    # One spelling of the data URL for the page's preload and graph.js's fetch:
    # the browser reuses the preloaded response only when the two are identical.
    query = urlencode([(k, v) for k in GRAPH_PARAMS for v in request.GET.getlist(k)])
    graph_src = reverse("graph_data", args=[the_map.slug]) + (f"?{query}" if query else "")
    kinds = set(request.GET.getlist("kind")) & set(NodeKind.values) or set(NodeKind.values)
    return render(
        request,
        "claims/graph.html",
        page_context(request, the_map, frames=frames, graph_src=graph_src, kinds=kinds),
    )


@require_GET
@html_errors
def graph_data(request, slug):
    the_map = map_get_for_user(user=request.user, slug=slug)
    frame_key = request.GET.get("frame") or None
    frame = node_get(map=the_map, key=frame_key, field="frame") if frame_key else None
    kinds = set(request.GET.getlist("kind")) & set(NodeKind.values) or set(NodeKind.values)
    # Only the offered sizes, so the cache holds a few entries per frame, not one per number.
    limits = {str(n): n for n in page_selectors.GRAPH_LIMITS}
    limit = limits.get(request.GET.get("limit", ""), page_selectors.GRAPH_LIMIT)
    body = page_selectors.graph_json(the_map=the_map, frame=frame, kinds=kinds, limit=limit)
    return HttpResponse(body, content_type="application/json")


@require_GET
@html_errors
def search_options(request, slug):
    """<option>s of node titles for the link form's datalist (htmx)."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    q = request.GET.get("target", "").strip()[:200]
    nodes = page_selectors.map_search(the_map=the_map, q=q)[:20] if q else []
    return render(request, "claims/_options.html", {"nodes": nodes})


EDGE_OPTIONS = 20


@require_GET
@html_errors
def edge_options(request, slug):
    """<option>s of edge ids for the undercut and edit forms' datalist (htmx)."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    q = (request.GET.get("target_edge") or request.GET.get("edge") or "").strip()[:200]
    rows = page_selectors.edge_search(the_map=the_map, q=q)[:EDGE_OPTIONS] if q else []
    return HttpResponse(
        format_html_join("", '<option value="{}">{}</option>', rows),
        content_type="text/html; charset=utf-8",
    )


@require_GET
@throttled("export", methods=["GET"], signed_in_scope="user")
@html_errors
def export_file(request, slug, fmt):
    the_map = map_get_for_user(user=request.user, slug=slug)
    if fmt not in EXPORT_FORMATS:
        raise Http404("unknown format")
    return export_response(map=the_map, format=fmt)


@require_http_methods(["GET", "POST"])
@throttled("import")
@html_errors
def import_export(request):
    maps = maps_visible_to(user=request.user).order_by("slug")
    form = ImportForm()
    problems: list[str] = []
    if request.method == "POST":
        if not request.user.is_authenticated:
            raise NotAuthenticated("log in to import")
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.ARGMAP_MAX_IMPORT_BYTES:
                problems = [f"the file is larger than {settings.ARGMAP_MAX_IMPORT_BYTES} bytes"]
            else:
                try:
                    result = services.map_import_upload(
                        data=upload.read(),
                        owner=request.user,
                        slug=form.cleaned_data["slug"] or None,
                        visibility=form.cleaned_data["visibility"],
                    )
                except ArgmapError as exc:
                    problems = exc.problems()
                else:
                    messages.success(
                        request,
                        f"Imported “{result.slug}”: {result.nodes} nodes, {result.edges} edges.",
                    )
                    return redirect("map", slug=result.slug)
    status = 400 if problems or form.errors else 200
    return render(
        request,
        "claims/import_export.html",
        {"maps": maps, "form": form, "problems": problems},
        status=status,
    )


def _members_render(
    request, the_map, *, form=None, remove_form=None, contribution_form=None, status=200
) -> HttpResponse:
    context = page_context(
        request,
        the_map,
        members=map_members(map=the_map),
        form=form or MemberForm(),
        remove_form=remove_form,
        contribution_form=contribution_form
        or ContributionForm(initial={"contribution": the_map.contribution}),
        nonmember_weight=settings.RANKING_NONMEMBER_WEIGHT,
        trusted_days=settings.RANKING_TRUSTED_ACCOUNT_DAYS,
        trusted_contributions=settings.RANKING_TRUSTED_CONTRIBUTIONS,
    )
    return render(request, "claims/members.html", context, status=status)


@require_http_methods(["GET", "POST"])
@throttled("user")
@html_errors
def members_page(request, slug):
    """The owner's page of the map's settings and members: who may contribute,
    admit someone, change a role.

    Members' votes count fully in the map's ranking, other voters' less
    (cruxes.standing); the same services as the map and members APIs decide.
    """
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
    if request.method == "GET":
        return _members_render(request, the_map)
    if "contribution" in request.POST:
        return _contribution_save(request, the_map)
    form = MemberForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            member = services.member_set(
                map=the_map, username=d["username"], role=d["role"], by=request.user
            )
        except ArgmapError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{member.user.username} is a {member.role} of this map.")
            return redirect("members", slug=the_map.slug)
    return _members_render(request, the_map, form=form, status=400)


def _contribution_save(request, the_map) -> HttpResponse:
    """The settings form: the map's contribution policy (closed or open)."""
    form = ContributionForm(request.POST)
    if form.is_valid():
        try:
            services.map_update(
                map=the_map, contribution=form.cleaned_data["contribution"], by=request.user
            )
        except ArgmapError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"This map is now {the_map.contribution}.")
            return redirect("members", slug=the_map.slug)
    the_map.refresh_from_db()
    return _members_render(request, the_map, contribution_form=form, status=400)


@require_POST
@throttled("user")
@html_errors
def member_remove(request, slug):
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
    form = MemberRemoveForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            # Its NotFound (no such member) is the form's error, not a missing page.
            services.member_remove(map=the_map, username=username, by=request.user)
        except ArgmapError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{username} is no longer a member of this map.")
            return redirect("members", slug=the_map.slug)
    return _members_render(request, the_map, remove_form=form, status=400)
