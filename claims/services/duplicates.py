"""Writes of the duplicates lists (issue 17): the worker's recompute of a map's
possible-duplicate pairs, and a moderator's "not duplicates".

Neither changes the graph, so neither calls map_graph_changed: the pairs follow the
graph, they are not part of it.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction

from claims.access import Need, map_check
from claims.models import DuplicateCandidate, DuplicateDismissal, Map
from claims.selectors import node_get
from claims.similarity import duplicate_pairs, index_for
from core.errors import ValidationFailed

logger = logging.getLogger(__name__)


def _state_key(map_id: int) -> str:
    return f"argmap:duplicates-state:{map_id}"


def duplicates_state(*, map_id: int) -> tuple[int, str] | None:
    """(graph version, wording signature) the stored pairs were computed at, or None.

    In the cache, not a column: losing it costs one recompute, nothing else (the
    pairs themselves are rows, and each row keeps its graph_version too).
    """
    try:
        state = cache.get(_state_key(map_id))
    except Exception:  # noqa: BLE001 - the cache down: recompute rather than fail
        logger.warning("could not read the duplicates state of map %s", map_id, exc_info=True)
        return None
    if isinstance(state, list | tuple) and len(state) == 2:
        return int(state[0]), str(state[1])
    return None


def _state_set(map_id: int, version: int, signature: str) -> None:
    try:
        cache.set(_state_key(map_id), [version, signature], timeout=None)
    except Exception:  # noqa: BLE001 - next time recomputes
        logger.warning("could not store the duplicates state of map %s", map_id, exc_info=True)


def duplicates_refresh(*, map_id: int) -> int:
    """Bring the map's possible-duplicate pairs up to its graph_version.

    Idempotent: skips when the stored version is current; when only votes or edges
    moved the version (the live nodes and their revisions are unchanged) it only
    records the new version. Returns how many pairs it stored (-1: skipped).
    """
    the_map = Map.objects.filter(pk=map_id).only("id", "graph_version").first()
    if the_map is None:
        return -1
    version = the_map.graph_version  # read before the nodes: a later write re-runs
    state = duplicates_state(map_id=map_id)
    if state is not None and state[0] >= version:
        return -1
    index = index_for(the_map)
    if state is not None and state[1] == index.signature:
        _state_set(map_id, version, index.signature)
        return -1
    pairs = duplicate_pairs(the_map)
    with transaction.atomic():
        # The map's row, so that two workers never interleave their replacements.
        locked = Map.objects.select_for_update(no_key=True).filter(pk=map_id).first()
        if locked is None:
            return -1
        newest = (
            DuplicateCandidate.objects.filter(map_id=map_id)
            .order_by("-graph_version")
            .values_list("graph_version", flat=True)
            .first()
        )
        if newest is not None and newest > version:
            return -1  # a later run already stored newer pairs
        dismissed = set(
            DuplicateDismissal.objects.filter(map_id=map_id).values_list("a_id", "b_id")
        )
        rows = [
            DuplicateCandidate(map_id=map_id, a_id=a, b_id=b, score=s, graph_version=version)
            for a, b, s in pairs
            if (a, b) not in dismissed
        ]
        DuplicateCandidate.objects.filter(map_id=map_id).delete()
        DuplicateCandidate.objects.bulk_create(rows, batch_size=2000)
    _state_set(map_id, version, index.signature)
    return len(rows)


def duplicates_stale_maps(*, limit: int = 200) -> list[int]:
    """Maps whose stored pairs are older than their graph (or were never computed)."""
    maps = list(Map.objects.order_by("id").values_list("id", "graph_version"))
    try:
        states = cache.get_many([_state_key(map_id) for map_id, _ in maps])
    except Exception:  # noqa: BLE001 - the cache down: nothing to compare with
        logger.warning("could not read the duplicates states", exc_info=True)
        return []
    stale = []
    for map_id, version in maps:
        state = states.get(_state_key(map_id))
        if not state or int(state[0]) < version:
            stale.append(map_id)
            if len(stale) == limit:
                break
    return stale


@transaction.atomic
def duplicate_dismiss(
    *, map: Map, a_key: str, b_key: str, by: AbstractBaseUser
) -> tuple[DuplicateDismissal, bool]:
    """Record that two nodes are not duplicates; their pair is never listed again.

    Owner and editors. Dismissing a pair twice is harmless (created is False).
    """
    map_check(user=by, map=map, need=Need.EDIT)
    a = node_get(map=map, key=a_key, field="a")
    b = node_get(map=map, key=b_key, field="b")
    if a.pk == b.pk:
        raise ValidationFailed(
            "a node is not a duplicate of itself: name two different nodes",
            fields={"b": ["the same node as a"]},
        )
    low, high = sorted((a.pk, b.pk))
    dismissal, created = DuplicateDismissal.objects.get_or_create(
        a_id=low, b_id=high, defaults={"map": map, "by": by}
    )
    DuplicateCandidate.objects.filter(a_id=low, b_id=high).delete()
    return dismissal, created
