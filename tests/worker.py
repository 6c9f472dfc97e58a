"""Start a real Celery worker process against the test database and Redis."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def purge_broker() -> None:
    """Drop messages left by earlier tests (their maps no longer exist)."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@contextmanager
def celery_worker(
    *,
    beat: bool = False,
    env: dict[str, str] | None = None,
    purge: bool = True,
    log_dir: Path | None = None,
    queues: tuple[str, ...] | None = None,
) -> Iterator[subprocess.Popen]:
    """A worker subprocess (solo pool) that is ready when this yields; stopped after.

    It consumes both queues (the ranking's and the background one) unless `queues`
    names which, as a deployment's dedicated workers do.
    """
    assert connection.vendor == "postgresql", "worker tests need PostgreSQL"
    if purge:
        purge_broker()
    name = f"test-{uuid.uuid4().hex[:8]}"
    log_dir = log_dir or Path(os.environ.get("ARGMAP_TEST_LOGS", "/tmp"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"worker-{name}.log"
    worker_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "DEBUG": "1",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "argmap",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        ",".join(queues or (settings.RANKING_QUEUE, settings.BACKGROUND_QUEUE)),
        "-n",
        f"{name}@%h",
    ]
    if beat:
        cmd += ["--beat", "--schedule", str(log_dir / f"beat-{name}")]
    log = log_path.open("wb")
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=worker_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while b"ready." not in log_path.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def wait_for(predicate, *, timeout: float, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        time.sleep(interval)
        value = predicate()
    return value
