"""Vote PUT throughput against a trivial JSON endpoint, gunicorn with 2 workers.

    python bench/api_throughput.py [--seconds 10] [--connections 8] [--rounds 3]

Serves argmap with gunicorn (2 sync workers, PostgreSQL, Redis) on loopback and
loads it with wrk (Debian's package): first GET /api/v1/health/ (no database),
then PUT /api/v1/maps/{slug}/nodes/{key}/vote/ with a different user, crux and
credence on every request (a Lua script), alternating the two for several
rounds. Reports requests/s (median of the rounds), the ratio, and errors.
Target: votes >= 50 % of the trivial endpoint, 0 errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    bench_environment,
    ensure_database,
    gunicorn_server,
    machine,
    setup_django,
    table,
)

PORT = 8123
USERS = 200

LUA = r"""
local tokens = {TOKENS}
local keys = {KEYS}
local n = 0
request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  local key = keys[(math.floor(n / #tokens) % #keys) + 1]
  local credence = 0.05 + (n % 90) / 100
  local headers = {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}
  return wrk.format("PUT", "/api/v1/maps/{SLUG}/nodes/" .. key .. "/vote/", headers,
                    string.format('{"credence": %.2f}', credence))
end
"""


def prepare(slug: str) -> tuple[list[str], list[str]]:
    """A small map with cruxes, and USERS accounts with tokens (created once)."""
    setup_django()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from claims.models import Map, Node
    from claims.services import map_import
    from claims.synthetic import generate_map

    if not Map.objects.filter(slug=slug).exists():
        doc = generate_map(1000, seed=11)
        doc["map"]["slug"] = slug
        doc["votes"] = []
        map_import(data=doc, owner=None)
    the_map = Map.objects.get(slug=slug)
    keys = list(
        Node.objects.filter(map=the_map, kind="crux").order_by("key").values_list("key", flat=True)
    )[:50]
    User = get_user_model()
    tokens = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(username=f"bench-voter-{i}")
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens, keys


def wrk(url: str, seconds: int, connections: int, script: str | None) -> tuple[float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return rps, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    # A database of its own: other benchmarks flush theirs.
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/argmap_bench_api"
    )
    os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    bench_environment()
    ensure_database()
    slug = "bench-votes"
    tokens, keys = prepare(slug)
    lua = LUA.replace("{TOKENS}", json.dumps(tokens).replace("[", "{").replace("]", "}"))
    lua = lua.replace("{KEYS}", json.dumps(keys).replace("[", "{").replace("]", "}"))
    lua = lua.replace("{SLUG}", slug)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    with gunicorn_server(PORT) as base:
        wrk(f"{base}/api/v1/health/", 2, args.connections, None)  # warm-up
        health, votes, errors = [], [], 0
        for _ in range(args.rounds):
            rps, err = wrk(f"{base}/api/v1/health/", args.seconds, args.connections, None)
            health.append(rps)
            errors += err
            rps, err = wrk(base, args.seconds, args.connections, script.name)
            votes.append(rps)
            errors += err
    os.unlink(script.name)
    ratio = statistics.median(votes) / statistics.median(health)
    print(f"machine: {machine()}")
    print(
        f"command: python bench/api_throughput.py --seconds {args.seconds} "
        f"--connections {args.connections} --rounds {args.rounds}"
    )
    print(
        table(
            ["endpoint", "requests/s, median (min-max)", "rounds"],
            [
                [
                    "GET /api/v1/health/ (baseline)",
                    f"{statistics.median(health):.0f} ({min(health):.0f}-{max(health):.0f})",
                    len(health),
                ],
                [
                    "PUT …/vote/ (200 users, 50 cruxes)",
                    f"{statistics.median(votes):.0f} ({min(votes):.0f}-{max(votes):.0f})",
                    len(votes),
                ],
            ],
        )
    )
    print(
        f"vote / baseline: {ratio:.2f} (target >= 0.50: {'met' if ratio >= 0.5 else 'missed'});"
        f" errors (non-2xx, socket): {errors}"
    )


if __name__ == "__main__":
    main()
