"""How long the frame-filtered graph view of a 10k-node map takes to render in Chromium.

    python bench/graph_view.py [--nodes 10000] [--repeat 5]

Imports a synthetic map (once) into the benchmark database, serves argmap with
gunicorn on loopback, and opens /maps/{slug}/graph/?frame={key} in Debian's
headless Chromium (Playwright) for the frame with the most nodes bearing on it.
Reports the time from navigation start until Cytoscape has laid out and drawn
the graph (the page sets data-ready on its first drawn frame), median of the
repeats, twice: with graph.json in the cache (any view after the first since the
map last changed) and with the cache emptied before each view (the first view
after an edit). Also the median of each phase, from the page's performance marks:
until graph.js runs (HTML, scripts), until the elements are parsed (graph.json:
server and network, overlapped with the scripts by a preload), building and
laying out the Cytoscape graph, and drawing its first frame. Target: <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PY,
    REPO,
    bench_environment,
    ensure_database,
    gunicorn_server,
    machine,
    setup_django,
    table,
)  # noqa: E402,I001

PORT = 8125


def prepare(nodes: int) -> tuple[str, list[tuple[str, int]]]:
    setup_django()
    from claims.models import Map, Node
    from claims.page_selectors import graph_elements
    from claims.services import map_import
    from claims.synthetic import generate_map

    slug = f"bench-graph-{nodes}"
    if not Map.objects.filter(slug=slug).exists():
        doc = generate_map(nodes, seed=21)
        doc["map"]["slug"] = slug
        map_import(data=doc, owner=None)
    the_map = Map.objects.get(slug=slug)
    sizes = []
    for frame in Node.objects.filter(map=the_map, kind="frame"):
        elements = graph_elements(the_map=the_map, frame=frame, kinds={"frame", "claim", "crux"})
        sizes.append((frame.key, len(elements["nodes"])))
    sizes.sort(key=lambda s: -s[1])
    return slug, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/argmap_bench_graph"
    )
    os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    bench_environment()
    ensure_database()
    # DEBUG is off here, as in production: static files come from collectstatic.
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, check=True)
    slug, sizes = prepare(args.nodes)
    print(f"nodes shown per frame filter: {sizes}")
    frame, shown = sizes[0]
    from django.core.cache import cache

    runs: dict[str, list[tuple[float, dict[str, float]]]] = {"cached": [], "cache emptied": []}
    with gunicorn_server(PORT) as base:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            view(browser, f"{base}/maps/{slug}/graph/?frame={frame}")  # warms the server up
            for case, timings in runs.items():
                for _ in range(args.repeat):
                    if case == "cache emptied":
                        cache.clear()  # the benchmark's own Redis db
                    timings.append(view(browser, f"{base}/maps/{slug}/graph/?frame={frame}"))
            browser.close()
    print(f"machine: {machine()}")
    print(f"command: python bench/graph_view.py --nodes {args.nodes} --repeat {args.repeat}")
    rows = []
    for case, timings in runs.items():
        seconds = [t for t, _ in timings]
        med = statistics.median(seconds)
        phases = " / ".join(
            f"{statistics.median(p[name] for _, p in timings):.0f}" for name in PHASES
        )
        rows.append(
            [
                f"{args.nodes:,} nodes",
                f"{frame} ({shown:,})",
                case,
                f"{med:.2f} ({min(seconds):.2f}-{max(seconds):.2f})",
                phases,
                f"<= 2 s: {'met' if med <= 2 else 'missed'}",
            ]
        )
    print(
        table(
            [
                "map",
                "frame (nodes shown)",
                "graph.json",
                "render s, median (min-max)",
                "ms: " + " / ".join(PHASES),
                "target",
            ],
            rows,
        )
    )


# Phases of a view, in ms, from the marks graph.js sets (each from the one before).
PHASES = ("page+scripts", "data", "build+layout", "draw")
MARKS = ("graph:start", "graph:data", "graph:laid-out", "graph:drawn")


def view(browser, url: str) -> tuple[float, dict[str, float]]:
    """Open the graph page in a fresh context (nothing cached in the browser);
    seconds until it is drawn, and its phases."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#graph[data-ready='1']", timeout=120_000)
    seconds = time.perf_counter() - started
    at = page.evaluate(
        "names => names.map(n => performance.getEntriesByName(n, 'mark')[0].startTime)",
        list(MARKS),
    )
    page.close()
    return seconds, {name: at[i] - (at[i - 1] if i else 0.0) for i, name in enumerate(PHASES)}


if __name__ == "__main__":
    main()
