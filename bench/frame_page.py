"""Server time of the frame page on a 10k-node map (issue 15: target under 300 ms).

    python bench/frame_page.py [--nodes 10000] [--requests 50] [--seed 15]

Imports the synthetic map (generate_map) anew into its own benchmark database
(default postgres://.../argmap_bench_frame, Redis db 13; BENCH_DATABASE_URL and
BENCH_REDIS_URL override), ranks it, and picks the frame with the most ranked
cruxes. Then GETs /maps/{slug}/frames/{key}/ through Django's test client (the
whole request in process: middleware, views, selectors, templates; no network),
with DEBUG off as in production:

- anonymous, signed in (a voter who has voted on 20 of the frame's cruxes and 20
  of its arguments, so the page shows their sliders), and the htmx live fragment
  (what a page polls while the ranking recomputes);
- one request first (cold caches), then N timed ones: median and p95;
- the queries of one more request (counted apart: counting slows the ORM).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_MS = 300.0


def fresh_map(nodes: int, seed: int):
    """The synthetic map imported anew and ranked; (map, frame key, ranked cruxes of it)."""
    import tempfile

    from django.db import connection
    from django.db.models import Count

    from claims.models import Map
    from cruxes.models import CruxScore, RankingRun
    from cruxes.services import ranking_refresh

    with connection.cursor() as cursor:  # the benchmark database only
        cursor.execute("TRUNCATE claims_map, auth_user RESTART IDENTITY CASCADE")
    with tempfile.TemporaryDirectory(prefix="argmap-bench-") as tmp:
        path = str(Path(tmp, "map.json"))
        common.manage("generate_map", "--nodes", str(nodes), "--seed", str(seed), "-o", path)
        common.manage("import_map", path)
    the_map = Map.objects.get(slug=f"synthetic-{nodes}-{seed}")
    started = time.perf_counter()
    ranking_refresh(map_id=the_map.pk)
    print(f"ranked in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    run = RankingRun.objects.filter(map=the_map, status="ok").latest("graph_version")
    biggest = (
        CruxScore.objects.filter(run=run)
        .exclude(frame_key="")
        .values("frame_key")
        .annotate(n=Count("id"))
        .order_by("-n", "frame_key")
        .first()
    )
    return Map.objects.get(pk=the_map.pk), biggest["frame_key"], biggest["n"]


def signed_in_voter(the_map, frame_key: str):
    """A voter with credences on 20 of the frame's cruxes and strengths on 20 arguments."""
    from django.contrib.auth import get_user_model

    from claims.models import Edge, Node
    from cruxes.models import CruxScore, RankingRun
    from cruxes.services import edge_vote_cast, ranking_refresh, vote_cast

    user = get_user_model().objects.create_user(username="bench-voter", password=None)
    run = RankingRun.objects.filter(map=the_map, status="ok").latest("graph_version")
    keys = list(
        CruxScore.objects.filter(run=run, frame_key=frame_key)
        .order_by("rank")
        .values_list("crux_key", flat=True)[:20]
    )
    for i, node in enumerate(Node.objects.filter(map=the_map, key__in=keys)):
        vote_cast(user=user, node=node, credence=0.1 + 0.04 * i)
    for i, edge in enumerate(Edge.objects.filter(map=the_map, source__key__in=keys)[:20]):
        edge_vote_cast(user=user, edge=edge, strength=0.2 + 0.03 * i)
    ranking_refresh(map_id=the_map.pk)  # the page shows a fresh ranking, not "recomputing"
    return user


def measure(client, url: str, requests: int, **headers) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    response = client.get(url, **headers)
    first_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    return {
        "first": first_ms,
        "median": statistics.median(times),
        "p95": common.percentile(times, 95),
        "queries": len(queries),
        "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/argmap_bench_frame"
    )
    os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    common.bench_environment()
    common.ensure_database()
    # WhiteNoise warns that collectstatic never ran: the page's HTML is measured, not its assets.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    common.setup_django()
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    the_map, frame_key, ranked = fresh_map(args.nodes, args.seed)
    url = f"/maps/{the_map.slug}/frames/{frame_key}/"
    print(f"{url}: {ranked} cruxes ranked for the frame", file=sys.stderr)
    anonymous = Client()
    voter = Client()
    voter.force_login(signed_in_voter(the_map, frame_key))
    cases = [
        ("anonymous", anonymous, {}),
        ("signed in (20 votes on it)", voter, {}),
        ("live fragment (htmx poll)", voter, {"HTTP_HX_REQUEST": "true"}),
    ]
    rows = []
    for label, client, headers in cases:
        m = measure(client, url, args.requests, **headers)
        rows.append(
            [
                label,
                f"{m['first']:.0f}",
                f"{m['median']:.0f}",
                f"{m['p95']:.0f}",
                common.verdict(m["p95"], TARGET_MS),
                m["queries"],
                f"{m['sql_ms']:.0f}",
                f"{m['bytes'] / 1024:.0f}",
            ]
        )
    print(
        f"\nFrame page, {args.nodes} nodes ({the_map.slug}, frame `{frame_key}`, {ranked} "
        f"ranked cruxes), {args.requests} requests each; {common.machine()}\n"
    )
    print(
        common.table(
            [
                "request",
                "first ms",
                "median ms",
                "p95 ms",
                f"p95 ≤ {TARGET_MS:.0f} ms",
                "queries",
                "SQL ms",
                "KiB",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
