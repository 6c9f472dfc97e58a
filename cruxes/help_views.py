"""The "How the ranking works" page (issue 15): the ranking in plain words, for a
newcomer, and the maths of docs/RANKING.md served as it is, so that an install
without a copy on GitHub still links to it."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

RANKING_DOC = "RANKING.md"


@require_GET
def how_ranking_works(request, doc: str | None = None):
    """The plain-words page; with `doc` (only RANKING.md), the raw document as text."""
    if doc is None:
        return render(request, "how_ranking_works.html", {"doc_name": RANKING_DOC})
    path = settings.BASE_DIR / "docs" / RANKING_DOC
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Http404("docs/RANKING.md is not part of this install") from None
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
