"""Ranking a large stored map as the worker does: load from PostgreSQL, engine, store.

    python bench/worker_ranking.py [--nodes 100000] [--seed 0] [--repeat 3] [--worker-runs 2]

Imports the synthetic map into the benchmark database when it is not there yet (see
bench/common.py), then per repeat, in this process, times the three steps of
cruxes.services.ranking_compute:

* load: ranking_snapshot (the map's version, nodes with their credences, edges),
* engine: cruxes.ranking.rank, with the worker's min_delta (or --min-delta),
* store: ranking_store (the run and its score rows) plus the deferred foreign-key
  checks that would run at commit; rolled back, so every repeat stores afresh.

Then --worker-runs times with a real Celery worker: bump the map's version (as an edit
does) and wait for the new run, which includes the worker's debounce wait
(RANKING_DEBOUNCE_MS). Prints Markdown tables: median (min-max) seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TOTAL_S, ENGINE_S = 5.0, 2.0


class _Rollback(Exception):
    pass


def ensure_map(nodes: int, seed: int) -> int:
    """The synthetic map's id, importing it first when the database lacks it."""
    import tempfile

    from claims.models import Map, Node

    slug = f"synthetic-{nodes}-{seed}"
    found = Map.objects.filter(slug=slug).first()
    if found is not None and Node.objects.filter(map=found).count() == nodes:
        return found.pk
    with tempfile.TemporaryDirectory(prefix="argmap-bench-") as tmp:
        path = str(Path(tmp, "map.json"))
        common.manage("generate_map", "--nodes", str(nodes), "--seed", str(seed), "-o", path)
        common.manage("import_map", "--replace", path)
    return Map.objects.get(slug=slug).pk


def time_steps(map_id: int, min_delta: float | None = None) -> dict[str, float]:
    from django.db import connection, transaction

    from cruxes import ranking, services
    from cruxes.services import ranking_snapshot, ranking_store

    out = {}
    t0 = time.perf_counter()
    version, nodes, edges = ranking_snapshot(map_id)
    t1 = time.perf_counter()
    if min_delta is None:  # what cruxes.services.ranking_compute passes
        min_delta = getattr(services, "STORED_MIN_DELTA", 0.0)
    result = ranking.rank(nodes, edges, min_delta=min_delta)
    t2 = time.perf_counter()
    try:
        with transaction.atomic():
            from cruxes.models import RankingRun

            # A version above any stored run, so that the conditional write goes ahead.
            latest = RankingRun.objects.filter(map_id=map_id).order_by("-graph_version").first()
            store_version = max(version, latest.graph_version if latest else 0) + 1
            t3 = time.perf_counter()
            run = ranking_store(map_id=map_id, version=store_version, result=result, duration_ms=0)
            assert run is not None
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks COMMIT would run
            t4 = time.perf_counter()
            out["rows"] = run.scores.count()
            raise _Rollback
    except _Rollback:
        pass
    out.update(
        load=t1 - t0,
        engine=t2 - t1,
        store=t4 - t3,
        nodes=len(nodes),
        edges=len(edges),
        cruxes=len(result.cruxes),
    )
    return out


def time_worker(map_id: int, runs: int) -> tuple[list[float], float]:
    """Seconds from a committed version bump to the worker's stored run; worker peak RSS MB."""
    from django.db import transaction

    from claims.services import map_graph_changed
    from cruxes.models import CruxScore, RankingRun
    from tests.worker import celery_worker, wait_for

    times = []
    with celery_worker(env={"DEBUG": "0"}) as proc:
        for _ in range(runs):
            CruxScore.objects.filter(run__map_id=map_id).delete()  # keep the table small
            started = time.perf_counter()
            with transaction.atomic():
                version = map_graph_changed(map_id=map_id, action="bench")
            wait_for(
                lambda v=version: RankingRun.objects.filter(
                    map_id=map_id, graph_version__gte=v
                ).exists(),
                timeout=300,
                interval=0.02,
            )
            times.append(time.perf_counter() - started)
        peak = _peak_rss_mb(proc.pid)
    return times, peak


def _min_delta(override: float | None) -> float:
    from cruxes import services

    return override if override is not None else getattr(services, "STORED_MIN_DELTA", 0.0)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker-runs", type=int, default=2, help="0: skip the real worker")
    ap.add_argument(
        "--min-delta",
        type=float,
        default=None,
        help="what-if: rank with this min_delta instead of the worker's "
        "(cruxes.services.STORED_MIN_DELTA); --worker-runs still measures the worker's",
    )
    args = ap.parse_args(argv)

    common.bench_environment()
    common.ensure_database()
    common.setup_django()
    from django.conf import settings

    print(f"# ranking in the worker, {args.nodes:,} nodes (seed {args.seed})\n", flush=True)
    print(common.machine(), flush=True)
    map_id = ensure_map(args.nodes, args.seed)
    steps = []
    for i in range(args.repeat):
        steps.append(time_steps(map_id, args.min_delta))
        s = steps[-1]
        print(
            f"  run {i + 1}: load {s['load']:.2f} s, engine {s['engine']:.2f} s, "
            f"store {s['store']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    first = steps[0]
    print(
        f"\n{first['nodes']:,} nodes, {first['edges']:,} edges, {first['cruxes']:,} cruxes; "
        f"{first['rows']:,} score rows per run; {args.repeat} repeats"
        + f"; rank(min_delta={_min_delta(args.min_delta):g})"
        + (" (what-if)" if args.min_delta is not None else " (as the worker)")
        + "\n"
    )
    load = [s["load"] for s in steps]
    engine = [s["engine"] for s in steps]
    store = [s["store"] for s in steps]
    total = [s["load"] + s["engine"] + s["store"] for s in steps]
    load_engine = [s["load"] + s["engine"] for s in steps]
    rows = [
        ["load (ranking_snapshot)", common.median_range(load), "", ""],
        ["engine (ranking.rank)", common.median_range(engine), f"≤ {ENGINE_S:.0f} s",
         common.verdict(statistics.median(engine), ENGINE_S)],
        ["load + engine", common.median_range(load_engine), "", ""],
        ["store (ranking_store + FK checks)", common.median_range(store), "", ""],
        ["load + engine + store", common.median_range(total), f"≤ {TOTAL_S:.0f} s",
         common.verdict(statistics.median(total), TOTAL_S)],
    ]  # fmt: skip
    if args.worker_runs:
        times, peak = time_worker(map_id, args.worker_runs)
        rows.append(
            [f"real worker: version bump → run stored (debounce {settings.RANKING_DEBOUNCE_MS} ms"
             f" included; worker peak RSS {peak:.0f} MB)", common.median_range(times),
             f"≤ {TOTAL_S:.0f} s", common.verdict(statistics.median(times), TOTAL_S)]
        )  # fmt: skip
    print(common.table(["step", "seconds, median (min-max)", "target", "verdict"], rows))
    print(f"\nbenchmark process peak RSS {common.self_max_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
