"""Reads of the stored rankings: the served JSON (cached per run), the overview, each
crux's why."""

import json
import logging
import struct
from array import array

from django.core.cache import cache

from claims.models import Map
from cruxes import ranking
from cruxes.models import CruxScore, RankingRun, RunStatus
from cruxes.privacy import privacy_floor, statistics_withheld
from cruxes.ranking.types import gc_paused

logger = logging.getLogger(__name__)

_FILTER_KEYS_MAX = 200  # ranking_latest: longest crux_key IN (...) list it sends


def _latest_runs(map: Map) -> tuple[RankingRun | None, str | None]:
    """The map's newest successful run, and the error of a failed run at its version."""
    run = (
        RankingRun.objects.filter(map=map, status=RunStatus.OK)
        .order_by("-graph_version", "-pk")  # the newest engine's run of a version first
        .only("pk", "graph_version", "computed_at", "frames", "ranked")
        .first()
    )
    failed = (
        RankingRun.objects.filter(map=map, status=RunStatus.FAILED, graph_version=map.graph_version)
        .values_list("error", flat=True)
        .first()
    )
    return run, failed


def _live_fields(map: Map, run: RankingRun | None, failed: str | None) -> dict:
    """What changes without a new run: the map's version, staleness, status."""
    return {
        "graph_version": run.graph_version if run else None,
        "map_graph_version": map.graph_version,
        "stale": run is None or run.graph_version < map.graph_version,
        "computed_at": run.computed_at.isoformat() if run else None,
        "status": "failed" if failed is not None else "ok",
    }


def ranking_latest(*, map: Map, frame: str | None = None, limit: int | None = None) -> dict:
    """The latest successful ranking of a map in the `rank_map --json` shape.

    Adds `map_graph_version`, `stale` (the run is older than the map's graph, or
    there is none yet), `computed_at` and `status` (`failed` when the newest
    attempt at the map's version raised).
    """
    run, failed = _latest_runs(map)
    out = _live_fields(map, run, failed)
    out.update(_run_body(run, frame=frame, limit=limit))
    return out


def ranking_overview(*, map: Map, limit: int, per_frame: int) -> dict:
    """The map page's view of the ranking: ranking_latest's top `limit` cruxes, plus
    `top_per_frame` {frame key: [{id, score}]}, each frame's `per_frame` best cruxes.

    Read from the stored per-frame ranks rather than from the whole ranking: on a
    100k-node map that is ~100k rows for the 3 x 100 the page shows.
    """
    run, failed = _latest_runs(map)
    out = _live_fields(map, run, failed)
    out.update(_run_body(run, frame=None, limit=limit))
    top: dict[str, list[dict]] = {}
    if run is not None:
        for frame_key, key, score in (
            CruxScore.objects.filter(run=run, rank__lte=per_frame)
            .exclude(frame_key="")
            .order_by("frame_key", "rank")
            .values_list("frame_key", "crux_key", "score")
        ):
            top.setdefault(frame_key, []).append({"id": key, "score": score})
    out["top_per_frame"] = top
    return out


# A run never changes once stored, so its rendered JSON can be kept: one cache
# entry per map and frame filter (the global ranking, or one of the map's frames)
# holds the newest run's whole rendering, replaced by the next run's. A `limit`
# is a slice of it, never an entry of its own: any integer is a valid limit, and
# an entry per value let anyone fill Redis (the broker too) with copies.
RANKING_CACHE_SECONDS = 600
#: Pages of at most this many cruxes are cut from a short copy of the rendering's start.
SHORT_PAGE = 50
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_END_SIZE = array("Q").itemsize
_UNREACHABLE = object()  # what _cache_call answers when the cache is down


def ranking_latest_json(*, map: Map, frame: str | None = None, limit: int | None = None) -> bytes:
    """ranking_latest as JSON bytes, the run's part rendered once and cached.

    On a 10k-node map the full ranking is ~1 MB of JSON: reading its ~8,000 score
    rows and rendering them took ~60 ms a request, while the run they come from is
    immutable. The live fields (stale, map_graph_version, status) are read afresh
    every time and spliced in front of the cached body.
    """
    run, failed = _latest_runs(map)
    head = _JSON.encode(_live_fields(map, run, failed)).encode()
    if run is None:
        body = _JSON.encode(_run_body(None, frame=frame, limit=limit)).encode()
    else:
        body = _run_body_json(map, run, frame=frame, limit=limit)
    # Two JSON objects made one: {head..., body...}.
    return head[:-1] + b"," + body[1:]


def _run_body_json(map: Map, run: RankingRun, *, frame: str | None, limit: int | None) -> bytes:
    """The run's body as JSON, sliced to `limit` cruxes from the cached whole rendering.

    The entry holds the body up to the crux list, the cruxes one after another,
    and where each crux ends: slicing is cutting bytes, not parsing JSON.
    """
    key, stamp = _whole_key(map.pk, run, frame)
    if limit is not None and limit <= SHORT_PAGE:
        # A short page (a poll for freshness, a page's top list) reads the short entry:
        # on a 10k-node map the whole rendering is ~2 MB to fetch and unpickle.
        short = _cache_call(cache.get, key + ":short")
        if short not in (None, _UNREACHABLE) and short[0] == stamp:
            return _slice(short, limit)
    cached = _cache_call(cache.get, key)
    if cached is _UNREACHABLE:
        # No cache to keep the whole rendering for the next request: render only
        # what was asked (a short page of a 100k-node map is a few rows).
        return _JSON.encode(_run_body(run, frame=frame, limit=limit)).encode()
    if cached is None or cached[0] != stamp:
        cached = _cache_whole(key, stamp, _run_body(run, frame=frame, limit=None))
    return _slice(cached, limit)


def _slice(cached: tuple, limit: int | None) -> bytes:
    """The body with the first `limit` cruxes (all with None) of a cached rendering."""
    _, start, cruxes_json, ends = cached
    count = len(ends) // _END_SIZE
    if limit is None or limit >= count:
        return start + cruxes_json + b"]}"
    cut = 0 if limit == 0 else struct.unpack_from("Q", ends, (limit - 1) * _END_SIZE)[0]
    return start + cruxes_json[:cut] + b"]}"


def _whole_key(map_id: int, run: RankingRun, frame: str | None) -> tuple[str, tuple]:
    """The cache key of a map's whole rendering (one per frame) and the stamp that says
    which run, under which privacy floor, it renders."""
    # 3: the shape with each crux's "why" (a rendering of the older shape is not reused).
    # The floor is in the stamp: a rendering made under another floor is not reused.
    stamp = (run.pk, run.computed_at.isoformat(), privacy_floor())
    return f"ranking-json:3:{map_id}:{frame or ''}", stamp


def _cache_whole(key: str, stamp: tuple, whole: dict) -> tuple:
    """Cache a run's whole rendering as (stamp, head, the cruxes' JSON, where each ends):
    slicing a page out of it is cutting bytes, not parsing JSON."""
    cruxes = whole.pop("cruxes")
    start = _JSON.encode(whole).encode()[:-1] + b',"cruxes":['
    items = [_JSON.encode(c).encode() for c in cruxes]
    ends = array("Q")  # where each crux ends (the comma before the next excluded)
    size = -1
    for item in items:
        size += 1 + len(item)
        ends.append(size)
    cached = (stamp, start, b",".join(items), ends.tobytes())
    # The whole rendering, and its first SHORT_PAGE cruxes apart (ranking_latest_json).
    short_ends = ends[:SHORT_PAGE]
    short_cut = short_ends[-1] if short_ends else 0
    short = (stamp, start, cached[2][:short_cut], short_ends.tobytes())
    _cache_call(cache.set_many, {key: cached, key + ":short": short}, RANKING_CACHE_SECONDS)
    return cached


def ranking_render_ahead(*, map_id: int, run: RankingRun, result: "ranking.RankingResult") -> None:
    """Cache the new run's whole rendering, built from the engine's result in memory: the
    same bytes as rendering its stored rows (tests/cruxes/test_render_ahead.py), without
    reading ~6,000 rows back on a 10k-node map. The worker calls it right after the store,
    so that the first reader after a run (often a page polling for it) finds it cached."""
    # The run's two JSON fields as the database gives them back (jsonb orders an object's
    # keys its own way): one short row, not the score rows.
    frames, ranked = RankingRun.objects.values_list("frames", "ranked").get(pk=run.pk)
    with gc_paused():
        whole = {"frames": frames, "cruxes": [], "ranked": (ranked or {}).get("")}
        listed = sorted(result.cruxes, key=lambda c: (c.rank, not c.connected, c.key))
        for c in listed:
            crux = {
                "id": c.key,
                "rank": c.rank,
                "score": c.score,
                "credence": c.credence,
                "n_votes": c.n_votes,
                "uncertainty": c.uncertainty,
                "disagreement": c.disagreement,
                "discrimination": c.discrimination,
                "connected": c.connected,
            }
            crux["frames"] = [
                {
                    "frame": f.frame,
                    "score": f.score,
                    "delta": f.delta,
                    "strength_if_true": f.strength_if_true,
                    "strength_if_false": f.strength_if_false,
                }
                for f in sorted(c.frames, key=lambda f: (-f.score, f.frame))
            ]
            moves = [
                (-abs(f.delta), f.frame, {"frame": f.frame, "delta": f.delta, "path": list(f.path)})
                for f in c.frames
            ]
            crux["why"] = _why(crux, moves)
            whole["cruxes"].append(_private(crux))
        key, stamp = _whole_key(map_id, run, None)
        _cache_whole(key, stamp, whole)


def _cache_call(method, *args):
    """A cache operation that fails soft: with Redis down the ranking is only slower.

    Answers _UNREACHABLE when the cache raised.
    """
    try:
        return method(*args)
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        logger.warning("ranking cache unavailable: %s", exc)
        return _UNREACHABLE


def _run_body(run: RankingRun | None, *, frame: str | None, limit: int | None) -> dict:
    """A stored run's frames and cruxes (global, or for one frame).

    Each crux carries `connected` and its `why`: credence, uncertainty, disagreement,
    discrimination and, for each frame it moves (most first), the delta and the strongest
    route of arguments to it (node keys, crux first, frame last). `ranked` tells how many
    cruxes the whole list ranks and which ranks they share ({"rank": how many}).
    """
    # The collector paused: a 100k-node run is ~10^6 small dicts and lists, none of
    # them cyclic garbage, and its rescans of them were half the rendering's time.
    with gc_paused():
        return _stored_body(run, frame=frame, limit=limit)


def _stored_body(run: RankingRun | None, *, frame: str | None, limit: int | None) -> dict:
    out: dict = {"frames": run.frames if run else [], "cruxes": []}
    if frame is not None:
        out["frame"] = frame
    if run is None:
        return out
    out["ranked"] = (run.ranked or {}).get(frame or "")
    rows = CruxScore.objects.filter(run=run)
    # values_list, not model instances: a 10k-node map has thousands of score rows.
    if frame is not None:
        out["cruxes"] = _frame_cruxes(rows, frame=frame, limit=limit)
        return out
    global_rows = rows.filter(frame_key="").order_by("rank", "-connected", "crux_key")
    if limit is not None:
        global_rows = global_rows[:limit]
    cruxes = {
        key: {
            "id": key,
            "rank": rank,
            "score": score,
            "credence": credence,
            "n_votes": n_votes,
            "uncertainty": uncertainty,
            "disagreement": disagreement,
            "discrimination": discrimination,
            "connected": connected,
            "frames": [],
        }
        for key, rank, score, credence, n_votes, uncertainty, disagreement, discrimination, (
            connected
        ) in global_rows.values_list(
            "crux_key",
            "rank",
            "score",
            "credence",
            "n_votes",
            "uncertainty",
            "disagreement",
            "discrimination",
            "connected",
        )
    }
    # Per crux, its frames' entries and moves, each behind its sort key: tuples sort
    # in C, a key function costs a Python call per entry (~3.5 10^5 on a 100k map).
    entries: dict[str, list[tuple]] = {key: [] for key in cruxes}
    moves: dict[str, list[tuple]] = {key: [] for key in cruxes}
    per_frame = rows.exclude(frame_key="")
    if limit is not None and len(cruxes) <= _FILTER_KEYS_MAX:
        # A short page: fetch only its cruxes' rows. A long one (or all) reads the
        # run's rows and skips the rest below, rather than send thousands of keys.
        per_frame = per_frame.filter(crux_key__in=list(cruxes))
    # Unordered (.order_by() also drops Meta.ordering) and sorted here per crux: on a
    # 100k-node map the run has ~85k per-frame rows, and PostgreSQL sorting them
    # spilled to temporary files on every first rendering after a run.
    for key, frame_key, score, delta, if_true, if_false, path in per_frame.order_by().values_list(
        "crux_key",
        "frame_key",
        "score",
        "delta",
        "strength_if_true",
        "strength_if_false",
        "path",
    ):
        mine = entries.get(key)
        if mine is not None:
            frame = {
                "frame": frame_key,
                "score": score,
                "delta": delta,
                "strength_if_true": if_true,
                "strength_if_false": if_false,
            }
            mine.append((-score, frame_key, frame))
            move = {"frame": frame_key, "delta": delta, "path": stored_route(path)}
            moves[key].append((-abs(delta), frame_key, move))
    for key, crux in cruxes.items():
        mine = entries[key]
        mine.sort()
        crux["frames"] = [frame for _, _, frame in mine]
        crux["why"] = _why(crux, moves[key])
        _private(crux)
    out["cruxes"] = list(cruxes.values())  # in the rows' order: rank, connected, key
    return out


def _frame_cruxes(rows, *, frame: str, limit: int | None) -> list[dict]:
    """The cruxes ranked for one frame, each with its why, from one query.

    The why names every frame the crux moves, not only this one: the query reads all the
    rows of the listed cruxes (a subquery picks them), their global rows included.
    """
    listed = rows.filter(frame_key=frame).order_by("rank", "crux_key").values("crux_key")
    if limit is not None:
        listed = listed[:limit]
    theirs: dict[str, dict] = {}
    entries = []
    for key, frame_key, rank, score, credence, n_votes, uncertainty, delta, if_true, if_false, (
        disagreement
    ), discrimination, connected, path in (
        rows.filter(crux_key__in=listed)
        .order_by()
        .values_list(
            "crux_key",
            "frame_key",
            "rank",
            "score",
            "credence",
            "n_votes",
            "uncertainty",
            "delta",
            "strength_if_true",
            "strength_if_false",
            "disagreement",
            "discrimination",
            "connected",
            "path",
        )
    ):
        why = theirs.setdefault(key, {"moves": []})
        if frame_key == "":
            why["connected"] = connected
            continue
        move = {"frame": frame_key, "delta": delta, "path": stored_route(path)}
        why["moves"].append((-abs(delta), frame_key, move))
        if frame_key == frame:
            entries.append(
                {
                    "id": key,
                    "rank": rank,
                    "score": score,
                    "credence": credence,
                    "n_votes": n_votes,
                    "uncertainty": uncertainty,
                    "delta": delta,
                    "strength_if_true": if_true,
                    "strength_if_false": if_false,
                    "disagreement": disagreement,
                    "discrimination": discrimination,
                }
            )
    entries.sort(key=lambda c: (c["rank"], c["id"]))
    for crux in entries:
        why = theirs[crux["id"]]
        crux["connected"] = why.get("connected", True)
        crux["why"] = _why(crux, why["moves"])
        _private(crux)
    return entries


def stored_route(path: str) -> list[str]:
    """A stored route (CruxScore.path, empty on rows stored before routes were) as its
    node keys. The text is JSON written by cruxes.services.rankings._path_json from keys that
    hold no quote or comma (KEY_PATTERN): splitting it is its parse, at a fifth of
    json.loads's cost (a first rendering reads ~10^5 of them on a 100k-node map)."""
    if len(path) <= 2:
        return []
    return path[2:-2].split('","')


def _why(crux: dict, moves: list[tuple]) -> dict:
    """The crux's why: its figures, and the frames it moves, most moved first.

    `moves`: (-|delta|, frame key, {frame, delta, path}) of each frame it moves."""
    moves.sort()
    return {
        "credence": crux["credence"],
        "uncertainty": crux["uncertainty"],
        "disagreement": crux["disagreement"],
        "discrimination": crux["discrimination"],
        "frames": [move for _, _, move in moves],
    }


def _private(crux: dict) -> dict:
    """A ranking row as others may see it: below the privacy floor no community
    credence, and no uncertainty either (4p(1-p) with one voter gives p back), nor
    disagreement (the spread of the votes, like their SD); in its why neither."""
    if statistics_withheld(crux["n_votes"]):
        withheld = ("credence", "uncertainty", "disagreement")
        for name in withheld:
            if name in crux:
                crux[name] = None
        if "why" in crux:
            crux["why"].update(dict.fromkeys(withheld))
    return crux
