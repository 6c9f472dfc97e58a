"""Import and export of a large synthetic map through the real commands, on PostgreSQL.

    python bench/import_export.py [--nodes 100000] [--seed 0] [--repeat 3] [--no-replace]

Generates the map (claims.synthetic via `manage.py generate_map`) to a temporary
file, then per repeat, on an emptied benchmark database (see bench/common.py):

* `manage.py import_map FILE` (a fresh map: its voters are created too),
* `manage.py export_map SLUG -o OUT`, checked byte-identical to the generated file,
* the API's streamed export (GET /api/v1/maps/SLUG/export/?format=argmap, through
  Django's test client in a child process), checked against the command's bytes,

each as a child process timed on the wall clock, with the child's own peak RSS
(GNU time's %M). Once at the end, `import_map --replace FILE` over the existing map.
Prints a Markdown table: median (min-max) over the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

IMPORT_S, IMPORT_MB = 60, 1024
EXPORT_S, EXPORT_MB = 30, 300


def api_export_child(slug: str, out: str) -> int:
    """Child mode: stream the API's argmap export of `slug` into `out`."""
    common.bench_environment()
    common.setup_django()
    from rest_framework.test import APIClient

    response = APIClient().get(f"/api/v1/maps/{slug}/export/?format=argmap")
    if response.status_code != 200:
        print(f"export answered {response.status_code}", file=sys.stderr)
        return 1
    with open(out, "wb") as f:
        for chunk in response.streaming_content if response.streaming else [response.content]:
            f.write(chunk)
    response.close()
    return 0


def empty_database() -> None:
    """Remove every map and account from the benchmark database (a fresh import each time)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_map, auth_user RESTART IDENTITY CASCADE")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-replace", action="store_true", help="skip the import_map --replace run")
    ap.add_argument("--api-export-child", nargs=2, metavar=("SLUG", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.api_export_child:
        return api_export_child(*args.api_export_child)

    common.bench_environment()
    common.ensure_database()
    common.setup_django()
    py, manage = common.PY, "manage.py"
    slug = f"synthetic-{args.nodes}-{args.seed}"
    print(f"# import / export, {args.nodes:,} nodes (seed {args.seed})\n", flush=True)
    print(common.machine(), flush=True)

    with tempfile.TemporaryDirectory(prefix="argmap-bench-") as tmp:
        path, out, api_out = Path(tmp, "map.json"), Path(tmp, "out.json"), Path(tmp, "api.json")
        gen = common.run_child(
            [py, manage, "generate_map", "--nodes", str(args.nodes), "--seed", str(args.seed),
             "-o", str(path)]
        )  # fmt: skip
        print(f"generated {path.stat().st_size / 2**20:.0f} MB in {gen.seconds:.1f} s", flush=True)
        runs: dict[str, list] = {"import": [], "export": [], "api": []}
        for i in range(args.repeat):
            empty_database()
            runs["import"].append(common.run_child([py, manage, "import_map", str(path)]))
            counts = _counts(slug)
            runs["export"].append(
                common.run_child([py, manage, "export_map", slug, "-o", str(out)])
            )
            if out.read_bytes() != path.read_bytes():
                raise SystemExit("export_map did not reproduce the imported file byte for byte")
            runs["api"].append(
                common.run_child([py, __file__, "--api-export-child", slug, str(api_out)])
            )
            exported = out.read_bytes()
            head = exported[: exported.rindex(b'\n  "votes": ')]
            if api_out.read_bytes() != head + b'\n  "votes": []\n}\n':
                raise SystemExit("the API export differs from export_map's (votes aside)")
            print(
                f"  run {i + 1}: import {runs['import'][-1].seconds:.1f} s, "
                f"export {runs['export'][-1].seconds:.1f} s, api {runs['api'][-1].seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        replace = None
        if not args.no_replace:
            replace = common.run_child([py, manage, "import_map", "--replace", str(path)])

    def row(what, command, rs, limit_s, limit_mb):
        secs = [r.seconds for r in rs]
        mbs = [r.max_rss_mb for r in rs]
        med_s = statistics.median(secs)
        return [
            what,
            command,
            common.median_range(secs, "{:.1f}"),
            f"{max(mbs):.0f}",
            f"≤ {limit_s} s, ≤ {limit_mb} MB",
            common.verdict(med_s, limit_s) + " / " + common.verdict(max(mbs), limit_mb),
        ]

    rows = [
        row("import (new map)", "`import_map FILE`", runs["import"], IMPORT_S, IMPORT_MB),
        row("export (command)", "`export_map SLUG -o OUT`", runs["export"], EXPORT_S, EXPORT_MB),
        row("export (API, streamed)", "GET `/export/?format=argmap`", runs["api"], EXPORT_S,
            EXPORT_MB),
    ]  # fmt: skip
    if replace is not None:
        rows.append(
            row("import over an existing map", "`import_map --replace FILE`", [replace],
                IMPORT_S, IMPORT_MB)
        )  # fmt: skip
    print()
    print(
        common.table(
            ["what", "command", "wall s, median (min-max)", "peak RSS MB (max)", "target",
             "verdict"],
            rows,
        )
    )  # fmt: skip
    print(f"\n{args.repeat} repeats; {counts[0]:,} nodes, {counts[1]:,} edges, {counts[2]:,} votes")
    return 0


def _counts(slug: str) -> tuple[int, int, int]:
    from claims.models import Edge, Node
    from cruxes.models import Vote

    return (
        Node.objects.filter(map__slug=slug).count(),
        Edge.objects.filter(map__slug=slug).count(),
        Vote.objects.filter(node__map__slug=slug).count(),
    )


if __name__ == "__main__":
    raise SystemExit(main())
