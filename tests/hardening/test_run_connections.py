"""`make run` on PostgreSQL leaves a handful of database connections after a burst.

Before issue 12 (item 6) `make run` served with Django's development server,
which handles each request in a new thread; with persistent connections
(DB_CONN_MAX_AGE, 60 s) every request thread kept its own connection that no
one reused: 20 concurrent voters left 73 idle connections, and PostgreSQL's
100 were soon exhausted. Here the server is started exactly as `make run`
starts it (scripts/run.sh, with its worker), on the test database.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests import worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BURST = 200
MAX_CONNECTIONS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback
        response.read()
        return response.status


def connections_to_the_test_database() -> int:
    """Backends connected to this database, other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def make_run_server(tmp_path: Path):
    """scripts/run.sh (what `make run` runs) on PostgreSQL and Redis; its base URL."""
    port = free_port()
    log = (tmp_path / "run.log").open("wb")
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": worker.test_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "ARGMAP_ADDR": f"127.0.0.1:{port}",
        "ARGMAP_DATA_DIR": str(tmp_path),
    }
    proc = subprocess.Popen(
        ["bash", str(worker.REPO / "scripts" / "run.sh")],
        cwd=worker.REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the server and its worker
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                get(f"{base}/api/v1/health/")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "run.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_a_burst_of_200_concurrent_requests_leaves_a_handful_of_connections(make_run_server):
    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(get, [f"{make_run_server}/api/v1/maps/"] * BURST))
    assert codes == [200] * BURST
    time.sleep(1)  # let the server finish its last requests
    assert connections_to_the_test_database() <= MAX_CONNECTIONS
