"""The duplicates parts of the pages (issue 17): the "Is it one of these?" suggestions
under the add-node form (htmx, while the title is typed) and the "Possible duplicates"
section of the settings page, with its Dismiss buttons.

Thin: claims.similarity scores, claims.selectors_duplicates reads the stored pairs,
claims.services.duplicates dismisses.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from claims.access import Need, map_get_for_user
from claims.models import KEY_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from claims.selectors_duplicates import duplicates_listed
from claims.services.duplicates import duplicate_dismiss as dismiss
from claims.similarity import similar_nodes
from core.errors import ArgmapError
from core.html import html_errors
from core.throttles import throttled

#: Pairs shown on the settings page (the API pages through all of them).
DUPLICATES_SHOWN = 50


@require_GET
@html_errors
def similar_nodes_partial(request, slug):
    """The partial under the add form: nodes like the title typed so far (may be empty).

    Typing is not an error: an empty or overlong title shows nothing or is cut to
    the field's limit, as the form itself would.
    """
    the_map = map_get_for_user(user=request.user, slug=slug)
    title = request.GET.get("title", "").strip()[:TITLE_MAX_LENGTH]
    text = request.GET.get("text", "")[:TEXT_MAX_LENGTH]
    exclude = request.GET.get("exclude", "")[:KEY_MAX_LENGTH] or None
    found = similar_nodes(the_map, title, text, exclude_key=exclude) if len(title) >= 3 else []
    return render(request, "claims/_similar.html", {"map": the_map, "similar": found})


def _section(request, the_map, *, error: str = ""):
    pairs = list(duplicates_listed(map=the_map)[:DUPLICATES_SHOWN])
    return render(
        request,
        "claims/_duplicates.html",
        {"map": the_map, "pairs": pairs, "error": error, "duplicates_loaded": True},
    )


@require_GET
@html_errors
def duplicates_section(request, slug):
    """The settings page's "Possible duplicates" section (owner and editors; htmx)."""
    return _section(request, map_get_for_user(user=request.user, slug=slug, need=Need.EDIT))


@require_POST
@throttled("user")
@html_errors
def duplicate_dismiss(request, slug):
    """ "Not duplicates": the pair leaves the list for good. htmx swaps the section in."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.EDIT)
    try:
        dismiss(
            map=the_map,
            a_key=request.POST.get("a", ""),
            b_key=request.POST.get("b", ""),
            by=request.user,
        )
    except ArgmapError as exc:  # refused, nothing changed: say why where the click was
        error = exc.message
    else:
        error = ""
    if request.headers.get("HX-Request"):
        return _section(request, the_map, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Dismissed: that pair will not be listed again.")
    # The settings page is the owner's; an editor goes back to the map.
    if the_map.owner_id == request.user.pk:
        return redirect("members", slug=the_map.slug)
    return redirect("map", slug=the_map.slug)
