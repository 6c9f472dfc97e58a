"""Benchmark of the crux-ranking engine (cruxes.ranking) on synthetic maps.

    python bench/ranking.py [--sizes 1000,10000,100000] [--repeat 5] [--seed 0]
                            [--reference-max 1000] [--reference-repeat N]

For each size: generate a synthetic map (claims.synthetic, not timed), build the engine
inputs (not timed), then time ``rank(method="fast")`` end to end (validation, propagation,
scores and every result object), ``rank(method="reference")`` where n <= --reference-max,
and ``networkx.pagerank`` on the same supports/undermines graph (weighted). The fast path and
pagerank runs are interleaved. Prints a Markdown table: median (min-max) seconds over the
repeats, fast/pagerank and reference/fast ratios, and
the tracemalloc peak of one extra fast run (Python + numpy allocations), the fast path
with ``min_delta=1e-6`` (shorter per-frame lists) and the 1-minute load average before/after
the timed runs (the machine may be shared).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402

from claims.synthetic import generate_map  # noqa: E402
from cruxes.ranking import ENGINE_VERSION, inputs_from_argmap, rank  # noqa: E402


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Wall times of ``repeat`` calls (the previous result is freed before each call)."""
    times, out = [], None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def fmt(times: list[float] | None) -> str:
    if not times:
        return "n/a"
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reference-max", type=int, default=1_000)
    ap.add_argument("--reference-repeat", type=int, default=None, help="default: --repeat")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    ref_repeat = args.reference_repeat or args.repeat

    print(
        f"engine {ENGINE_VERSION}; python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, networkx {nx.__version__}; {os.cpu_count()} CPUs; "
        f"repeat {args.repeat} (reference {ref_repeat}), seed {args.seed}",
        flush=True,
    )
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        doc = generate_map(n, seed=args.seed)
        gen_s = time.perf_counter() - t0
        nodes, edges = inputs_from_argmap(doc)
        del doc
        prop = [e for e in edges if e.kind in ("supports", "undermines")]
        n_cruxes = sum(1 for x in nodes if x.kind == "crux")
        n_frames = sum(1 for x in nodes if x.kind == "frame")

        def run_fast(nodes=nodes, edges=edges):
            return rank(nodes, edges)

        def run_trimmed(nodes=nodes, edges=edges):
            return rank(nodes, edges, min_delta=1e-6)

        def run_reference(nodes=nodes, edges=edges):
            return rank(nodes, edges, method="reference")

        g = nx.DiGraph()
        g.add_nodes_from(x.key for x in nodes)
        g.add_weighted_edges_from((e.source, e.target, e.weight) for e in prop)

        # fast path and pagerank interleaved, so load drift hits both alike
        load_before = os.getloadavg()[0]
        fast_t, pr_t, trim_t = [], [], []
        for _ in range(args.repeat):
            fast_t += timed(run_fast, 1)[0]
            pr_t += timed(lambda g=g: nx.pagerank(g), 1)[0]
            trim_t += timed(run_trimmed, 1)[0]
        g = None
        load = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"

        ref_t = None
        agree = "n/a"
        if n <= args.reference_max:
            ref_t, ref_res = timed(run_reference, ref_repeat)
            a = {c.key: c.score for c in run_fast().cruxes}
            diff = max((abs(a[c.key] - c.score) for c in ref_res.cruxes), default=0.0)
            agree = f"{diff:.1e}"
            ref_res = None

        peak = peak_mb(run_fast)
        med_fast = statistics.median(fast_t)
        rows.append(
            {
                "nodes": n,
                "edges": len(edges),
                "prop": len(prop),
                "frames": n_frames,
                "cruxes": n_cruxes,
                "fast": fmt(fast_t),
                "trimmed": fmt(trim_t),
                "load": load,
                "reference": fmt(ref_t),
                "pagerank": fmt(pr_t),
                "fast/pr": f"{med_fast / statistics.median(pr_t):.2f}",
                "ref/fast": f"{statistics.median(ref_t) / med_fast:.0f}x" if ref_t else "n/a",
                "agree": agree,
                "peak": f"{peak:.0f}",
                "gen": f"{gen_s:.2f}",
            }
        )
        print(f"  done n={n} (fast median {med_fast:.3f} s)", file=sys.stderr, flush=True)

    print()
    print(
        "| nodes | edges (supports/undermines) | frames | cruxes | fast s, median (min-max) "
        "| reference s | networkx.pagerank s | fast / pagerank | reference / fast "
        "| max score diff | fast peak MB (tracemalloc) | fast, min_delta=1e-6 s "
        "| generate s | load avg |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['nodes']:,} | {r['edges']:,} ({r['prop']:,}) | {r['frames']} | {r['cruxes']:,} "
            f"| {r['fast']} | {r['reference']} | {r['pagerank']} | {r['fast/pr']} "
            f"| {r['ref/fast']} | {r['agree']} | {r['peak']} | {r['trimmed']} | {r['gen']} "
            f"| {r['load']} |"
        )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess max RSS {maxrss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
