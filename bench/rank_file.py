"""Benchmark of ``rank_map --file`` on a generated map: the whole command, and the reader alone.

    python bench/rank_file.py [--nodes 100000] [--seed 0] [--repeat 5] [--file PATH]
                              [--checkout DIR ...]

Generates the map once (``manage.py generate_map``, not timed) into --file (kept, and
reused when it already exists) or else into a temporary directory removed at the end.
Then, --repeat times, for each checkout in turn (default: this one; give --checkout once
per checkout to compare, e.g. a ``git worktree`` of an older commit: their runs are
interleaved so that a change of load on a shared machine hits them alike):

* ``manage.py rank_map --file PATH`` as a whole process, run in that checkout
  (interpreter and Django start-up, reading, parsing and validating the file, ranking,
  printing the ranking): wall time, CPU time (user + system: steadier than the wall
  time when other processes share the machine) and peak RSS (GNU time);
* a fresh Python process of that checkout calling ``claims.formats.argmap.load()`` on the
  file's bytes twice: the first call (which also builds the validators from the schema),
  and the second, split into ``parse()`` and ``validate()``.

Prints a Markdown table (median (min-max) seconds over the repeats), the machine and the
1-minute load average before and after. Settings as in bench/common.py (DEBUG off); the
command reads no database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, REPO, bench_environment, machine, median_range, table  # noqa: E402

# Run in the checkout being measured (its directory first on sys.path, as with -c).
LOAD_CHILD = """
import gc, json, sys, time
from claims.formats import argmap
data = open(sys.argv[1], "rb").read()
gc.collect()
t0 = time.perf_counter()
argmap.load(data)
t1 = time.perf_counter()
gc.collect()
t2 = time.perf_counter()
doc = argmap.parse(data)
t3 = time.perf_counter()
argmap.validate(doc)
t4 = time.perf_counter()
print(json.dumps({"first": t1 - t0, "again": t4 - t2, "parse": t3 - t2, "validate": t4 - t3}))
"""


@dataclass
class Runs:
    rank_seconds: list[float] = field(default_factory=list)
    rank_cpu_seconds: list[float] = field(default_factory=list)
    rank_rss_mb: list[float] = field(default_factory=list)
    load: dict[str, list[float]] = field(default_factory=dict)


def rank_map(checkout: Path, path: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds, peak RSS (MB) of ``manage.py rank_map --file path`` in checkout."""
    with tempfile.NamedTemporaryFile("r", prefix="argmap-time-") as report:
        command = ["/usr/bin/time", "-f", "%U %S %M", "-o", report.name]
        command += [PY, "manage.py", "rank_map", "--file", str(path)]
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=checkout, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"rank_map --file exited with {proc.returncode} in {checkout}")
        user, system, max_rss_kb = report.read().split()[-3:]
        return seconds, float(user) + float(system), int(max_rss_kb) / 1024


def load_times(checkout: Path, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [PY, "-c", LOAD_CHILD, str(path)], cwd=checkout, check=True, capture_output=True
    ).stdout
    return json.loads(out)


def generate(path: Path, nodes: int, seed: int) -> None:
    subprocess.run(
        [PY, "manage.py", "generate_map", "--nodes", str(nodes), "--seed", str(seed)]
        + ["-o", str(path)],
        cwd=REPO,
        check=True,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--file", type=Path, help="the map file (kept; generated when missing)")
    ap.add_argument(
        "--checkout",
        type=Path,
        action="append",
        help="a checkout of argmap to measure (repeatable; default: this one)",
    )
    args = ap.parse_args(argv)
    checkouts = [c.resolve() for c in args.checkout or [REPO]]
    bench_environment()

    with tempfile.TemporaryDirectory(prefix="argmap-rank-file-") as tmp:
        path = args.file or Path(tmp) / f"map-{args.nodes}-{args.seed}.argmap.json"
        if not path.exists():
            print(f"generating {path} ({args.nodes} nodes, seed {args.seed})...", file=sys.stderr)
            generate(path, args.nodes, args.seed)
        size_mb = path.stat().st_size / 2**20
        load_before = os.getloadavg()[0]
        runs = {checkout: Runs() for checkout in checkouts}
        for round_ in range(args.repeat):
            for checkout in checkouts:
                seconds, cpu, rss = rank_map(checkout, path)
                runs[checkout].rank_seconds.append(seconds)
                runs[checkout].rank_cpu_seconds.append(cpu)
                runs[checkout].rank_rss_mb.append(rss)
                for key, value in load_times(checkout, path).items():
                    runs[checkout].load.setdefault(key, []).append(value)
                print(
                    f"round {round_ + 1}/{args.repeat} {checkout}: {seconds:.2f} s", file=sys.stderr
                )
        load_after = os.getloadavg()[0]

    print(f"{machine()}")
    print(
        f"map: {args.nodes} nodes (seed {args.seed}), {size_mb:.1f} MB; {args.repeat} runs each, "
        f"load average {load_before:.2f} before, {load_after:.2f} after\n"
    )
    headers = [
        "checkout",
        "rank_map --file (s)",
        "its CPU time (s)",
        "peak RSS (MB)",
        "load(): first call (s)",
        "load() again (s)",
        "of which parse() (s)",
        "of which validate() (s)",
    ]
    rows = []
    for checkout, got in runs.items():
        rows.append(
            [
                str(checkout),
                median_range(got.rank_seconds),
                median_range(got.rank_cpu_seconds),
                median_range(got.rank_rss_mb, "{:.0f}"),
                median_range(got.load["first"]),
                median_range(got.load["again"]),
                median_range(got.load["parse"]),
                median_range(got.load["validate"]),
            ]
        )
    print(table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
