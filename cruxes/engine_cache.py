"""Each map's compiled engine graph at its latest ranked version, shared between processes.

A person's view of a map and the double crux (cruxes.personal_views) rank the map again
with that person's credences, in the web process that answers. Reading the map's ~60,000
rows (10k nodes: nodes, edges, votes) and compiling them took about half of a cold
answer. The ranking worker compiles the map at every run anyway
(``ranking.compile_graph``), so after storing a run it leaves the compiled graph here, and
every web process starts from it.

One entry per map, overwritten by each run: a busy map costs one entry, not one per vote.
An entry is used only at the version it was compiled for; a reader that finds none (a
new version the worker has not reached, an evicted entry, a cache outage) reads the
database as before and leaves what it compiled for the next reader. Best effort both
ways: nothing here ever fails a run or a request.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass

from django.core.cache import cache

from cruxes import ranking

logger = logging.getLogger(__name__)

#: How long an entry outlives its map's last run (a map nobody touches needs no memory).
SECONDS = 24 * 3600
#: Larger compiled graphs are not shared (a 10k-node map is ~2 MB, a 100k-node one ~20 MB).
MAX_BYTES = 64 * 1024 * 1024


def _key(map_id: int) -> str:
    return f"argmap:compiled-map:{map_id}"


@dataclass(frozen=True, slots=True)
class CompiledMap:
    version: int
    graph: ranking.Graph


def compiled_map_put(*, map_id: int, version: int, graph: ranking.Graph) -> bool:
    """Share the map's compiled graph at `version`; False when it was not (too large, or
    the cache failed: readers then compile their own)."""
    try:
        data = pickle.dumps((version, graph), protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_BYTES:
            return False
        cache.set(_key(map_id), data, SECONDS)
        return True
    except Exception:  # noqa: BLE001 - a cache outage costs speed, never a run
        logger.warning("could not share the compiled graph of map %s", map_id, exc_info=True)
        return False


def compiled_map_get(*, map_id: int, version: int) -> CompiledMap | None:
    """The map's compiled graph at exactly `version`, or None."""
    try:
        data = cache.get(_key(map_id))
        if data is None:
            return None
        stored_version, graph = pickle.loads(data)  # noqa: S301 - written by our own processes
    except Exception:  # noqa: BLE001 - unreadable or unreachable: compile from the database
        logger.warning("could not read the compiled graph of map %s", map_id, exc_info=True)
        return None
    if stored_version != version or not isinstance(graph, ranking.Graph):
        return None
    return CompiledMap(stored_version, graph)
