"""The moderation forms of a node page (issue 16): hide, restore, revert a node or one
of its edges. POST only (with the CSRF token), throttled like the other writes; each
calls one service and returns to the node's page with a message saying what happened
or why not."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from claims import services
from claims.access import Need, map_get_for_user
from claims.selectors import edge_get, node_get
from claims.views import node_url
from core.errors import ArgmapError
from core.html import html_errors
from core.throttles import throttled


def _revision(request) -> int | str:
    """The revision a form names (a whole number, else what was sent, for the service's 400)."""
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() else raw


def _moderate(request, slug: str, key: str, action):
    """Run `action(node)` for an owner or editor and go back to the node's page."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
    node = node_get(map=the_map, key=key)
    try:
        said = action(the_map, node)
    except ArgmapError as exc:  # refused (nothing changed): say why on the page
        messages.error(request, exc.message)
    else:
        messages.success(request, said)
    return redirect(node_url(node))


@require_POST
@throttled("user")
@html_errors
def node_hide(request, slug, key):
    def hide(the_map, node):
        services.node_hide(node=node, by=request.user, reason=request.POST.get("reason", ""))
        return f"Hid “{node.title}”: it is out of the pages and, from its next run, the ranking."

    return _moderate(request, slug, key, hide)


@require_POST
@throttled("user")
@html_errors
def node_restore(request, slug, key):
    def restore(the_map, node):
        services.node_restore(node=node, by=request.user)
        return f"Restored “{node.title}”."

    return _moderate(request, slug, key, restore)


@require_POST
@throttled("user")
@html_errors
def node_revert(request, slug, key):
    def revert(the_map, node):
        revision = _revision(request)
        node = services.node_revert(node=node, revision=revision, by=request.user)
        return f"Reverted to revision {revision}: saved as revision {node.revision}."

    return _moderate(request, slug, key, revert)


@require_POST
@throttled("user")
@html_errors
def edge_revert(request, slug, key):
    def revert(the_map, node):
        edge = edge_get(map=the_map, key=request.POST.get("edge", ""), field="edge")
        revision = _revision(request)
        edge = services.edge_revert(edge=edge, revision=revision, by=request.user)
        return (
            f"Reverted the argument {edge.key} to revision {revision}: "
            f"saved as revision {edge.revision}."
        )

    return _moderate(request, slug, key, revert)
