"""What the list endpoints cost on a 10-node map and on a 100k-node / 300k-edge map.

    python bench/list_endpoints.py [--nodes 100000] [--small 10] [--repeat 5] [--reuse]
                                   [--only maps] [--statement-timeout 30s]

Imports two synthetic maps (claims.synthetic, without votes) into the benchmark
database (see bench/common.py; BENCH_DATABASE_URL picks another one), ranks
them once and VACUUM ANALYZEs the tables (as autovacuum soon would), then asks,
through Django's test client in this process with DEBUG off, for

* GET /api/v1/maps/ (every map with its node and edge counts), first with only
  the small map in the database, then with both,
* the first page of /api/v1/maps/SLUG/nodes/ and /edges/,
* /api/v1/maps/SLUG/ranking/?limit=20,

and reports per endpoint and map: the first request's time, the median (min-max)
of `--repeat` more, the number of SQL queries, and the temporary files
PostgreSQL wrote for them (each SELECT run again under EXPLAIN (ANALYZE,
BUFFERS): the sum of its plan's "Temp Written Blocks", 8 kB each). The target
(issue 12): a constant number of queries and no temporary file at 100k nodes.

Every statement runs under `statement_timeout` (and a 2 GB `temp_file_limit`),
set through PGOPTIONS, so that a query that would sort nodes x edges rows on
disk (the map list before issue 12) is reported as timed out instead of filling
the database server's disk. `--reuse --only maps` measures the map list alone
on maps imported earlier: that is how the row for the previous code is taken,
with this file copied into a worktree of it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SMALL_SLUG, LARGE_SLUG = "bench-list-small", "bench-list-large"
BLOCK_BYTES = 8192
TEMP_FILE_LIMIT = "2GB"


def import_map(slug: str, nodes: int, seed: int) -> None:
    """Import a synthetic map (no votes: no voter accounts) and rank it once."""
    from claims.models import Map
    from claims.services import map_import
    from claims.synthetic import generate_map
    from cruxes.services import ranking_refresh

    Map.objects.filter(slug=slug).delete()
    doc = generate_map(nodes, seed=seed)
    doc["map"]["slug"] = slug
    doc["votes"] = []
    started = time.perf_counter()
    map_import(data=doc, owner=None)
    imported = time.perf_counter() - started
    the_map = Map.objects.get(slug=slug)
    ranking_refresh(map_id=the_map.pk)
    vacuum()
    print(
        f"  {slug}: imported in {imported:.1f} s, ranked in "
        f"{time.perf_counter() - started - imported:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def vacuum() -> None:
    """VACUUM ANALYZE the graph's tables, as autovacuum does soon after a large import.

    Fresh rows are not yet marked all-visible: until then a count reads the table
    itself instead of the (map_id) index alone, and the planner's row estimates
    are those of an empty table.
    """
    from django.db import connection

    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        for table in ("claims_map", "claims_node", "claims_edge", "cruxes_cruxscore"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def map_sizes() -> dict[str, tuple[int, int]]:
    from claims.models import Edge, Map, Node

    return {
        m.slug: (Node.objects.filter(map=m).count(), Edge.objects.filter(map=m).count())
        for m in Map.objects.filter(slug__in=[SMALL_SLUG, LARGE_SLUG])
    }


class _Errors:
    """An execute wrapper that remembers why a statement failed (timeout, temp limit)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            self.messages.append(str(exc).strip().splitlines()[0])
            raise


def temp_written_blocks(sqls: list[str]) -> tuple[int, str | None]:
    """Sum of the plans' Temp Written Blocks over the SELECTs, run under EXPLAIN ANALYZE."""
    from django.db import DatabaseError, connection, transaction

    total = 0
    for sql in sqls:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                raw = cursor.fetchone()[0]
        except DatabaseError as exc:
            return total, str(exc).strip().splitlines()[0]
        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        stack = [plan]
        while stack:
            node = stack.pop()
            total += node.get("Temp Written Blocks", 0)
            stack.extend(node.get("Plans", []))
    return total, None


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    errors = _Errors()
    with connection.execute_wrapper(errors), CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        first = time.perf_counter() - started
    result = {"status": response.status_code, "first_ms": first * 1000, "errors": errors.messages}
    sqls = [q["sql"] for q in captured.captured_queries]
    result["queries"] = len(sqls)
    if response.status_code != 200:
        result.update(times=[], temp_blocks=None, temp_error=None)
        return result
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    result["times"] = [t * 1000 for t in times]
    result["temp_blocks"], result["temp_error"] = temp_written_blocks(sqls)
    return result


def row(endpoint: str, on: str, m: dict) -> list[str]:
    if m["status"] != 200:
        why = "; ".join(m["errors"]) or f"answered {m['status']}"
        return [endpoint, on, f"{m['first_ms']:,.0f}", f"**failed**: {why}", "-", "-"]
    if m["temp_error"]:
        temp = f"EXPLAIN ANALYZE failed: {m['temp_error']}"
    else:
        temp = (
            "none" if m["temp_blocks"] == 0 else f"{m['temp_blocks'] * BLOCK_BYTES / 2**20:.1f} MB"
        )
    return [
        endpoint,
        on,
        f"{m['first_ms']:,.1f}",
        common.median_range(m["times"], "{:,.1f}"),
        str(m["queries"]),
        temp,
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000, help="nodes of the large map")
    ap.add_argument("--small", type=int, default=10, help="nodes of the small map")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep the maps imported by a last run")
    ap.add_argument("--only", choices=["maps"], help="measure the map list only")
    ap.add_argument("--statement-timeout", default="30s")
    args = ap.parse_args(argv)

    # Before Django connects: every statement of this process (and its EXPLAINs).
    os.environ["PGOPTIONS"] = (
        f"-c statement_timeout={args.statement_timeout} -c temp_file_limit={TEMP_FILE_LIMIT}"
    )
    common.bench_environment()
    if not args.reuse:
        common.ensure_database()
    common.setup_django()
    from django.core.cache import cache
    from rest_framework.test import APIClient

    print(f"# list endpoints, {args.small:,}-node and {args.nodes:,}-node maps\n", flush=True)
    print(common.machine(), flush=True)
    client = APIClient()
    rows = []
    if not args.reuse:
        from claims.models import Map

        Map.objects.filter(slug__in=[SMALL_SLUG, LARGE_SLUG]).delete()
        import_map(SMALL_SLUG, args.small, args.seed)
        cache.clear()
        rows.append(row("`GET /api/v1/maps/`", "the small map only", measure(
            client, "/api/v1/maps/", args.repeat)))  # fmt: skip
        import_map(LARGE_SLUG, args.nodes, args.seed)
    sizes = map_sizes()
    if set(sizes) != {SMALL_SLUG, LARGE_SLUG}:
        raise SystemExit("the benchmark maps are missing: run once without --reuse")
    cache.clear()
    rows.append(row("`GET /api/v1/maps/`", "both maps", measure(
        client, "/api/v1/maps/", args.repeat)))  # fmt: skip
    if args.only != "maps":
        for path in ("nodes/", "edges/", "ranking/?limit=20"):
            for slug in (SMALL_SLUG, LARGE_SLUG):
                nodes, edges = sizes[slug]
                cache.clear()  # the first request of each row computes what it caches
                rows.append(
                    row(
                        f"`GET …/{path}`" + (" (first page)" if "ranking" not in path else ""),
                        f"{nodes:,} nodes, {edges:,} edges",
                        measure(client, f"/api/v1/maps/{slug}/{path}", args.repeat),
                    )
                )
    print()
    print(
        common.table(
            ["endpoint", "map", "first ms", f"ms, median (min-max) of {args.repeat}", "queries",
             "temp files written"],
            rows,
        )
    )  # fmt: skip
    small, large = sizes[SMALL_SLUG], sizes[LARGE_SLUG]
    from claims.models import Map

    others = Map.objects.exclude(slug__in=[SMALL_SLUG, LARGE_SLUG]).count()
    print(
        f"\nmaps: {small[0]:,} nodes / {small[1]:,} edges and {large[0]:,} nodes / "
        f"{large[1]:,} edges; statement_timeout {args.statement_timeout}, "
        f"temp_file_limit {TEMP_FILE_LIMIT}; in-process test client, DEBUG off; "
        f"{others} other maps in the database"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
