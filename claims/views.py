"""HTML pages. Thin: they call the same services and selectors as the API;
htmx requests get small partial templates."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import page_selectors, services
from claims.access import Need, map_get_for_user, map_role, maps_visible_to
from claims.downloads import EXPORT_FORMATS, export_response
from claims.errors import (
    ArgmapError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from claims.forms import (
    AddNodeForm,
    EditNodeForm,
    ImportForm,
    LinkForm,
    VoteForm,
    add_service_error,
)
from claims.models import Node, NodeKind
from claims.selectors import node_get
from claims.services.accounts import login_failed, login_locked, login_succeeded


def html_errors(view):
    """Translate domain errors into what a browser expects."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def _page(request: HttpRequest, the_map, **context) -> dict:
    role = map_role(user=request.user, map=the_map)
    return {"map": the_map, "role": role, "can_edit": role in ("owner", "editor"), **context}


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ThrottledLoginView(LoginView):
    """Django's login view, locked for a while after repeated failures."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        if login_locked(username=username, ip=_client_ip(request)):
            form = self.get_form()
            form.add_error(None, "Too many failed attempts. Try again in a few minutes.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failed(
            username=self.request.POST.get("username", "")[:150], ip=_client_ip(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        login_succeeded(username=form.get_user().get_username(), ip=_client_ip(self.request))
        return super().form_valid(form)


@require_GET
def home(request):
    maps = page_selectors.home_maps(maps_qs=maps_visible_to(user=request.user))
    return render(request, "home.html", {"maps": maps})


@require_http_methods(["GET", "POST"])
def signup(request):
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}.")
        return redirect(request.GET.get("next") or "home")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
@html_errors
def map_page(request, slug):
    the_map = map_get_for_user(user=request.user, slug=slug)
    q = request.GET.get("q", "").strip()[:200]
    context = _page(request, the_map, **page_selectors.map_page(the_map=the_map), q=q)
    if q:
        context["results"] = page_selectors.map_search(the_map=the_map, q=q)
    if request.headers.get("HX-Request"):
        return render(request, "claims/_map_live.html", context)
    return render(request, "claims/map.html", context)


@require_GET
@html_errors
def frame_page(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug)
    frame = node_get(map=the_map, key=key)
    if frame.kind != NodeKind.FRAME:
        return redirect("node", slug=slug, key=key)
    context = _page(
        request,
        the_map,
        node=frame,
        **page_selectors.frame_page(the_map=the_map, frame=frame, user=request.user),
    )
    if request.headers.get("HX-Request"):
        return render(request, "claims/_frame_live.html", context)
    context.update(
        add_form=AddNodeForm(),
        link_form=LinkForm(),
        edit_form=EditNodeForm(initial=_edit_initial(frame)),
    )
    return render(request, "claims/frame.html", context)


def _edit_initial(node: Node) -> dict:
    return {"title": node.title, "text": node.text, "revision": node.revision}


@require_GET
@html_errors
def node_page(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug)
    node = node_get(map=the_map, key=key)
    context = _page(
        request,
        the_map,
        node=node,
        **page_selectors.node_page(the_map=the_map, node=node, user=request.user),
        add_form=AddNodeForm(),
        link_form=LinkForm(),
        edit_form=EditNodeForm(initial=_edit_initial(node)),
    )
    return render(request, "claims/node.html", context)


def _back(node: Node) -> str:
    name = "frame" if node.kind == NodeKind.FRAME else "node"
    return reverse(name, kwargs={"slug": node.map.slug, "key": node.key})


def _rerender(request, the_map, node, **forms) -> HttpResponse:
    """The node's page again, with the refused form and its errors, status 400."""
    if node.kind == NodeKind.FRAME:
        data = page_selectors.frame_page(the_map=the_map, frame=node, user=request.user)
        template = "claims/frame.html"
    else:
        data = page_selectors.node_page(the_map=the_map, node=node, user=request.user)
        template = "claims/node.html"
    context = _page(request, the_map, node=node, **data)
    context.update(
        add_form=AddNodeForm(),
        link_form=LinkForm(),
        edit_form=EditNodeForm(initial=_edit_initial(node)),
    )
    context.update(forms)
    return render(request, template, context, status=400)


@require_POST
@html_errors
def node_add(request, slug, key):
    """Add a crux or claim and link it to this node, in one form."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
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
            return redirect(_back(target))
    return _rerender(request, the_map, target, add_form=form)


def _find_target(the_map, text: str) -> Node:
    text = text.strip()
    node = (
        Node.objects.filter(map=the_map, key=text).first()
        or Node.objects.filter(map=the_map, title__iexact=text).order_by("key").first()
    )
    if node is None:
        raise ValidationFailed(
            f"no node titled or keyed '{text[:80]}'", fields={"target": ["no such node"]}
        )
    return node


@require_POST
@html_errors
def node_link(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
    source = node_get(map=the_map, key=key)
    form = LinkForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            target = _find_target(the_map, d["target"])
            services.edge_create(
                map=the_map,
                source=source,
                target=target,
                kind=d["kind"],
                weight=d["weight"],
                created_by=request.user,
            )
        except ArgmapError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Linked to “{target.title}”.")
            return redirect(_back(source))
    return _rerender(request, the_map, source, link_form=form)


@require_POST
@html_errors
def node_edit(request, slug, key):
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
    node = node_get(map=the_map, key=key)
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
            add_service_error(form, exc)
            if exc.code == "stale_revision":
                form.add_error(
                    None,
                    "Someone edited this node since you opened it: "
                    "your edit was not saved. Reload to see their version.",
                )
        else:
            messages.success(request, "Saved a new revision.")
            return redirect(_back(node))
    return _rerender(request, the_map, node, edit_form=form)


@require_POST
@html_errors
def vote(request, slug, key):
    from cruxes.services import vote_cast, vote_withdraw

    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    node = node_get(map=the_map, key=key)
    back = request.POST.get("next") or _back(node)
    if not back.startswith("/") or back.startswith("//"):
        back = _back(node)
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


GRAPH_PARAMS = ("frame", "kind", "limit")


@require_GET
@html_errors
def graph_page(request, slug):
    from urllib.parse import urlencode

    the_map = map_get_for_user(user=request.user, slug=slug)
    frames = Node.objects.filter(map=the_map, kind=NodeKind.FRAME).order_by("title")
    # One spelling of the data URL for the page's preload and graph.js's fetch:
    # the browser reuses the preloaded response only when the two are identical.
    query = urlencode([(k, v) for k in GRAPH_PARAMS for v in request.GET.getlist(k)])
    graph_src = reverse("graph_data", args=[the_map.slug]) + (f"?{query}" if query else "")
    kinds = set(request.GET.getlist("kind")) & set(NodeKind.values) or set(NodeKind.values)
    return render(
        request,
        "claims/graph.html",
        _page(request, the_map, frames=frames, graph_src=graph_src, kinds=kinds),
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


@require_GET
@html_errors
def export_file(request, slug, fmt):
    the_map = map_get_for_user(user=request.user, slug=slug)
    if fmt not in EXPORT_FORMATS:
        raise Http404("unknown format")
    return export_response(map=the_map, format=fmt)


@require_http_methods(["GET", "POST"])
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
