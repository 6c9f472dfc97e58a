"""The key an edge gets when nobody named it (v1 files, old rows, forms without a key).

Pure Python (the migrations and the file formats use it too). The key reads as the edge
it names, ``nah--supports--pointers-problem``; when that would pass the 100-character
limit of keys, both ends are shortened and a digest of the whole triple keeps it unique.
"""

from __future__ import annotations

import hashlib

KEY_MAX_LENGTH = 100
_SEPARATOR = "--"


def default_edge_key(source: str, kind: str, target: str) -> str:
    """``<source>--<kind>--<target>`` (target: a node key, or an edge key for undercuts)."""
    key = f"{source}{_SEPARATOR}{kind}{_SEPARATOR}{target}"
    if len(key) <= KEY_MAX_LENGTH:
        return key
    digest = hashlib.sha256(f"{source}\0{kind}\0{target}".encode()).hexdigest()[:12]
    room = KEY_MAX_LENGTH - len(kind) - 2 * len(_SEPARATOR) - len(digest) - 1
    head, tail = source[: room // 2], target[: room - room // 2]
    return f"{head}{_SEPARATOR}{kind}{_SEPARATOR}{tail}-{digest}"
