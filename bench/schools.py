"""Benchmark of the schools of thought (cruxes.ranking.schools) on synthetic electorates.

    python bench/schools.py [--voters 1000] [--nodes 500] [--repeat 5] [--seed 0]
                            [--density 0.1]

Two electorates of --voters voters × --nodes cruxes with realistic sparsity: each voter's
activity is log-normal around --density of the nodes (at least 3 votes), each node's
popularity log-normal, so a few voters vote on much and most on little:

* **schools**: three camps that differ on a fifth of the nodes (camp centres ±2 in
  log-odds), everyone's own noise 0.7 in log-odds around a shared credence per node;
* **random**: every credence uniform on [0, 1] (no schools to find).

For each: ``find_schools`` (min_size 5) timed end to end, median (min-max) over --repeat
runs, the tracemalloc peak of one more run (Python + numpy allocations), the number of
groups found, the silhouette against the null's best, the adjusted Rand index against the
camps, and ``separating_cruxes`` (every node's impact 1). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from cruxes.ranking.schools import find_schools, separating_cruxes  # noqa: E402


def electorate(
    voters: int, nodes: int, density: float, seed: int, *, schools: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """(votes with NaN where a voter did not vote, each voter's camp or None)."""
    rng = np.random.default_rng(seed)
    if schools:
        camp = rng.integers(0, 3, voters)
        differs = rng.uniform(size=nodes) < 0.2
        centres = rng.normal(0.0, 1.0, (3, nodes)) * differs * 2.0
        z = rng.normal(0.0, 0.8, nodes) + centres[camp] + rng.normal(0.0, 0.7, (voters, nodes))
        votes = 1.0 / (1.0 + np.exp(-z))
    else:
        camp = None
        votes = rng.uniform(0.0, 1.0, (voters, nodes))
    activity = np.clip(rng.lognormal(np.log(density * nodes), 0.8, voters), 3, nodes) / nodes
    popularity = rng.lognormal(0.0, 0.7, nodes)
    chance = np.clip(activity[:, None] * (popularity / popularity.mean())[None, :], 0.0, 1.0)
    votes[rng.uniform(size=votes.shape) >= chance] = np.nan
    return votes, camp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voters", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--density", type=float, default=0.1)
    args = ap.parse_args(argv)
    keys = [f"c{j}" for j in range(args.nodes)]
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}; {os.cpu_count()} CPUs; {args.voters} voters × {args.nodes} "
        f"nodes; repeat {args.repeat}, seed {args.seed}",
        flush=True,
    )
    rows = []
    for name, structured in (("schools", True), ("random", False)):
        votes, camp = electorate(
            args.voters, args.nodes, args.density, args.seed, schools=structured
        )
        load_before = os.getloadavg()[0]
        times, result = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = find_schools(votes, node_keys=keys, min_size=5, seed=args.seed)
            times.append(time.perf_counter() - t0)
        load = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
        tracemalloc.start()
        find_schools(votes, node_keys=keys, min_size=5, seed=args.seed)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        t0 = time.perf_counter()
        separating_cruxes(result, dict.fromkeys(keys, 1.0))
        sep_s = time.perf_counter() - t0
        ari = f"{adjusted_rand_score(camp, result.labels):.2f}" if camp is not None else "n/a"
        rows.append(
            f"| {name} | {np.isnan(votes).mean():.0%} | "
            f"{statistics.median(times):.2f} ({min(times):.2f}-{max(times):.2f}) | {peak:.0f} | "
            f"{result.k} ({', '.join(str(g.size) for g in result.groups)}) | "
            f"{result.silhouette:.2f} / {result.null_silhouette:.2f} | {ari} | "
            f"{sep_s * 1000:.0f} | {load} |"
        )
        print(f"  done {name}", file=sys.stderr, flush=True)
    print()
    print(
        "| electorate | missing | find_schools s, median (min-max) | peak MB (tracemalloc) "
        "| groups (sizes) | silhouette / null best | ARI vs camps | separating_cruxes ms "
        "| load avg |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
