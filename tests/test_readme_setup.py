"""The README's set-up commands run as written (issue 15, point 10).

A newcomer copies the README's commands: `make run` on another port, the curl
session against it, an admin account. These tests take the commands from the
```sh blocks of README.md (not from a copy here, so the README cannot drift) and
run them against a real `make run` on the embedded SQLite default, in a data
directory of their own:

- the first line `ARGMAP_ADDR=<addr> make run` (its address swapped for a free
  port on loopback);
- the block that sets `API=`: the curl session, run whole by bash with
  ARGMAP_ADDR exported (every request must answer 2xx);
- the line with `createsuperuser --noinput`: the admin it creates then logs in
  to /admin/;
- the line with `changepassword <owner>`: the seeded map is open and owned by that
  account, which, given a password that way, logs in and reaches the map's settings.

Run from a fresh shell: no DEBUG, SECRET_KEY, DATABASE_URL or REDIS_URL beyond
what the README writes. The log of that `make run` must not greet with noise
(kombu's "No hostname was supplied", the reloader line twice, the development
server banner) while a real error (a 404) is still logged once.
"""

import http.cookiejar
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

# ARGMAP_README checks a draft of the README before it replaces the real one.
README = Path(os.environ.get("ARGMAP_README", REPO / "README.md"))
# Variables of the test run (make test) that a newcomer's shell does not have.
NOT_IN_A_FRESH_SHELL = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ARGMAP_ADDR",
    "ARGMAP_DATA_DIR",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
    "DJANGO_SETTINGS_MODULE",
)


def sh_blocks() -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", README.read_text(), flags=re.DOTALL | re.MULTILINE)


def readme_line(pattern: str, what: str) -> str:
    """The first line of a ```sh block of the README matching the pattern."""
    for block in sh_blocks():
        for line in block.splitlines():
            if re.search(pattern, line):
                return line
    pytest.fail(f"README.md has no ```sh line {what} (pattern {pattern!r})")


def readme_block(pattern: str, what: str) -> str:
    for block in sh_blocks():
        if re.search(pattern, block, flags=re.MULTILINE):
            return block
    pytest.fail(f"README.md has no ```sh block {what} (pattern {pattern!r})")


def fresh_shell(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_A_FRESH_SHELL}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, opener=None, data: bytes | None = None) -> tuple[int, str]:
    """One request; retried for a while if the development server is restarting (its
    reloader restarts it when a source file changes)."""
    opener = opener or urllib.request.build_opener()
    deadline = time.monotonic() + 20
    while True:
        try:
            with opener.open(url, data=data, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError:
            raise
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def get(url: str, opener=None) -> tuple[int, str]:
    return fetch(url, opener)


class MakeRun:
    def __init__(self, addr: str, data_dir: Path, log: Path) -> None:
        self.addr = addr
        self.base = f"http://{addr}"
        self.data_dir = data_dir
        self.log = log

    def env(self, **extra: str) -> dict[str, str]:
        """A fresh shell that has exported ARGMAP_ADDR, with this server's data directory
        (the SQLite file `make run` serves; var/ is left alone)."""
        return fresh_shell(ARGMAP_ADDR=self.addr, ARGMAP_DATA_DIR=str(self.data_dir), **extra)


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    """The README's `ARGMAP_ADDR=... make run`, on a free port, until the module ends."""
    line = readme_line(r"^ARGMAP_ADDR=\S+ make run\b", "starting `make run` on ARGMAP_ADDR")
    addr = f"127.0.0.1:{free_port()}"
    command = re.sub(r"^ARGMAP_ADDR=\S+", f"ARGMAP_ADDR={addr}", line)
    data_dir = tmp_path_factory.mktemp("make-run")
    log_path = data_dir / "run.log"
    server = MakeRun(addr, data_dir, log_path)
    env = fresh_shell(ARGMAP_DATA_DIR=str(data_dir))
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, the server, its reloader
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{server.base}/api/v1/health/", timeout=5).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()[-3000:]) from None
                    time.sleep(0.3)
            yield server
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_make_run_serves_the_seeded_map_on_the_address_set_with_argmap_addr(make_run):
    status, html = get(f"{make_run.base}/maps/alignment/")
    assert status == 200
    assert "Outer alignment" in html
    assert f"serving http://{make_run.addr}/" in make_run.log.read_text()


def test_the_curl_session_runs_as_written_against_that_address(make_run, tmp_path):
    block = readme_block(r"^API=", "with the curl session (`API=...`)")
    assert "127.0.0.1:8000/api" not in block, "the session must follow ARGMAP_ADDR"
    # The session downloads an export into the working directory and uploads
    # ../shared/testdata/...: a scratch directory beside a link to the shared data.
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "shared").symlink_to(SHARED)
    script = (
        # Every request must succeed: curl exits non-zero on an HTTP error (and shows it).
        'curl() { command curl --fail-with-body "$@"; }\nset -euo pipefail\n' + block
    )
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=work,
        env=make_run.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    out = result.stdout
    assert '"username":"ada"' in out.replace(" ", "")  # registered
    assert '"credence":0.7' in out.replace(" ", "")  # the vote was cast
    assert '"strength":0.8' in out.replace(" ", "")  # the argument's strength vote
    assert "my-aif-map" in out  # the AIF file was imported
    assert list(work.glob("*.argdown")), "the Argdown export was not downloaded"


def admin_can_log_in(base: str, username: str, password: str) -> bool:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, form = get(f"{base}/admin/login/?next=/admin/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    _, page = fetch(f"{base}/admin/login/?next=/admin/", opener, data)
    return "Site administration" in page and "Log out" in page


def test_createsuperuser_as_written_makes_an_admin_who_can_log_in(make_run):
    line = readme_line(r"createsuperuser .*--noinput", "creating an admin without prompts")
    words = shlex.split(line, comments=True)
    username = words[words.index("--username") + 1]
    password = next(w.split("=", 1)[1] for w in words if w.startswith("DJANGO_SUPERUSER_PASSWORD="))
    result = subprocess.run(
        ["bash", "-c", line], cwd=REPO, env=make_run.env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert admin_can_log_in(make_run.base, username, password)


def site_login(base: str, username: str, password: str, next_path: str) -> str:
    """Log in through the site's own form; the page it lands on (next_path)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, form = get(f"{base}/accounts/login/?next={next_path}", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": next_path,
        }
    ).encode()
    _, page = fetch(f"{base}/accounts/login/?next={next_path}", opener, data)
    return page


def test_the_seeded_map_s_owner_named_in_the_readme_can_take_it_over(make_run):
    line = readme_line(r"manage\.py changepassword \S+", "giving the seeded map's owner a password")
    words = shlex.split(line, comments=True)
    username = words[words.index("changepassword") + 1]
    _, body = get(f"{make_run.base}/api/v1/maps/alignment/")
    seeded = json.loads(body)
    assert seeded["owner"] == username
    assert seeded["contribution"] == "open"
    password = "a long steward passphrase 9"
    result = subprocess.run(
        ["bash", "-c", line],
        cwd=REPO,
        env=make_run.env(),
        input=f"{password}\n{password}\n",
        capture_output=True,
        text=True,
        timeout=60,
        # No controlling terminal: getpass reads the typed password from standard input.
        start_new_session=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    page = site_login(make_run.base, username, password, "/maps/alignment/members/")
    assert "Settings and members" in page
    assert "Requests to join" in page


def test_an_admin_command_without_debug_prints_the_fix_instead_of_a_traceback(tmp_path):
    result = subprocess.run(
        [".venv/bin/python", "manage.py", "createsuperuser"],
        cwd=REPO,
        env=fresh_shell(ARGMAP_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Production's refusal stands (no development key behind the operator's back) ...
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "manage.py: SECRET_KEY must be set when DEBUG is off (production)."
    # ... and the next line is the command that works on a checkout.
    assert lines[1].endswith("DEBUG=1 .venv/bin/python manage.py createsuperuser")
    assert len(lines) == 2
    assert not (tmp_path / "db.sqlite3").exists()


def test_the_make_run_log_says_what_matters_without_noise(make_run):
    with pytest.raises(urllib.error.HTTPError):
        get(f"{make_run.base}/no-such-page/")
    time.sleep(0.5)
    log = make_run.log.read_text()
    assert "No hostname was supplied" not in log
    # Once per start (the reloader restarts the server when a source file changes).
    assert log.count("Watching for file changes") <= 1 + log.count("changed, reloading.")
    assert "This is a development server" not in log
    # A real problem is still reported, once.
    assert log.count("Not Found: /no-such-page/") == 1


def celery_worker_greeting(debug: str, tmp_path: Path) -> str:
    """What `celery -A argmap worker` prints until it is ready (listening on a queue
    of its own, so it takes no other test's task)."""
    from django.conf import settings

    env = fresh_shell(
        DEBUG=debug,
        REDIS_URL=settings.CELERY_BROKER_URL,
        ARGMAP_DATA_DIR=str(tmp_path),
        ARGMAP_SINGLE_BOX="1",
        SECRET_KEY="a-real-looking-production-key-for-this-test-only-0123456789",
        SECURE_SSL_REDIRECT="0",
    )
    log_path = tmp_path / f"worker-{debug}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "argmap",
                "worker",
                "-P",
                "solo",
                "-Q",
                f"readme-noise-{os.getpid()}",
                "--loglevel=INFO",
            ],  # fmt: skip
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while " ready." not in log_path.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()[-3000:])
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return log_path.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="Celery warns only when run as root")
def test_the_worker_of_make_run_does_not_warn_a_developer_about_running_as_root(tmp_path):
    assert "superuser privileges" not in celery_worker_greeting("1", tmp_path)
    # Production (DEBUG off) keeps the warning: there the operator picks the user.
    assert "superuser privileges" in celery_worker_greeting("0", tmp_path)
