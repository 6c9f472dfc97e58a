"""Each map compiled for the ranking engine, read once and brought up to date by votes.

Every ranking run and every cold personal view or double crux (cruxes.personal_views)
needs the map in the engine's compiled form (``ranking.compile_graph``). Reading a 10k-node
map's ~60,000 rows and compiling them took ~150 ms, most of an edit's way to a fresh
ranking and half of a cold double crux. So:

* after each run the worker leaves its compiled map in the cache backend, one entry per
  map (overwritten: a busy map costs one entry, not one per vote), and keeps it in
  process; a web process takes it from there;
* ``compiled_map_read`` returns the map at its current version: the kept copy when it is
  at that version; when it is older and every change since is a node's votes or prior
  (the map's change log says so, one entry per version, and the voters' standing is
  unchanged), the kept copy with those nodes' votes read again
  (``ranking.with_node_votes``: exactly what compiling the whole map gives); else the
  whole map read and compiled as before.

Best effort: a cache that fails or holds something unreadable costs speed, never a run or
a request.
"""

from __future__ import annotations

import bisect
import logging
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

from django.core.cache import cache

from claims.models import Map, MapChange, Node
from claims.selectors import read_snapshot
from core.errors import NotFound
from cruxes import ranking
from cruxes.models import Vote
from cruxes.selectors import ranking_inputs, weighed_votes
from cruxes.standing import Standing, map_standing

logger = logging.getLogger(__name__)

#: How long a shared entry outlives its map's last run (a map nobody touches needs none).
SECONDS = 24 * 3600
#: Larger compiled maps are not shared (a 10k-node map is ~2 MB, a 100k-node one ~20 MB).
MAX_BYTES = 64 * 1024 * 1024
#: Maps kept compiled in each process.
LOCAL_MAPS = 8
#: Changes that touch only the nodes they name, and only their votes or prior.
VOTE_ONLY_CHANGES = frozenset({"vote_cast", "vote_withdraw", "node_update"})
#: More changed nodes than this: reading the whole map is as quick.
PATCH_MAX_NODES = 500


@dataclass(frozen=True, slots=True)
class CompiledMap:
    #: which map: its id and creation time (an id is used again after a database is
    #: recreated, while the cache backend may still hold the old map's entry)
    map_id: int
    created_at: datetime
    version: int
    graph: ranking.Graph
    #: the voters' standing the votes were weighed with (a patch needs the same)
    standing: Standing


_local: OrderedDict[int, CompiledMap] = OrderedDict()
_local_lock = threading.Lock()


def _key(map_id: int) -> str:
    return f"argmap:compiled-map:{map_id}"


def _keep(map_id: int, compiled: CompiledMap) -> None:
    with _local_lock:
        kept = _local.get(map_id)
        if kept is None or kept.version <= compiled.version:
            _local[map_id] = compiled
        _local.move_to_end(map_id)
        while len(_local) > LOCAL_MAPS:
            _local.popitem(last=False)


def forget_local() -> None:
    """Drop this process's compiled maps (tests, and the benchmarks' cold runs)."""
    with _local_lock:
        _local.clear()


def compiled_map_put(*, map_id: int, compiled: CompiledMap) -> bool:
    """Keep the compiled map in this process and share it with the others; False when it
    was not shared (too large, or the cache failed)."""
    _keep(map_id, compiled)
    try:
        data = pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_BYTES:
            return False
        cache.set(_key(map_id), data, SECONDS)
        return True
    except Exception:  # noqa: BLE001 - a cache outage costs speed, never a run
        logger.warning("could not share the compiled map %s", map_id, exc_info=True)
        return False


def compiled_map_get(*, map_id: int, created_at: datetime, version: int) -> CompiledMap | None:
    """The newest compiled map at or before `version`: this process's, or the shared one
    (of this very map: the same id and creation time)."""
    with _local_lock:
        kept = _local.get(map_id)
    if kept is not None and kept.created_at != created_at:
        kept = None
    if kept is not None and kept.version == version:
        return kept
    shared = None
    try:
        data = cache.get(_key(map_id))
        if data is not None:
            shared = pickle.loads(data)  # noqa: S301 - written by our own processes
    except Exception:  # noqa: BLE001 - unreadable or unreachable: the database has it
        logger.warning("could not read the compiled map %s", map_id, exc_info=True)
    if (
        not isinstance(shared, CompiledMap)
        or not isinstance(shared.graph, ranking.Graph)
        or (shared.map_id, shared.created_at) != (map_id, created_at)
    ):
        shared = None
    found = [c for c in (kept, shared) if c is not None and c.version <= version]
    if not found:
        return None
    best = max(found, key=lambda c: c.version)
    if best is shared:
        _keep(map_id, best)
    return best


def compiled_map_read(*, map_id: int, share: bool = False) -> CompiledMap:
    """The map compiled at its current version, read in one consistent snapshot (see the
    module docstring). NotFound for a map that no longer exists; ValueError or KeyError
    for a map the engine refuses (bad data). `share`: what had to be compiled or brought
    up to date is kept and shared for the next reader (compiled_map_put)."""
    compiled, built = _read(map_id)
    if built and share:
        compiled_map_put(map_id=map_id, compiled=compiled)
    return compiled


def _read(map_id: int) -> tuple[CompiledMap, bool]:
    with read_snapshot():  # the version, the change log and the rows: one snapshot
        found = Map.objects.filter(pk=map_id).values_list("graph_version", "created_at").first()
        if found is None:
            raise NotFound(f"map {map_id} no longer exists")
        version, created_at = found
        kept = compiled_map_get(map_id=map_id, created_at=created_at, version=version)
        if kept is not None and kept.version == version:
            return kept, False
        standing = map_standing(map_id=map_id)
        if kept is not None:
            patched = _with_votes_since(map_id, kept, version, standing)
            if patched is not None:
                return patched, True
        nodes, edges = ranking_inputs(map_id=map_id, standing=standing)
        graph = ranking.compile_graph(nodes, edges)
        return CompiledMap(map_id, created_at, version, graph, standing), True


def _with_votes_since(
    map_id: int, kept: CompiledMap, version: int, standing: Standing
) -> CompiledMap | None:
    """`kept` brought to `version` when only nodes' votes and priors changed since; None
    when anything else may have (then the whole map is read)."""
    if standing != kept.standing:
        return None  # a member admitted or removed, an account come of age: every weight
    changes = list(
        MapChange.objects.filter(
            map_id=map_id, graph_version__gt=kept.version, graph_version__lte=version
        ).values_list("action", "node_keys")
    )
    # One entry per version: a version bumped without one changed who knows what.
    if len(changes) != version - kept.version:
        return None
    keys: set[str] = set()
    for action, node_keys in changes:
        if action not in VOTE_ONLY_CHANGES or not isinstance(node_keys, list):
            return None
        keys.update(str(k) for k in node_keys)
    if len(keys) > PATCH_MAX_NODES:
        return None
    graph = kept.graph
    rows = list(
        Node.objects.filter(map_id=map_id, key__in=keys).values_list(
            "pk", "key", "kind", "prior", "hidden_at", "merged_at"
        )
    )
    if len(rows) != len(keys):
        return None  # renamed or deleted
    kinds = dict(zip(ranking.NODE_KINDS, range(len(ranking.NODE_KINDS)), strict=True))
    for _, key, kind, _, hidden_at, merged_at in rows:
        i = _index(graph, key)
        if i is None or hidden_at is not None or merged_at is not None:
            return None
        if int(graph.kind[i]) != kinds.get(kind, -1):
            return None  # the kind changed: what the node is, not only its votes
    full = standing.members | standing.trusted
    counted: dict[int, list[float]] = {}
    discounted: dict[int, list[float]] = {}
    for node_id, credence, user_id in Vote.objects.filter(
        node_id__in=[row[0] for row in rows]
    ).values_list("node_id", "credence", "user_id"):
        (counted if user_id in full else discounted).setdefault(node_id, []).append(credence)
    changed = {
        key: (
            prior,
            *weighed_votes(counted.get(pk), discounted.get(pk), standing.nonmember_weight),
        )
        for pk, key, _, prior, _, _ in rows
    }
    return replace(kept, version=version, graph=ranking.with_node_votes(graph, changed))


def _index(graph: ranking.Graph, key: str) -> int | None:
    i = bisect.bisect_left(graph.keys, key)
    return i if i < graph.n and graph.keys[i] == key else None
