"""Vote PUT throughput against a trivial JSON endpoint, gunicorn with 2 workers.

    python bench/api_throughput.py [--seconds 10] [--connections 8] [--rounds 3]
                                   [--threads N] [--ceiling]

Serves argmap with gunicorn as production does (bench.common.gunicorn_server: 2
sync workers, PostgreSQL, Redis) on loopback and loads it with wrk (Debian's
package): GET /api/v1/health/ (no database), then PUT
/api/v1/maps/{slug}/nodes/{key}/vote/ with a different user, crux and credence
on every request (a Lua script), alternating for several rounds. Reports
requests/s (median of the rounds), the ratio, and errors.
Target: votes >= 50 % of the trivial endpoint, 0 errors.

--ceiling adds, on the same server, endpoints that bound what a vote can reach
(registered by this module, not by argmap): the same PUT with its token and
body to views that do (1) nothing, (2) one `SELECT 1`, (3) one durable INSERT
(a commit: a WAL flush), (4) the vote's authentication, throttles and body
parsing only, (5) those and one durable INSERT: the least a vote must do.
--threads N (N > 1) serves with gthread workers of N threads.
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
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
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
  return wrk.format("PUT", {PATH}, headers, string.format('{"credence": %.2f}', credence))
end
"""
VOTE_PATH = '"/api/v1/maps/{SLUG}/nodes/" .. key .. "/vote/"'

# --ceiling: what each endpoint does, and its path (PUT, same headers and body as a vote).
CEILINGS = {
    "nothing (token header and body ignored)": "/bench/ceiling/nothing/",
    "one SELECT 1 (a database round trip)": "/bench/ceiling/select/",
    "one durable INSERT (autocommit: one WAL flush)": "/bench/ceiling/insert/",
    "the vote's token, throttles and body, no database write": "/bench/ceiling/auth/",
    "the vote's token, throttles and body, then one durable INSERT": "/bench/ceiling/auth-insert/",
}
CEILING_TABLE = "bench_ceiling"


def _ceiling_views() -> list:
    """URL patterns of the --ceiling endpoints (argmap's own view classes as a base)."""
    from django.db import connection
    from django.urls import path
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response

    from core.api_base import ApiView
    from core.errors import NotAuthenticated
    from cruxes.apis import VoteApi

    def work(what: str) -> None:
        if what == "select":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        elif what == "insert":
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {CEILING_TABLE} DEFAULT VALUES")  # noqa: S608

    class Bare(ApiView):
        # As HealthApi: no authentication, no throttles.
        permission_classes = [AllowAny]
        authentication_classes: list = []
        throttle_classes: list = []
        what = "nothing"

        def put(self, request):
            work(self.what)
            return Response({"status": "ok"})

    class Auth(ApiView):
        # As VoteApi: its authentication, throttles (user and vote scope) and input.
        throttle_scope = VoteApi.throttle_scope
        authentication_classes = VoteApi.authentication_classes
        what = "nothing"

        def put(self, request):
            if not request.user.is_authenticated:
                raise NotAuthenticated("log in to do this")
            VoteApi.VoteInput(data=request.data).is_valid(raise_exception=True)
            work(self.what)
            return Response({"status": "ok"})

    return [
        path("bench/ceiling/nothing/", Bare.as_view(what="nothing")),
        path("bench/ceiling/select/", Bare.as_view(what="select")),
        path("bench/ceiling/insert/", Bare.as_view(what="insert")),
        path("bench/ceiling/auth/", Auth.as_view()),
        path("bench/ceiling/auth-insert/", Auth.as_view(what="insert")),
    ]


_ceiling_app = None
_ceiling_lock = threading.Lock()


def ceiling_application(environ, start_response):
    """argmap's WSGI application with the --ceiling endpoints added after its own URLs."""
    global _ceiling_app
    with _ceiling_lock:
        if _ceiling_app is None:
            from django.core.wsgi import get_wsgi_application

            app = get_wsgi_application()
            import argmap.urls

            argmap.urls.urlpatterns += _ceiling_views()
            _ceiling_app = app
    return _ceiling_app(environ, start_response)


def prepare(slug: str) -> tuple[list[str], list[str]]:
    """A small map with cruxes, and USERS accounts with tokens (created once)."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CEILING_TABLE}"
            " (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute(f"TRUNCATE {CEILING_TABLE}")
    User = get_user_model()
    tokens = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(username=f"bench-voter-{i}")
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens, keys


def wrk(url: str, seconds: int, connections: int, script: str | None) -> tuple[float, int, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return rps, errors, requests


CPU_KINDS = ("gunicorn", "postgres", "redis", "wrk")


def cpu_seconds(port: int, database: str) -> dict[str, float]:
    """CPU seconds used so far (user + system) by what a request crosses, by kind.

    This server's gunicorn processes, the PostgreSQL backends connected to the
    benchmark's database, redis-server (shared with anything else using it) and
    wrk (this process's children). PostgreSQL's background processes (WAL
    writer, checkpointer) and the kernel's own threads are not counted.
    """
    tick = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(CPU_KINDS, 0.0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if b"gunicorn" in cmdline and f"127.0.0.1:{port}".encode() in cmdline:
            used["gunicorn"] += seconds
        elif cmdline.startswith(b"postgres:") and f" {database} ".encode() in cmdline:
            used["postgres"] += seconds
        elif name.startswith("redis-server"):
            used["redis"] += seconds
    children = os.times()
    used["wrk"] = children.children_user + children.children_system
    return used


def lua_script(tokens: list[str], keys: list[str], slug: str, path: str) -> str:
    """A wrk script file for PUTs to `path` (a Lua expression), removed by the caller."""
    lua = LUA.replace("{PATH}", path)
    lua = lua.replace("{TOKENS}", json.dumps(tokens).replace("[", "{").replace("]", "}"))
    lua = lua.replace("{KEYS}", json.dumps(keys).replace("[", "{").replace("]", "}"))
    lua = lua.replace("{SLUG}", slug)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    return script.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=GUNICORN_THREADS)
    parser.add_argument("--ceiling", action="store_true")
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
    scripts = {"vote": lua_script(tokens, keys, slug, VOTE_PATH)}
    if args.ceiling:
        for name, path in CEILINGS.items():
            scripts[name] = lua_script(tokens, keys, slug, json.dumps(path))
    app = "bench.api_throughput:ceiling_application" if args.ceiling else "argmap.wsgi:application"
    rps: dict[str, list[float]] = {"health": [], **{name: [] for name in scripts}}
    cpu: dict[str, dict[str, list[float]]] = {name: {k: [] for k in CPU_KINDS} for name in rps}
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
    errors = 0
    try:
        with gunicorn_server(PORT, threads=args.threads, app=app) as base:
            wrk(f"{base}/api/v1/health/", 2, args.connections, None)  # warm-up
            for _ in range(args.rounds):
                for name in rps:
                    script = scripts.get(name)
                    url = base if script else f"{base}/api/v1/health/"
                    before = cpu_seconds(PORT, database)
                    value, err, done = wrk(url, args.seconds, args.connections, script)
                    after = cpu_seconds(PORT, database)
                    rps[name].append(value)
                    errors += err
                    for kind in CPU_KINDS:
                        cpu[name][kind].append((after[kind] - before[kind]) / done * 1000)
    finally:
        for script in scripts.values():
            os.unlink(script)
    health = statistics.median(rps["health"])
    ratio = statistics.median(rps["vote"]) / health
    print(f"machine: {machine()}")
    ceiling = " --ceiling" if args.ceiling else ""
    print(
        f"command: python bench/api_throughput.py --seconds {args.seconds} "
        f"--connections {args.connections} --rounds {args.rounds} --threads {args.threads}"
        f"{ceiling}"
    )
    worker = f"gthread, {args.threads} threads each" if args.threads > 1 else "sync"
    print(f"server: gunicorn, {GUNICORN_WORKERS} workers ({worker})")
    labels = {
        "health": "GET /api/v1/health/ (baseline)",
        "vote": "PUT …/vote/ (200 users, 50 cruxes)",
    }
    rows = []
    for name, values in rps.items():
        med = statistics.median(values)
        rows.append(
            [
                labels.get(name, f"PUT, {name}"),
                f"{med:.0f} ({min(values):.0f}-{max(values):.0f})",
                f"{med / health:.0%}",
                len(values),
            ]
        )
    print(table(["endpoint", "requests/s, median (min-max)", "of baseline", "rounds"], rows))
    print()
    print("CPU per request, ms (median of the rounds; 2 CPUs serve 2000 ms per second):")
    rows = []
    for name, kinds in cpu.items():
        medians = {kind: statistics.median(values) for kind, values in kinds.items()}
        rows.append(
            [labels.get(name, f"PUT, {name}")]
            + [f"{medians[kind]:.2f}" for kind in CPU_KINDS]
            + [f"{sum(medians.values()):.2f}"]
        )
    print(table(["endpoint", *CPU_KINDS, "total"], rows))
    print(
        f"vote / baseline: {ratio:.2f} (target >= 0.50: {'met' if ratio >= 0.5 else 'missed'});"
        f" errors (non-2xx, socket): {errors}"
    )


if __name__ == "__main__":
    main()
