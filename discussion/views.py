"""HTML pages and forms of the discussion. Thin: the same services and selectors
as the API.

A node's thread shows on its page (templates/claims/node.html loads the
partial with htmx from node_discussion) and on a page of its own (without
JavaScript, and as the link's target); an edge's thread has its own page. The
forms are plain POSTs: they work without JavaScript and return to the page
they were on (`next`), at the comment.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from claims.access import map_get_for_user
from claims.models import Edge, Map, Node
from core.errors import ArgmapError, ValidationFailed
from core.forms import add_service_error
from core.html import html_errors
from core.throttles import throttled
from discussion import selectors, services
from discussion.forms import MARKDOWN_HINT, CommentEditForm, CommentForm
from discussion.models import Comment, CommentKind


def _discussion_url(the_map: Map, *, node: Node | None = None, edge: Edge | None = None) -> str:
    if node is not None:
        return reverse("node_discussion", kwargs={"slug": the_map.slug, "key": node.key})
    assert edge is not None
    return reverse("edge_discussion", kwargs={"slug": the_map.slug, "edge_key": edge.key})


def _safe_next(request: HttpRequest, default: str) -> str:
    """The form's `next` when it is a path of this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate.startswith("/")
        and not candidate.startswith("//")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def _filters(request: HttpRequest) -> tuple[str | None, str]:
    """?kind= and ?sort= of a page: an unknown value is ignored (a page, not an API)."""
    kind = request.GET.get("kind")
    sort = request.GET.get("sort")
    return (
        kind if kind in CommentKind.values else None,
        sort if sort in selectors.SORTS else "oldest",
    )


def _render_thread(
    request: HttpRequest,
    *,
    the_map: Map,
    node: Node | None = None,
    edge: Edge | None = None,
    form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    kind, sort = _filters(request)
    data = selectors.thread(
        map=the_map, user=request.user, node=node, edge=edge, kind=kind, sort=sort
    )
    url = _discussion_url(the_map, node=node, edge=edge)
    embedded = bool(request.headers.get("HX-Request")) and node is not None
    # On the node's page (embedded) the forms return there, at the comment.
    back = reverse("node", kwargs={"slug": the_map.slug, "key": node.key}) if embedded else url
    context = {
        "map": the_map,
        "node": node,
        "edge": edge,
        "thread": data,
        "discussion_url": url,
        "back": back,
        "form": form or CommentForm(),
        "kinds": CommentKind.choices,
        "markdown_hint": MARKDOWN_HINT,
        "embedded": embedded,
    }
    if request.headers.get("HX-Request"):
        return render(request, "discussion/_thread.html", context, status=status)
    return render(request, "discussion/discussion.html", context, status=status)


def _after_write(
    request: HttpRequest, default: str, comment: Comment | None, said: str
) -> HttpResponse:
    messages.success(request, said)
    back = _safe_next(request, default).split("#")[0]
    return redirect(back + (f"#comment-{comment.pk}" if comment is not None else "#discussion"))


def _post_comment(
    request: HttpRequest, *, the_map: Map, node: Node | None = None, edge: Edge | None = None
) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            parent = None
            if d.get("parent"):
                parent = Comment.objects.filter(map=the_map, pk=d["parent"]).first()
                if parent is None:
                    raise ValidationFailed(
                        "That comment is gone: reload the page.", fields={"parent": ["unknown"]}
                    )
            comment = services.comment_create(
                map=the_map,
                author=request.user,
                node=node,
                edge=edge,
                parent=parent,
                body=d["body"],
                kind=d["kind"],
            )
        except ArgmapError as exc:
            if exc.status in (401, 403, 404):
                raise
            add_service_error(form, exc, whole_message=True)
        else:
            said = "Your reply is posted." if parent else "Your comment is posted."
            return _after_write(
                request, _discussion_url(the_map, node=node, edge=edge), comment, said
            )
    return _render_thread(request, the_map=the_map, node=node, edge=edge, form=form, status=400)


@require_http_methods(["GET", "POST"])
@throttled("user")
@html_errors
def node_discussion(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A node's thread: the partial for its page (htmx), or a page of its own; POST comments."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    node = selectors.target_node_get(map=the_map, key=key, user=request.user)
    if request.method == "POST":
        return _post_comment(request, the_map=the_map, node=node)
    return _render_thread(request, the_map=the_map, node=node)


@require_http_methods(["GET", "POST"])
@throttled("user")
@html_errors
def edge_discussion(request: HttpRequest, slug: str, edge_key: str) -> HttpResponse:
    """An argument's (edge's) thread, on a page of its own; POST comments."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    edge = selectors.target_edge_get(map=the_map, key=edge_key, user=request.user)
    if request.method == "POST":
        return _post_comment(request, the_map=the_map, edge=edge)
    return _render_thread(request, the_map=the_map, edge=edge)


def _thread_url_of(comment: Comment) -> str:
    return _discussion_url(comment.map, node=comment.node, edge=comment.edge)


@require_http_methods(["GET", "POST"])
@throttled("user")
@html_errors
def comment_edit(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """The author's edit of their comment (text and kind), on a page of its own."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    comment = selectors.comment_get(map=the_map, comment_id=comment_id)
    # The author only (a visitor is sent to log in first: html_errors).
    services.comment_author_check(comment, request.user)
    status = 200
    if request.method == "POST":
        form = CommentEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.comment_edit(
                    comment=comment,
                    user=request.user,
                    body=d["body"],
                    kind=d["kind"],
                    expected_revision=d["revision"],
                )
            except ArgmapError as exc:
                if exc.status in (401, 403, 404):
                    raise
                add_service_error(form, exc, whole_message=True, thing="comment")
            else:
                return _after_write(
                    request, _thread_url_of(comment), comment, "Your comment is saved."
                )
        status = 400
    else:
        form = CommentEditForm(
            initial={"body": comment.body, "kind": comment.kind, "revision": comment.revision}
        )
    context = {
        "map": the_map,
        "comment": comment,
        "form": form,
        "back": _safe_next(request, _thread_url_of(comment)),
        "markdown_hint": MARKDOWN_HINT,
    }
    return render(request, "discussion/edit.html", context, status=status)


@require_POST
@throttled("user")
@html_errors
def comment_delete(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    the_map = map_get_for_user(user=request.user, slug=slug)
    comment = selectors.comment_get(map=the_map, comment_id=comment_id)
    services.comment_delete(comment=comment, user=request.user)
    return _after_write(request, _thread_url_of(comment), comment, "Your comment is deleted.")


@require_POST
@throttled("user")
@html_errors
def comment_hide(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    the_map = map_get_for_user(user=request.user, slug=slug)
    comment = selectors.comment_get(map=the_map, comment_id=comment_id)
    services.comment_hide(comment=comment, user=request.user)
    return _after_write(request, _thread_url_of(comment), comment, "The comment is hidden.")


@require_POST
@throttled("user")
@html_errors
def comment_unhide(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    the_map = map_get_for_user(user=request.user, slug=slug)
    comment = selectors.comment_get(map=the_map, comment_id=comment_id)
    services.comment_unhide(comment=comment, user=request.user)
    return _after_write(request, _thread_url_of(comment), comment, "The comment is shown again.")
