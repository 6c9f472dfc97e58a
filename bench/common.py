"""Shared pieces of the database benchmarks (import_export, worker_ranking, edit_to_fresh).

Each benchmark runs against a dedicated PostgreSQL database and Redis db, never the
development or test ones:

    DATABASE_URL  default postgres://postgres@127.0.0.1:5432/argmap_bench (created and
                  migrated here when missing)
    REDIS_URL     default redis://127.0.0.1:6379/12 (flushed by the worker benchmark)

Django runs with DEBUG off, as in production (DEBUG on keeps every query's SQL in
memory and slows the ORM), with a throwaway SECRET_KEY and throttles opened wide.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/argmap_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"


def bench_environment() -> dict[str, str]:
    """Set (in os.environ, inherited by every child) the settings the benchmarks run with."""
    env = {
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "argmap.settings",
        "LOG_LEVEL": "WARNING",
    }
    for scope in ("ANON", "USER", "VOTE", "IMPORT"):
        env[f"THROTTLE_{scope}"] = "1000000/min"
    os.environ.update(env)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return env


def analyze_tables() -> None:
    """ANALYZE the tables a ranking reads, as PostgreSQL's autovacuum does soon after a
    large import. Without it the planner takes a freshly imported 10k-node map for an
    empty one (the votes were read by 10,000 index probes, not one hash join); a server
    with autovacuum off (this machine's) would keep those estimates for good."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("claims_map", "claims_node", "claims_edge", "cruxes_vote", "cruxes_edgevote"):
            cursor.execute(f"ANALYZE {table}")


def ensure_database() -> None:
    """Create the benchmark database if it does not exist, then migrate it (quietly)."""
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = urlunsplit(url._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    manage("migrate", "--noinput", "-v", "0")


def setup_django() -> None:
    import django

    django.setup()


def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a management command (its standard output discarded, its errors shown)."""
    return subprocess.run(
        [PY, "manage.py", *args], cwd=REPO, check=check, stdout=subprocess.DEVNULL
    )


@dataclass
class ChildRun:
    seconds: float
    max_rss_mb: float
    returncode: int


def run_child(args: Sequence[str], *, stdout=subprocess.DEVNULL) -> ChildRun:
    """Run a child process; its wall time and its own peak RSS in MB.

    The peak comes from /usr/bin/time (GNU time's %M), which forks the child from
    its own small process: rusage read here with wait4 would also count the pages
    of this (large) process that a vfork'd child borrows until its exec.
    """
    with tempfile.NamedTemporaryFile("r", prefix="argmap-time-") as report:
        command = ["/usr/bin/time", "-f", "%M", "-o", report.name, *args]
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO, stdout=stdout)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited with {proc.returncode}")
        max_rss_kb = int(report.read().split()[-1])
    return ChildRun(seconds, max_rss_kb / 1024, proc.returncode)


def self_max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_range(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """'median (min-max)' of the values."""
    if not values:
        return "n/a"
    med = fmt.format(statistics.median(values))
    if len(values) == 1:
        return med
    return f"{med} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), nearest-rank on the sorted values."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {total_kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs ({cpu})"
        f"{mem}{load}; python {platform.python_version()}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "**missed**"


# How argmap is served in production (Dockerfile, docker-compose.yml): 2 sync
# worker processes. Threads (gthread, GUNICORN_THREADS > 1) were measured for the
# vote: no faster (a vote is CPU-bound on this 2-core machine, not waiting), and
# the trivial endpoint gains from keep-alive; bench/api_throughput.py --threads N
# measures them again.
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 1


@contextlib.contextmanager
def gunicorn_server(
    port: int,
    workers: int = GUNICORN_WORKERS,
    threads: int = GUNICORN_THREADS,
    app: str = "argmap.wsgi:application",
) -> Iterator[str]:
    """argmap under gunicorn on loopback, ready when this yields its base URL."""
    import urllib.request

    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/api/v1/health/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
