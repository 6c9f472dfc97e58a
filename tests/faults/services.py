"""Stop and start the real PostgreSQL and Redis servers, always restoring them."""

import glob
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def _pg_version() -> str:
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    return versions[-1]


def redis_up() -> bool:
    return (
        subprocess.run(
            ["redis-cli", "-p", "6379", "ping"], capture_output=True, text=True
        ).stdout.strip()
        == "PONG"
    )


def postgres_up() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def _wait(check, up: bool, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while check() != up:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{check.__name__} did not become {up} in {timeout} s")
        time.sleep(0.2)


def start_redis() -> None:
    if not redis_up():
        subprocess.run(REDIS_START, check=True, capture_output=True)
    _wait(redis_up, True)


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    _wait(redis_up, False)


def start_postgres() -> None:
    if not postgres_up():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "start"],
            check=True,
            capture_output=True,
        )
    _wait(postgres_up, True, timeout=60)


def stop_postgres() -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "stop", "-m", "fast"],
        check=True,
        capture_output=True,
    )
    _wait(postgres_up, False)


@contextmanager
def redis_stopped() -> Iterator[None]:
    stop_redis()
    try:
        yield
    finally:
        start_redis()


@contextmanager
def postgres_stopped() -> Iterator[None]:
    stop_postgres()
    try:
        yield
    finally:
        start_postgres()
