import pytest
from rest_framework.test import APIClient

from claims.models import MapMember
from claims.services import edge_create, map_create, node_create
from tests.factories import UserFactory


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
    """owner, editor, voter (members), registered (no role), anonymous (None)."""
    return {
        "anonymous": None,
        "registered": UserFactory(username="registered"),
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
    frame = node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title="Frame",
        key="frame",
        created_by=people["owner"],
    )
    crux = node_create(
        map=the_map, kind="crux", title="Crux", key="crux", created_by=people["owner"]
    )
    edge_create(
        map=the_map,
        source=crux,
        target=frame,
        kind="supports",
        weight=0.5,
        created_by=people["owner"],
    )
    return the_map


@pytest.fixture
def maps(people):
    return {
        "public": build_map(people, "open-map", "public"),
        "private": build_map(people, "closed-map", "private"),
    }
