"""The export download, one response for the API and the HTML page alike.

A whole-map export reads every node and edge (about 3 s for a 20k-node map),
and anyone may ask for a public map's. So each export is written once per
version of the map to a file under EXPORT_STORE_DIR and every later request
for that version is served from the file: the map lookup, then the disk.

Why files and not the cache: an export is up to tens of MB (AIF of a 20k-node
map: 28 MB), and the cache is Redis, which is also the broker and never evicts;
a file costs disk, which the pruning below keeps to one file per map and format.

The file's name carries everything its bytes depend on: the map's id and
creation time (a re-created map reuses no file), its graph_version (every
node, edge and vote write bumps it), its updated_at (title, description and
visibility change it without a bump), the format, the privacy floor of the
shown credences, and EXPORT_STORE_VERSION. Version and bytes are read in one
snapshot, so a file never holds a graph other than the one its name says.
Access is checked by the caller before this module is reached: a stored file is
only ever served to someone allowed to read the map.
"""

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from claims.models import Map
from claims.selectors import map_export_as, map_export_chunks, read_snapshot
from core.errors import NotFound

logger = logging.getLogger(__name__)

# format -> (content type, file name suffix)
EXPORT_FORMATS = {
    "argmap": ("application/json", "argmap.json"),
    "aif": ("application/json", "aif.json"),
    "graphml": ("application/xml", "graphml"),
    "argdown": ("text/plain; charset=utf-8", "argdown"),
}

# Bump when the bytes of any export format change for the same map (a new
# writer, a new field), so that no stored file of the old shape is served.
EXPORT_STORE_VERSION = 2  # 2: argmap JSON v2 (edge ids, rationales, sources, groups, undercuts)
# A writer that died leaves its temporary file; the next store removes it after this.
_STALE_TEMP_SECONDS = 3600


def export_response(*, map: Map, format: str) -> HttpResponse:
    """The map as a file download; the caller has checked access and the format.

    The argmap file carries no votes, neither on nodes nor on edges: individual
    votes are never exposed to users (the operator's `export_map` command has them).
    """
    content_type, suffix = EXPORT_FORMATS[format]
    try:
        response = FileResponse(_open_stored(map, format), content_type=content_type)
    except OSError as exc:
        # No room or no permission for the store: still answer, computed as before it.
        logger.warning("export store unavailable, computing the export: %s", exc)
        response = StreamingHttpResponse(_export_chunks(map, format), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{map.slug}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"  # a download, never rendered as a page
    return response


def _open_stored(map: Map, format: str) -> BinaryIO:
    try:
        return stored_export(map=map, format=format).open("rb")
    except FileNotFoundError:
        # Pruned between the lookup and the open: a newer version was stored
        # meanwhile, which the second lookup finds (or writes).
        return stored_export(map=map, format=format).open("rb")


def stored_export(*, map: Map, format: str) -> Path:
    """The path of the map's export in `format`, written first if this version has none.

    `map` is the row the caller read (and checked access on): when a file for
    its version exists, no other query is made. Concurrent first requests for
    one map and format wait for a single writer instead of each computing it.
    """
    path = _path(map, format)
    if path.exists():
        return path
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / f".{format}.lock"):
        if path.exists():  # written while this request waited for the lock
            return path
        with read_snapshot():
            # The version and the bytes from one snapshot: an edit committed
            # since the caller's read is in both or in neither.
            current = Map.objects.filter(pk=map.pk).first()
            if current is None:
                raise NotFound(f"no map '{map.slug}'")  # deleted since the caller's read
            path = _path(current, format)
            if not path.exists():
                _write_atomically(path, _export_chunks(current, format))
        _prune(directory, keep=path, format=format)
    return path


def _export_chunks(map: Map, format: str) -> Iterator[bytes]:
    if format == "argmap":
        # Streamed from server-side cursors: flat memory for any map size.
        return map_export_chunks(map=map, votes=False)
    return iter([map_export_as(map=map, format=format)])


def _store_dir() -> Path:
    return Path(settings.EXPORT_STORE_DIR)


def _micros(moment) -> int:
    return round(moment.timestamp() * 1_000_000)


def _path(map: Map, format: str) -> Path:
    # Names sort by version within a map and format; `_prune` reads them back.
    floor = getattr(settings, "PRIVACY_MIN_VOTERS", 0)
    name = (
        f"{format}-{_micros(map.created_at)}-{map.graph_version:015d}-{_micros(map.updated_at)}"
        f"-p{floor}-s{EXPORT_STORE_VERSION}"
    )
    return _store_dir() / str(map.pk) / name


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, chunks: Iterator[bytes]) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
        dir=path.parent, prefix=".tmp-", delete=False
    )
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def _version_of(name: str) -> tuple[int, int, int] | None:
    """(created, graph_version, updated) from a stored file's name, None if not one."""
    parts = name.split("-")
    try:
        return int(parts[1]), int(parts[2]), int(parts[3])
    except (IndexError, ValueError):
        return None


def _prune(directory: Path, *, keep: Path, format: str) -> None:
    """Keep one export per map and format: drop older versions, dead temp files, deleted maps.

    A file for a newer version than `keep` (a concurrent request saw a later
    edit) is left for the next store to judge.
    """
    kept = _version_of(keep.name)
    now = time.time()
    for entry in directory.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if entry.name.startswith(".tmp-"):
                if now - entry.stat().st_mtime > _STALE_TEMP_SECONDS:
                    entry.unlink()
                continue
            if entry == keep or not entry.name.startswith(f"{format}-"):
                continue
            version = _version_of(entry.name)
            if version is None or kept is None:
                continue
            replaced = version[0] != kept[0] or version[1:] < kept[1:]
            # An older store version or privacy floor at the same map version is stale too.
            if replaced or (version == kept and entry.name != keep.name):
                entry.unlink()
    _prune_deleted_maps()


def _prune_deleted_maps() -> None:
    """Remove the stored exports of maps that no longer exist."""
    root = _store_dir()
    stored = {int(d.name): d for d in root.iterdir() if d.is_dir() and d.name.isdigit()}
    if not stored:
        return
    alive = set(Map.objects.filter(pk__in=stored).values_list("pk", flat=True))
    for map_id, directory in stored.items():
        if map_id not in alive:
            logger.info("removing the stored exports of deleted map %s", map_id)
            shutil.rmtree(directory, ignore_errors=True)
