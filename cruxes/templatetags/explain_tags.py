"""Filters of the pages that explain themselves (issue 15): how a source's document is
shown, and the plain words of a rank change."""

import re
from pathlib import PurePosixPath

from django import template

register = template.Library()

# A bare file name: no space, an extension of 1-5 letters or digits ("004_0cb1fd98.txt").
_FILE_NAME = re.compile(r"^[^\s/\\]+\.[A-Za-z0-9]{1,5}$")


@register.filter
def document_kind(document: str) -> str:
    """How a source's `document` reads: "url" (a link), "file" (a bare file name, which
    is no title and is shown as a file, not cited as a work) or "title"."""
    text = (document or "").strip()
    if re.match(r"^https?://\S+$", text):
        return "url"
    if _FILE_NAME.match(text) or (" " not in text and "/" in text and PurePosixPath(text).suffix):
        return "file"
    return "title"


@register.filter
def rank_change_words(change: dict | None) -> str:
    """ "up 3 places since the previous ranking" and the like, for screen readers."""
    if not change:
        return ""
    kind, by = change["kind"], change["by"]
    if kind == "new":
        return "new in this list since the previous ranking"
    if kind == "gone":
        return "no longer ranked"
    if kind == "same":
        return "same place as in the previous ranking"
    return f"{kind} {by} place{'s' if by != 1 else ''} since the previous ranking"
