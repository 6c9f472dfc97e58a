"""Reads of the ranking's history: the runs kept, the diff of two runs, the rank-change
markers."""

import logging
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache

from claims.models import Edge, Map
from cruxes.models import CruxScore, RankingRun, RunStatus
from cruxes.privacy import privacy_floor
from cruxes.selectors.rankings import _UNREACHABLE, _cache_call

logger = logging.getLogger(__name__)


def ranking_runs(*, map: Map) -> list[RankingRun]:
    return list(
        RankingRun.objects.filter(map=map)
        .order_by("-graph_version", "-id")
        .only("graph_version", "engine_version", "status", "error", "computed_at", "duration_ms")[
            :500
        ]
    )


def _edge_index(map_id: int) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    out_edges: dict[str, set[str]] = defaultdict(set)
    in_edges: dict[str, set[str]] = defaultdict(set)
    for s, t in Edge.objects.filter(map_id=map_id, kind__in=("supports", "undermines")).values_list(
        "source__key", "target__key"
    ):
        out_edges[s].add(t)
        in_edges[t].add(s)
    return out_edges, in_edges


def _affecting_nodes(index: tuple[dict, dict], crux_key: str) -> set[str]:
    """The crux, what supports or undermines it, and its paths to frames."""
    out_edges, in_edges = index
    seen = {crux_key}
    stack = [crux_key]
    while stack:  # downstream: the chain through which the crux reaches frames
        for nxt in out_edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen | in_edges[crux_key]


def _stored_versions(map: Map, limit: int = 100) -> str:
    """The graph versions of the map's stored successful runs, newest first."""
    versions = list(
        RankingRun.objects.filter(map=map, status=RunStatus.OK)
        .order_by("-graph_version")
        .values_list("graph_version", flat=True)[: limit + 1]
    )
    shown = ", ".join(str(v) for v in versions[:limit]) or "none"
    return shown + (", ..." if len(versions) > limit else "")


def ranking_diff(*, map: Map, v_from: int, v_to: int) -> dict:
    """How the global ranking changed between two stored runs, and why."""
    from claims.models import MapChange
    from core.errors import NotFound

    runs = {
        r.graph_version: r
        for r in RankingRun.objects.filter(
            map=map, status=RunStatus.OK, graph_version__in=[v_from, v_to]
        )
    }
    for version in (v_from, v_to):
        if version not in runs:
            raise NotFound(
                f"no ranking run is stored at graph version {version}: it was never computed"
                " (a burst of edits is ranked once) or it has been pruned (kept are the"
                f" latest {settings.RANKING_KEEP_RUNS} runs and one a day for"
                f" {settings.RANKING_KEEP_DAILY_DAYS} days); stored versions:"
                f" {_stored_versions(map)}",
                fields={
                    "from" if version == v_from else "to": [
                        "no stored run at this version (never computed, or pruned)"
                    ]
                },
            )

    def scores(run: RankingRun) -> dict[str, tuple[int, float]]:
        return {
            k: (rank, score)
            for k, rank, score in CruxScore.objects.filter(run=run, frame_key="").values_list(
                "crux_key", "rank", "score"
            )
        }

    old, new = scores(runs[v_from]), scores(runs[v_to])
    lo, hi = sorted((v_from, v_to))
    changes = list(
        MapChange.objects.filter(map=map, graph_version__gt=lo, graph_version__lte=hi)
        .select_related("user")
        .order_by("graph_version")
    )
    index = _edge_index(map.pk)
    moved = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        affecting = _affecting_nodes(index, key)
        why = []
        for change in changes:
            if change.action == "map_import" or affecting & set(change.node_keys):
                entry = {
                    "graph_version": change.graph_version,
                    "action": change.action,
                    "nodes": change.node_keys,
                }
                # A vote is no one's business but its voter's: neither who nor when
                # (a moment can name the voter, and the ranking before and after
                # it the vote); its graph version orders it among the edits.
                if not change.action.startswith("vote"):
                    entry["at"] = change.created_at.isoformat()
                    entry["user"] = change.user.username if change.user else None
                why.append(entry)
        moved.append(
            {
                "id": key,
                "old_rank": before[0] if before else None,
                "new_rank": after[0] if after else None,
                "old_score": before[1] if before else None,
                "new_score": after[1] if after else None,
                "why": why,
            }
        )
    moved.sort(key=lambda m: (-abs((m["new_score"] or 0) - (m["old_score"] or 0)), m["id"]))
    return {"from": v_from, "to": v_to, "cruxes": moved}


# ---- How the ranking moved: the pages' rank-change markers and "what changed" strip ----

RANKING_DIFF_CACHE_SECONDS = 600


def _previous_run(map: Map, graph_version: int) -> tuple[int, int] | None:
    """(pk, graph version) of the map's newest successful run before `graph_version`."""
    return (
        RankingRun.objects.filter(map=map, status=RunStatus.OK, graph_version__lt=graph_version)
        .order_by("-graph_version", "-pk")
        .values_list("pk", "graph_version")
        .first()
    )


def ranking_rank_changes(
    *, map: Map, graph_version: int | None, keys: list[str], frame: str = ""
) -> dict:
    """Where the listed cruxes stood in the run before the one at `graph_version`, in the
    global list (`frame` "") or one frame's: {"from": that run's version or None,
    "ranks": {crux key: its rank then}}. Two queries whatever the map's size (the keys
    are a page's rows); none without a latest run, one when there is no earlier run."""
    if graph_version is None or not keys:
        return {"from": None, "ranks": {}}
    previous = _previous_run(map, graph_version)
    if previous is None:
        return {"from": None, "ranks": {}}
    ranks = dict(
        CruxScore.objects.filter(run_id=previous[0], frame_key=frame, crux_key__in=keys)
        .order_by()
        .values_list("crux_key", "rank")
    )
    return {"from": previous[1], "ranks": ranks}


def rank_change(*, old_rank: int | None, new_rank: int, since: int | None) -> dict | None:
    """A row's marker: {"kind": "up" | "down" | "same" | "new", "by": places}; None when
    there is no earlier run to compare with."""
    if since is None:
        return None
    if old_rank is None:
        return {"kind": "new", "by": 0, "since": since}
    by = old_rank - new_rank
    kind = "up" if by > 0 else "down" if by < 0 else "same"
    return {"kind": kind, "by": abs(by), "since": since}


def ranking_diff_latest(*, map: Map, graph_version: int | None) -> dict | None:
    """ranking_diff between the map's run at `graph_version` (its latest) and the one
    before it, or None when there is none before. Both runs and the changes between them
    never change once stored, so the diff is cached per pair of runs (it reads every
    score of both runs and the map's arguments); without the cache it is computed."""
    if graph_version is None:
        return None
    previous = _previous_run(map, graph_version)
    if previous is None:
        return None
    key = f"ranking-diff:1:{map.pk}:{previous[1]}:{graph_version}:{privacy_floor()}"
    cached = _cache_call(cache.get, key)
    if isinstance(cached, dict):
        return cached
    diff = ranking_diff(map=map, v_from=previous[1], v_to=graph_version)
    if cached is not _UNREACHABLE:
        _cache_call(cache.set, key, diff, RANKING_DIFF_CACHE_SECONDS)
    return diff
