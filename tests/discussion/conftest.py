"""A public and a private map, each with a frame, a crux, an edge, and its people:
owner, editor and voter (members), outsider (signed in, no role), anonymous."""

import pytest
from rest_framework.test import APIClient

from claims.models import MapMember
from claims.services import edge_create, map_create, node_create


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


def build(owner, editor, voter, *, slug: str, visibility: str = "public"):
    the_map = map_create(slug=slug, title=slug.title(), owner=owner, visibility=visibility)
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    frame = node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title="The frame",
        key="frame",
        created_by=owner,
    )
    crux = node_create(
        map=the_map,
        kind="crux",
        title="Deceptive alignment is likely",
        key="crux",
        created_by=owner,
    )
    edge = edge_create(
        map=the_map, source=crux, target=frame, kind="supports", weight=0.5, created_by=owner
    )
    return the_map, crux, edge


@pytest.fixture
def people(owner, editor, voter, outsider):
    return {"owner": owner, "editor": editor, "voter": voter, "outsider": outsider}


@pytest.fixture
def public(owner, editor, voter):
    """(map, crux, edge) of a public map."""
    return build(owner, editor, voter, slug="open-map")


@pytest.fixture
def private(owner, editor, voter):
    return build(owner, editor, voter, slug="closed-map", visibility="private")
