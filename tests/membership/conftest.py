"""Personas and maps for the requests-to-join tests."""

import pytest
from rest_framework.test import APIClient

from claims.models import MapMember
from claims.services import map_create, node_create
from tests.factories import UserFactory

ROLES = ["anonymous", "outsider", "requester", "voter", "editor", "owner"]


@pytest.fixture
def client_for():
    """An API client authenticated with the user's token (None: anonymous)."""
    from rest_framework.authtoken.models import Token

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def people(db):
    """owner, editor and voter (members), requester and outsider (no role), anonymous (None)."""
    return {
        "anonymous": None,
        "outsider": UserFactory(username="outsider"),
        "requester": UserFactory(username="requester"),
        "voter": UserFactory(username="voter"),
        "editor": UserFactory(username="editor"),
        "owner": UserFactory(username="owner"),
    }


def build_map(people, slug: str, visibility: str):
    the_map = map_create(
        slug=slug, title=slug.title(), owner=people["owner"], visibility=visibility
    )
    MapMember.objects.create(map=the_map, user=people["voter"], role="voter")
    MapMember.objects.create(map=the_map, user=people["editor"], role="editor")
    node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title="Frame",
        key="frame",
        created_by=people["owner"],
    )
    node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=people["owner"])
    return the_map


@pytest.fixture
def public_map(people):
    return build_map(people, "public-map", "public")


@pytest.fixture
def private_map(people):
    return build_map(people, "private-map", "private")


@pytest.fixture
def throttle_rates(settings):
    """Set some scopes' rates for one test (DRF keeps the rates on the throttle class)."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES

    def set_rates(**rates: str) -> None:
        merged = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    yield set_rates
    SimpleRateThrottle.THROTTLE_RATES = original
