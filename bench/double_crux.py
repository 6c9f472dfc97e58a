"""Benchmark of the personal view and the double crux on the synthetic 10k map (pure).

    python bench/double_crux.py [--nodes 10000] [--repeat 5] [--seed 0]

The map is claims.synthetic.generate_map's (not timed); the engine's inputs come from
cruxes.ranking.inputs_from_argmap on the generated document (not timed), and the
community's ranking is computed once (the cached one a request would read). Timed, end to
end, median (min-max) over --repeat runs:

* **personal view**: ``personal_view(..., community=...)`` (one engine run) then
  ``differences(top=20)``, for the synthetic user with the most votes, and for a "heavy"
  voter with a credence on every crux and every frame;
* **double crux**: ``double_crux`` (two engine runs, one per side, and the comparison) for
  the two synthetic users with the most votes, and for the heavy voter against a group
  (a credence on every crux and frame, as a school's centroid gives).

Prints a Markdown table with the 300 ms target of issue 18, each time also as a multiple of
one community ranking timed in the same process (the machine's pace: on a shared machine
the absolute times stretch, the multiples hardly), and the tracemalloc peak of one more
double-crux run.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from claims.synthetic import generate_map  # noqa: E402
from cruxes.ranking import ENGINE_VERSION, inputs_from_argmap, rank  # noqa: E402
from cruxes.ranking.double_crux import double_crux  # noqa: E402
from cruxes.ranking.personal import differences, personal_view  # noqa: E402

TARGET_S = 0.3


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(
        f"engine {ENGINE_VERSION}; python {platform.python_version()}, numpy "
        f"{np.__version__}; {os.cpu_count()} CPUs; {args.nodes} nodes; repeat {args.repeat}, "
        f"seed {args.seed}",
        flush=True,
    )
    doc = generate_map(args.nodes, seed=args.seed)
    nodes, edges = inputs_from_argmap(doc)
    by_user: dict[str, dict[str, float]] = {}
    for vote in doc["votes"]:
        by_user.setdefault(vote["user"], {})[vote["node"]] = float(vote["credence"])
    (u1, n1), (u2, n2) = Counter({u: len(v) for u, v in by_user.items()}).most_common(2)
    rng = np.random.default_rng(args.seed)
    ranked = [n.key for n in nodes if n.kind in ("crux", "frame")]
    heavy = dict(zip(ranked, rng.uniform(0.05, 0.95, len(ranked)).tolist(), strict=True))
    group = dict(zip(ranked, rng.uniform(0.05, 0.95, len(ranked)).tolist(), strict=True))
    del doc
    community = rank(nodes, edges)
    community_s = timed(lambda: rank(nodes, edges), args.repeat)[0]

    def personal(mine):
        def run():
            view = personal_view(nodes, edges, mine, community=community)
            return differences(view.community, view.mine, top=20)

        return run

    cases = [
        (f"personal view, synthetic user ({n1} votes)", personal(by_user[u1]), 1),
        (f"personal view, heavy voter ({len(heavy):,} credences)", personal(heavy), 1),
        (
            f"double crux, two synthetic users ({n1} and {n2} votes)",
            lambda: double_crux(nodes, edges, by_user[u1], by_user[u2]),
            2,
        ),
        (
            f"double crux, heavy voter against a group ({len(group):,} credences each)",
            lambda: double_crux(nodes, edges, heavy, group),
            2,
        ),
        (
            "the same, the first 50 double cruxes (a page)",
            lambda: double_crux(nodes, edges, heavy, group, top=50),
            2,
        ),
    ]
    load_before = os.getloadavg()[0]
    rows = []
    for name, fn, runs in cases:
        # Interleaved with a community ranking, repeat by repeat: the machine's pace at that
        # moment, for the multiple.
        times, paces, out = [], [], None
        for _ in range(args.repeat):
            paces += timed(lambda: rank(nodes, edges), 1)[0]
            more, out = timed(fn, 1)
            times += more
        community_s += paces
        detail = ""
        if hasattr(out, "cruxes") and hasattr(out, "no_frame_disagreement"):
            detail = f"{len(out.frames)} frames disputed, {len(out.cruxes)} double cruxes"
        elif out is not None:
            detail = f"{len(out.frames)} frames, {len(out.cruxes)} cruxes listed"
        med = statistics.median(times)
        rows.append(
            f"| {name} | {runs} | {med:.3f} ({min(times):.3f}-{max(times):.3f}) "
            f"| {med / statistics.median(paces):.2f} "
            f"| {'met' if med < TARGET_S else 'NOT met'} | {detail} |"
        )
    load = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
    gc.collect()
    tracemalloc.start()
    double_crux(nodes, edges, heavy, group)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    n_frames = sum(1 for n in nodes if n.kind == "frame")
    n_cruxes = sum(1 for n in nodes if n.kind == "crux")
    print()
    print(
        f"{len(nodes):,} nodes, {len(edges):,} edges, {n_frames} frames, {n_cruxes:,} cruxes; "
        f"community ranking (one engine run, not part of a request: cached) "
        f"{statistics.median(community_s):.3f} s median; load avg {load}; "
        f"double crux peak {peak:.0f} MB (tracemalloc)"
    )
    print()
    print(
        "| request (pure, engine included) | engine runs | s, median (min-max) "
        "| × one ranking | < 0.3 s | result |"
    )
    print("|---|---:|---:|---:|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
