"""Shared fixtures: named personas, row counts, the seeded fixture path."""

import contextlib
from pathlib import Path

import pytest
from django.apps import apps

from tests.factories import MapFactory, UserFactory

# The browser fixtures, once for every directory (see the module).
pytest_plugins = ["tests.browser_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SEED_PATH = REPO / "fixtures" / "alignment.argmap.json"
SHARED = REPO.parent / "shared"


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def editor(db):
    return UserFactory(username="editor")


@pytest.fixture
def voter(db):
    return UserFactory(username="voter")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def a_map(owner):
    return MapFactory(slug="test-map", title="Test map", owner=owner)


@pytest.fixture
def client_for():
    """An API client logged in as the user (None: anonymous). Some directories define
    their own, signed in with a token instead."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def table_counts() -> dict[str, int]:
    """Rows in every table argmap owns, users and API tokens: proof that nothing was written."""
    labels = ("claims", "cruxes", "auth", "authtoken")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


@pytest.fixture
def counts():
    return table_counts


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength costs ~0.3 s per user; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    """Throttle counters live in the shared cache: start each test from zero."""
    from django.core.cache import cache

    # A fault test may have stopped Redis on purpose: then there is nothing to clear.
    with contextlib.suppress(Exception):
        cache.clear()


@pytest.fixture(autouse=True)
def _own_export_store(settings, tmp_path_factory):
    """Stored exports (claims.downloads) in a directory of each test's own, not var/:
    map ids repeat across test databases and runs."""
    settings.EXPORT_STORE_DIR = tmp_path_factory.mktemp("exports")


# A real Redis client pointed at a port where nothing listens: the cache "down".
UNREACHABLE_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}
