"""Project set-up: settings from the environment, compose file, admin."""

import os
import subprocess
import sys

import pytest
import yaml
from django.conf import settings

from tests.conftest import REPO


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "argmap.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_key():
    result = run_settings({"DEBUG": "0", "SECRET_KEY": "django-insecure-argmap-development-only"})
    assert result.returncode != 0
    assert "development or too short key" in result.stderr


def test_malformed_boolean_is_an_error_not_a_default():
    result = run_settings({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_starts_with_a_real_key():
    result = run_settings({"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "example.org"})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def run_production_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Settings with DEBUG off, a real key, and no database, broker or opt-in unless given."""
    dropped = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ARGMAP_SINGLE_BOX")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    prod = {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "example.org"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "argmap.settings", **prod, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_database_and_broker():
    result = run_production_settings({})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL and REDIS_URL must be set when DEBUG is off" in result.stderr
    assert "ARGMAP_SINGLE_BOX=1" in result.stderr


def test_production_names_the_one_missing_variable():
    only_db = run_production_settings({"DATABASE_URL": "postgres://u@db.example:5432/argmap"})
    assert only_db.returncode != 0
    assert "REDIS_URL must be set when DEBUG is off" in only_db.stderr
    assert "DATABASE_URL" not in only_db.stderr.splitlines()[-1]
    only_redis = run_production_settings({"REDIS_URL": "redis://cache.example:6379/0"})
    assert only_redis.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off" in only_redis.stderr


def test_production_starts_on_one_box_when_the_operator_opts_in():
    result = run_production_settings({"ARGMAP_SINGLE_BOX": "1"})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_starts_with_database_and_broker():
    result = run_production_settings(
        {
            "DATABASE_URL": "postgres://u@db.example:5432/argmap",
            "REDIS_URL": "redis://cache.example:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_still_runs_on_sqlite_with_tasks_in_process():
    """`make run` with nothing set (it turns DEBUG on): no database server needed."""
    check = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPO,
        env={**env, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "argmap.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_docker_compose_defines_the_whole_stack():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(compose["services"])
    assert "celery -A argmap worker" in compose["services"]["worker"]["command"]
    assert "celery -A argmap beat" in compose["services"]["beat"]["command"]
    # Every queue has a worker, and the ranking's shares its worker with no background job.
    consumed = {
        name: service["command"].split("-Q ", 1)[1].split()[0].split(",")
        for name, service in compose["services"].items()
        if "celery -A argmap worker" in str(service.get("command"))
    }
    assert consumed == {"worker": ["celery"], "worker-background": ["background"]}
    assert settings.RANKING_QUEUE == "celery" and settings.BACKGROUND_QUEUE == "background"
    # The web server seeds the map as `make run` does: open, with its steward.
    assert "--owner steward --contribution open" in compose["services"]["web"]["command"]
    # Production settings refuse to start without both (DEBUG may be turned off).
    for name in ("web", "worker", "worker-background", "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"] and environment["REDIS_URL"], name


@pytest.mark.django_db
def test_admin_lists_the_seeded_map_nodes(admin_client):
    from django.core.management import call_command

    from tests.conftest import SEED_PATH

    call_command("import_map", str(SEED_PATH))
    from claims.models import Map

    map_id = Map.objects.get(slug="alignment").pk
    response = admin_client.get(f"/admin/claims/node/?map__id__exact={map_id}&q=natural")
    assert response.status_code == 200
    assert b"nah" in response.content
    for path in (
        "/admin/claims/map/",
        "/admin/claims/edge/",
        "/admin/cruxes/vote/",
        "/admin/cruxes/rankingrun/",
        "/admin/claims/source/",
        "/admin/claims/noderevision/",
        "/admin/cruxes/votehistory/",
        "/admin/cruxes/cruxscore/",
        "/admin/claims/mapmember/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_deploy_checks_pass_with_production_settings():
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "p" * 20 + "Qz8-kLmN3vX_aB9cD2eF5gH7jK0" + "r" * 10,
        "ALLOWED_HOSTS": "argmap.example.org",
    }
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process; a
    # deployment does not, and check --deploy rightly refuses it.
    dropped = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
