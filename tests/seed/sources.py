"""The essays the seeded map cites, read the way a reader would find a source.

Titles come from ``../shared/sources/README.md`` (the table of files), not from a list kept
here: a quoted title (“...”) is the title; otherwise the description up to a closing
parenthetical, where a bare file number (``000``) stands for that file's title. Locators are
resolved the way the starter map writes them (docs/STARTER_MAP.md, "Sources"): a heading of the
essay, ``para. N`` in the essay without headings, ``first copy, para. N`` in the reply that is
stored twice, ``footnote N``, and the comments by their commenter and opening words.
"""

from __future__ import annotations

import re
from functools import cache

from tests.conftest import SHARED

SOURCES = SHARED / "sources"
FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
_NUMBERED = re.compile(r"^\d+(\.\d+)*\.\s")
_ROW = re.compile(r"^\|\s*(\d{3}_[0-9a-f]+\.txt)\s*\|\s*(.*?)\s*\|")


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces, the comparison every quote check uses."""
    return " ".join(text.split())


@cache
def titles() -> dict[str, str]:
    """Essay title -> file name, read from the sources README."""
    rows = {}
    for line in (SOURCES / "README.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rows[match.group(1)] = match.group(2)
    raw = {}
    for name, what in rows.items():
        quoted = re.match(r"^[“\"](.+?)[”\"]", what)
        raw[name] = quoted.group(1) if quoted else re.sub(r"\s*\(.*\)\s*$", "", what).strip()
    by_number = {name[:3]: title for name, title in raw.items()}

    def expand(title: str) -> str:
        return re.sub(
            r"\b(\d{3})\b",
            lambda m: f"“{by_number[m.group(1)]}”" if m.group(1) in by_number else m.group(0),
            title,
        )

    return {expand(title): name for name, title in raw.items()}


@cache
def text_of(name: str) -> str:
    return (SOURCES / name).read_text(encoding="utf-8")


def _paragraphs(name: str) -> list[str]:
    """The body paragraphs (non-empty lines) of an essay without headings."""
    lines = text_of(name).splitlines()
    if lines and lines[0].strip() == "---":  # front matter
        lines = lines[lines.index("---", 1) + 1 :]
    body = [line for line in lines if line.strip() and not line.startswith("[^")]
    return body


def _first_copy(name: str) -> list[str]:
    """The reply is stored twice; the first copy ends where its opening line recurs."""
    lines = [line for line in text_of(name).splitlines() if line.strip()]
    again = lines.index(lines[0], 1)
    return lines[:again]


def section(name: str, locator: str, headings: set[str]) -> str:
    """The stretch of the essay a locator points a reader to ('' if it points nowhere).

    ``headings`` are the headings the map uses in this essay: a heading's section runs to the
    next of them (a numbered heading, "2.1. ...", to the next numbered one).
    """
    text = text_of(name)
    if m := re.fullmatch(r"first copy, para\. (\d+) \(.*\)", locator):
        copy = _first_copy(name)
        n = int(m.group(1))
        return copy[n - 1] if 0 < n <= len(copy) else ""
    if m := re.match(r"para\. (\d+)", locator):
        body = _paragraphs(name)
        n = int(m.group(1))
        return body[n - 1] if 0 < n <= len(body) else ""
    if m := re.fullmatch(r"footnote (\d+)", locator):
        line = next((x for x in text.splitlines() if x.startswith(f"[^{m.group(1)}]:")), "")
        return line
    if m := re.match(r"footnote (\d+) ", locator):
        n = int(m.group(1))
        start = text.find(f"{n}. ^")
        end = min(
            i
            for i in (text.find(f"{n + 1}. ^", start), text.find("New Comment"), len(text))
            if i > 0
        )
        return text[start:end] if start >= 0 else ""
    if locator.startswith(("Comments:", "Comment by")):
        # After the essay's last paragraph (004) or the comment header (003), from the
        # comment's opening words on.
        marker = (
            "the real post was the framings" if locator.startswith("Comments:") else "New Comment"
        )
        region = text[text.find(marker) :] if marker in text else ""
        opener = re.search(r"“(.+?)(?:\.\.\.)?”", locator)
        if not region or not opener:
            return ""
        at = region.find(opener.group(1))
        return region[at:] if at >= 0 else ""
    heading = locator.split(", ")[0].strip()
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().lstrip("#").strip() == heading]
    if not starts:
        return ""
    start = starts[0]
    others = {h for h in headings if h != heading}
    if _NUMBERED.match(heading):  # "2.1. ...": its unnumbered sub-headings belong to it
        others = {h for h in others if _NUMBERED.match(h)}
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip().lstrip("#").strip() in others),
        len(lines),
    )
    return "\n".join(lines[start:end])


def heading_of(locator: str) -> str:
    return locator.split(", ")[0].strip()
