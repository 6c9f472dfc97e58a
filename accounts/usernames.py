"""What a username is, as people read it: its normal form and its skeleton.

Django's login form applies NFKC to the username before authenticating, so
`ｈtml` (fullwidth h) logs in as `html`. Registration and the login lockout use
the same normal form, so they agree with it about who is who.

Two names that look alike must not both exist (`alice` and `аlice` with a
Cyrillic а). A skeleton is what remains of a name once lookalikes are made
equal: NFKC, case folded, then every character replaced by one fixed
representative of its class of confusable characters (Unicode TS #39 defines
skeletons the same way). The classes come from Unicode's confusables table as
packaged by `confusable_homoglyphs` (`l`, `I`, `1` and `|` are one class; `0`
and `O` another; Cyrillic `а` and Latin `a` another).
"""

import functools
import unicodedata

from confusable_homoglyphs import confusables
from django.contrib.auth.base_user import AbstractBaseUser

# The table writes right-to-left characters between direction marks.
_DIRECTION_MARKS = "\u200e\u200f"


def username_normalise(username: str) -> str:
    """The form Django's auth compares: NFKC (what the login form does), no outer spaces."""
    return AbstractBaseUser.normalize_username(username).strip()


def login_identity(username: str) -> str:
    """The key of a person for the login lockout: every spelling that logs in as them.

    Case folded as well, so that failures spelled `ADA` count against `ada`.
    """
    return username_normalise(username).casefold()


@functools.cache
def _representatives() -> dict[str, str]:
    """character -> the representative of its confusable class (built once, ~10k entries)."""
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for char, lookalikes in confusables.confusables_data.items():
        char = char.strip(_DIRECTION_MARKS)
        if len(char) != 1:
            continue  # a sequence (such as "rn" for "m"): not a character class
        for lookalike in lookalikes:
            other = lookalike["c"].strip(_DIRECTION_MARKS)
            if len(other) == 1:
                union(char, other)
    members: dict[str, list[str]] = {}
    for char in parent:
        members.setdefault(find(char), []).append(char)
    # ASCII first, so that a skeleton of a plain name reads like the name.
    representative = {}
    for group in members.values():
        chosen = min(group, key=lambda c: (not c.isascii(), ord(c)))
        for char in group:
            representative[char] = chosen
    return representative


def _confusable_map(text: str) -> str:
    table = _representatives()
    return "".join(table.get(char, char) for char in text)


def username_skeletons(username: str) -> set[str]:
    """Two names are confusable when these sets meet.

    Names are unique regardless of case, so the first skeleton is taken of the
    case-folded name (`ALICE`, `аlice` and `ａｌｉｃｅ` all meet `alice` there). Case
    folding first hides one trick, a capital I for an l (`AIice` for `Alice`):
    the second skeleton maps the name as written, then folds its case.
    """
    name = username_normalise(username)
    folded = _confusable_map(unicodedata.normalize("NFKC", name.casefold()))
    as_written = _confusable_map(unicodedata.normalize("NFKC", _confusable_map(name).casefold()))
    return {folded, as_written}


def username_mixes_lookalike_scripts(username: str) -> bool:
    """True for a name such as `pаypal` (Latin with a Cyrillic а): mixed scripts whose
    characters pass for one another, the mark of a name made to impersonate."""
    return bool(confusables.is_dangerous(username))
