"""Writes of ranking runs: the snapshot, the engine's run, the store, the debounced refresh,
the retention prune and the sweep (what the worker's tasks call)."""

import logging
import time
import traceback
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from claims.models import Map
from claims.selectors import read_snapshot
from claims.services.bulk import rows_insert
from core.errors import NotFound
from cruxes import ranking
from cruxes.activity import ranking_top_ten_changed
from cruxes.engine_cache import compiled_map_put, compiled_map_read
from cruxes.models import (
    CruxScore,
    RankingRun,
    RunStatus,
)
from cruxes.ranking.semantics import TIE_DECIMALS
from cruxes.ranking.types import gc_paused
from cruxes.selectors import ranking_inputs

logger = logging.getLogger(__name__)


def ranking_snapshot(map_id: int) -> tuple[int, list, list]:
    """The map's graph version and ranking inputs, read as one consistent snapshot."""
    # Version and graph from the same snapshot: a concurrent edit cannot make us label
    # newer data with an older version (or the reverse).
    with read_snapshot():
        version = Map.objects.filter(pk=map_id).values_list("graph_version", flat=True).first()
        if version is None:
            raise NotFound(f"map {map_id} no longer exists")
        nodes, edges = ranking_inputs(map_id=map_id)
    return version, nodes, edges


def _latest_version(map_id: int) -> int | None:
    # Runs of an older engine do not count: after an engine upgrade every map is
    # ranked again (the sweep finds them) rather than served the old formulas.
    return (
        RankingRun.objects.filter(map_id=map_id, engine_version=ranking.ENGINE_VERSION)
        .order_by("-graph_version")
        .values_list("graph_version", flat=True)
        .first()
    )


def ranking_store(
    *, map_id: int, version: int, result: "ranking.RankingResult", duration_ms: int
) -> RankingRun | None:
    """Store a run unless one at this or a newer version exists (conditional write).

    Besides the scores, each crux's "why" (cruxes.selectors serves it): disagreement,
    discrimination and connected on its global row, its strongest route of arguments on
    each frame's row; and the run's `ranked` tally (list sizes and shared ranks).
    """
    # The collector paused: the ~10^5 row tuples below are not cyclic garbage.
    with transaction.atomic(), gc_paused():
        # Serialise writers per map on the map row; then check, then insert.
        Map.objects.select_for_update().filter(pk=map_id).first()
        latest = _latest_version(map_id)
        if latest is not None and latest >= version:
            return None
        # Each frame's list: by score, then key; equal scores (to the engine's
        # TIE_DECIMALS, as in the global list) share a rank: 1, 1, 3.
        per_frame: dict[str, list] = {}
        for crux in result.cruxes:
            for f in crux.frames:
                per_frame.setdefault(f.frame, []).append(
                    (-round(f.score, TIE_DECIMALS), crux.key, f, crux)
                )
        frame_ranks = {}
        for frame_key, entries in per_frame.items():
            entries.sort(key=_by_score_then_key)
            frame_ranks[frame_key] = _competition_ranks([e[0] for e in entries])
        ranked = {"": _tally([crux.rank for crux in result.cruxes])}
        ranked.update({key: _tally(ranks) for key, ranks in frame_ranks.items()})
        run = RankingRun.objects.create(
            map_id=map_id,
            graph_version=version,
            engine_version=ranking.ENGINE_VERSION,
            status=RunStatus.OK,
            duration_ms=duration_ms,
            frames=[
                {"id": f.key, "strength": f.strength, "parent": f.parent} for f in result.frames
            ],
            ranked=ranked,
        )
        # Plain tuples written with COPY (rows_insert): a 100k-node map has ~100k
        # score rows, and model instances through bulk_create cost ~100 µs each.
        run_id = run.pk
        rows = []
        for crux in result.cruxes:
            delta = 0.0
            for f in crux.frames:
                if abs(f.delta) > delta:
                    delta = abs(f.delta)
            rows.append(
                (run_id, crux.key, "", crux.score, crux.rank, delta, crux.uncertainty,
                 crux.credence, crux.n_votes, None, None, crux.disagreement,
                 crux.discrimination, crux.connected, "")
            )  # fmt: skip
        for frame_key, entries in per_frame.items():
            for rank, (_, key, f, crux) in zip(frame_ranks[frame_key], entries, strict=True):
                rows.append(
                    (run_id, key, frame_key, f.score, rank, f.delta, crux.uncertainty,
                     crux.credence, crux.n_votes, f.strength_if_true, f.strength_if_false,
                     crux.disagreement, crux.discrimination, True, _path_json(f.path))
                )  # fmt: skip
        rows_insert(CruxScore, _SCORE_COLUMNS, rows)
        return run


def _by_score_then_key(entry: tuple) -> tuple[float, str]:
    return entry[0], entry[1]


def _competition_ranks(ordered: list[float]) -> list[int]:
    """Ranks of an ordered list where equal values share a rank and leave a gap: 1, 1, 3."""
    ranks, rank, previous = [], 0, None
    for position, value in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks.append(rank)
    return ranks


def _tally(ranks: list[int]) -> dict:
    """A list's size and the ranks that two or more of its cruxes share."""
    counts: dict[int, int] = {}
    for rank in ranks:
        counts[rank] = counts.get(rank, 0) + 1
    return {"count": len(ranks), "shared": {str(r): n for r, n in counts.items() if n > 1}}


def _path_json(path: list[str]) -> str:
    """A route as JSON text. Node keys are [a-z0-9_-] (KEY_PATTERN, checked by the
    database), so joining them is their JSON, at a tenth of json.dumps's cost a row."""
    return '["' + '","'.join(path) + '"]' if path else "[]"


_SCORE_COLUMNS = (
    "run_id",
    "crux_key",
    "frame_key",
    "score",
    "rank",
    "delta",
    "uncertainty",
    "credence",
    "n_votes",
    "strength_if_true",
    "strength_if_false",
    "disagreement",
    "discrimination",
    "connected",
    "path",
)


def ranking_record_failure(*, map_id: int, version: int, error: str) -> None:
    try:
        with transaction.atomic():
            RankingRun.objects.create(
                map_id=map_id,
                graph_version=version,
                engine_version=ranking.ENGINE_VERSION,
                status=RunStatus.FAILED,
                error=error[:10_000],
            )
    except IntegrityError:
        pass  # already recorded for this version


# Per-frame entries with |delta| below this are not stored: a crux "moves" a frame when
# resolving it changes the frame's credence by at least 0.1 percentage point (what the
# pages can show, and what a `why` explains); on a 100k-node map the smaller effects
# are three quarters of the rows a run would write. Global scores and ranks count them.
STORED_MIN_DELTA = ranking.semantics.WHY_MIN_DELTA


def ranking_compute(*, map_id: int) -> RankingRun | None:
    """Compute and store the map's ranking at its current version, if not done yet.

    Returns the stored run, or None when a run at this or a newer version exists
    or the computation failed (then a failed run records the error).
    """
    started = time.perf_counter()
    try:
        # The map compiled at its version: after a vote, the last run's with that
        # node's votes read again (cruxes.engine_cache), not the whole map.
        compiled = compiled_map_read(map_id=map_id)
        version = compiled.version
        latest = _latest_version(map_id)
        if latest is not None and latest >= version:
            return None
        result = ranking.rank_graph(compiled.graph, min_delta=STORED_MIN_DELTA)
    except (NotFound, DatabaseError):
        raise  # a deleted map or an unreachable database: not the map's fault
    except Exception:
        # A map whose ranking raises (bad data, an engine bug) is recorded as
        # failed with its error, so it neither blocks other maps nor is retried
        # forever at this version; its next edit tries again.
        version = Map.objects.filter(pk=map_id).values_list("graph_version", flat=True).first()
        logger.exception("ranking of map %s at version %s failed", map_id, version)
        if version is not None:
            ranking_record_failure(map_id=map_id, version=version, error=traceback.format_exc())
        return None
    duration_ms = int((time.perf_counter() - started) * 1000)
    run = ranking_store(map_id=map_id, version=version, result=result, duration_ms=duration_ms)
    if run is not None:
        _ranking_render_ahead(map_id, run, result)
        # After the run is served: the web processes' personal views and double cruxes
        # at this version start from the compiled graph instead of the database.
        compiled_map_put(map_id=map_id, compiled=compiled)  # never raises
        try:
            # After the run is served: the activity entry must not delay freshness,
            # and a failure to log it must not fail a run that is already stored.
            ranking_top_ten_changed(map_id=map_id, run_id=run.pk)
        except DatabaseError:
            logger.exception("logging the top-ten change of map %s failed", map_id)
        from cruxes.tasks import recompute_schools_soon  # cruxes.tasks imports this module

        recompute_schools_soon(map_id)  # throttled per map; never raises
    return run


def _ranking_render_ahead(map_id: int, run: RankingRun, result) -> None:
    """Render the new run's JSON into the cache now, from the result in memory, so that
    the first reader after the run (often a page polling for it) is served from the
    cache, not kept waiting while it renders the whole ranking. Best effort: a reader
    renders it otherwise."""
    from cruxes.selectors import ranking_render_ahead

    try:
        ranking_render_ahead(map_id=map_id, run=run, result=result)
    except Exception:  # noqa: BLE001 - the cache failed: readers render it
        logger.warning("could not render the ranking of map %s ahead", map_id, exc_info=True)


def ranking_needed(*, map_id: int) -> bool:
    version = Map.objects.filter(pk=map_id).values_list("graph_version", flat=True).first()
    if version is None:
        return False
    latest = _latest_version(map_id)
    return latest is None or latest < version


def ranking_refresh(*, map_id: int) -> int:
    """Coalescing recompute: returns how many computations this call ran.

    Only one caller computes a map at a time; the others return at once, and
    the one computing loops until the map's version is done. After releasing
    the lock it checks once more, because an edit may have committed (and its
    message been dropped by the lock) between its last check and the release.
    """
    from cruxes.locks import map_ranking_lock

    computed = 0
    while ranking_needed(map_id=map_id):
        with map_ranking_lock(map_id) as acquired:
            if not acquired:
                return computed
            while ranking_needed(map_id=map_id):
                # Before each pass, not once per lock: edits that arrive while a
                # run computes are a burst, and the next pass lets it settle.
                _wait_for_quiet(map_id)
                try:
                    ranking_compute(map_id=map_id)
                except NotFound:
                    return computed  # the map was deleted meanwhile
                computed += 1
            if computed:
                # Under the map's lock: one prune of a map at a time, right after
                # the run that made one more to keep. A prune that fails leaves
                # the run stored; beat's prune tries again.
                try:
                    ranking_prune(map_id=map_id)
                except DatabaseError:
                    logger.exception("pruning the ranking runs of map %s failed", map_id)
    return computed


def _wait_for_quiet(map_id: int) -> None:
    """Debounce: let a burst of edits finish before computing, within a bound.

    Fifty rapid edits should cost one or two computations, not fifty; the wait
    ends once the map has been quiet for RANKING_DEBOUNCE_MS, and never lasts
    longer than RANKING_MAX_DELAY_MS, which bounds edit-to-fresh latency.

    Leading edge: an edit that follows a quiet spell (the only change since the
    last run, made RANKING_DEBOUNCE_MS or more after the change before it) is
    computed at once instead of after the quiet time. A lone edit is the common
    case and waiting gained it nothing; if it was the first of a burst, the rest
    arrive while it computes and the next pass waits for them as before, so a
    burst still costs one or two more computations, not one per edit.
    """
    from django.conf import settings
    from django.utils import timezone

    quiet = settings.RANKING_DEBOUNCE_MS / 1000
    if quiet <= 0 or _edit_after_quiet_spell(map_id, quiet):
        return
    deadline = time.monotonic() + settings.RANKING_MAX_DELAY_MS / 1000
    while True:
        changed = Map.objects.filter(pk=map_id).values_list("updated_at", flat=True).first()
        if changed is None:
            return
        idle = (timezone.now() - changed).total_seconds()
        remaining = deadline - time.monotonic()
        if idle >= quiet or remaining <= 0:
            return
        time.sleep(min(quiet - idle, remaining))


def _edit_after_quiet_spell(map_id: int, quiet: float) -> bool:
    """True when one change is pending and it came `quiet` seconds or more after the one
    before it (or is the map's first): nothing suggests a burst in progress."""
    from claims.models import MapChange

    latest = _latest_version(map_id)
    changes = list(
        MapChange.objects.filter(map_id=map_id)
        .order_by("-graph_version")
        .values_list("graph_version", "created_at")[:2]
    )
    if not changes or latest is None or changes[0][0] != latest + 1:
        return False
    if len(changes) == 1:
        return True
    return (changes[0][1] - changes[1][1]).total_seconds() >= quiet


# Pruning: each statement deletes at most this many score rows (one short
# transaction each, so a prune never holds many row locks for long), and the
# runs go in chunks of this many ids.
PRUNE_BATCH_ROWS = 10_000
PRUNE_BATCH_RUNS = 100


def runs_kept(
    runs: list[tuple[int, int, str, datetime]], *, now: datetime, keep_runs: int, keep_days: int
) -> set[int]:
    """Ids of the runs a map keeps, from its (id, graph_version, status, computed_at).

    The newest `keep_runs` runs (any status: a failed run at the map's version
    is what says "failed"), the newest successful run whatever its age (the
    ranking served), and the newest successful run of each of the last
    `keep_days` days, today included (UTC dates).
    """
    newest_first = sorted(runs, key=lambda r: (r[1], r[0]), reverse=True)
    kept = {r[0] for r in newest_first[:keep_runs]}
    first_day = (now - timedelta(days=keep_days - 1)).astimezone(UTC).date() if keep_days else None
    days_seen: set = set()
    latest_ok_seen = False
    for pk, _version, status, computed_at in newest_first:
        if status != RunStatus.OK:
            continue
        if not latest_ok_seen:
            kept.add(pk)
            latest_ok_seen = True
        day = computed_at.astimezone(UTC).date()
        if first_day is not None and day >= first_day and day not in days_seen:
            kept.add(pk)
            days_seen.add(day)
    return kept


def ranking_prune(*, map_id: int, now: datetime | None = None) -> int:
    """Delete the map's runs (and their scores) that the retention rule does not keep.

    Idempotent and safe to run twice at once: score rows go in bounded batches
    that skip rows another prune has locked, and a run goes only once none of its
    rows is left (the other prune finishes it). A run is stored in one
    transaction with its scores, so a run being written is not seen here, and the
    newest run is always kept. Returns the number of runs deleted.
    """
    from django.conf import settings

    runs = list(
        RankingRun.objects.filter(map_id=map_id).values_list(
            "pk", "graph_version", "status", "computed_at"
        )
    )
    kept = runs_kept(
        runs,
        now=now or timezone.now(),
        keep_runs=settings.RANKING_KEEP_RUNS,
        keep_days=settings.RANKING_KEEP_DAILY_DAYS,
    )
    doomed = sorted(pk for pk, *_ in runs if pk not in kept)
    deleted = 0
    for start in range(0, len(doomed), PRUNE_BATCH_RUNS):
        chunk = doomed[start : start + PRUNE_BATCH_RUNS]
        _scores_delete(chunk)
        deleted += _runs_delete(chunk)
    if deleted:
        logger.info("pruned %s ranking runs of map %s", deleted, map_id)
    return deleted


def _scores_delete(run_ids: list[int]) -> None:
    score_table = CruxScore._meta.db_table
    skip_locked = (
        " " + connection.ops.for_update_sql(skip_locked=True)
        if connection.features.has_select_for_update_skip_locked
        else ""
    )
    marks = ", ".join(["%s"] * len(run_ids))
    sql = (
        f"DELETE FROM {score_table} WHERE id IN"  # noqa: S608 - table name and placeholders
        f" (SELECT id FROM {score_table} WHERE run_id IN ({marks}) LIMIT %s{skip_locked})"
    )
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*run_ids, PRUNE_BATCH_ROWS])
            if cursor.rowcount < PRUNE_BATCH_ROWS:
                return


def _runs_delete(run_ids: list[int]) -> int:
    """Delete those of the runs no score row refers to any more (the others: a
    concurrent prune still deleting their rows will delete them)."""
    run_table, score_table = RankingRun._meta.db_table, CruxScore._meta.db_table
    marks = ", ".join(["%s"] * len(run_ids))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {run_table} WHERE id IN ({marks}) AND NOT EXISTS"  # noqa: S608
            f" (SELECT 1 FROM {score_table} s WHERE s.run_id = {run_table}.id)",
            run_ids,
        )
        return cursor.rowcount


def ranking_prune_all() -> int:
    """Prune every map with more runs than the newest it keeps (beat's job: maps that
    get no new run are never pruned by the worker). Returns the runs deleted."""
    from django.conf import settings
    from django.db.models import Count

    from cruxes.locks import map_ranking_lock

    crowded = (
        RankingRun.objects.values("map_id")
        .annotate(runs=Count("id"))
        .filter(runs__gt=settings.RANKING_KEEP_RUNS)
        .values_list("map_id", flat=True)
    )
    deleted = 0
    for map_id in list(crowded):
        # A map being recomputed is pruned by its worker right after.
        with map_ranking_lock(map_id) as acquired:
            if acquired:
                deleted += ranking_prune(map_id=map_id)
    return deleted


def ranking_sweep() -> int:
    """Enqueue a recompute for each map whose ranking is behind its graph version."""
    from django.db.models import F, Max, Q

    from cruxes.tasks import recompute_ranking

    current = Q(ranking_runs__engine_version=ranking.ENGINE_VERSION)
    stale = (
        Map.objects.annotate(latest=Max("ranking_runs__graph_version", filter=current))
        .filter(Q(latest__isnull=True) | Q(latest__lt=F("graph_version")))
        .values_list("pk", flat=True)
    )
    count = 0
    for map_id in stale:
        recompute_ranking.delay(map_id)
        count += 1
    return count
