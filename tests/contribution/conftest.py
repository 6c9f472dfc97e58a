"""Maps of every visibility x contribution policy, with nodes and edges written by
each persona (their own work) and by someone else (others' work)."""

import pytest
from rest_framework.test import APIClient

from claims.models import Edge, Map, MapMember, Node
from claims.services import edge_create, map_create, node_create
from tests.factories import UserFactory

#: Who acts. "author" is a signed-in outsider acting on what they wrote themselves.
ROLES = ["anonymous", "outsider", "voter", "editor", "owner"]


@pytest.fixture
def people(db):
    return {
        "anonymous": None,
        "outsider": UserFactory(username="outsider"),
        "voter": UserFactory(username="voter"),
        "editor": UserFactory(username="editor"),
        "owner": UserFactory(username="owner"),
        # Wrote "others' work": a signed-in stranger to everyone acting in the tests.
        "writer": UserFactory(username="writer"),
    }


@pytest.fixture
def client_for():
    from rest_framework.authtoken.models import Token

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def build_map(people, *, visibility: str, contribution: str) -> Map:
    """frame <- base (others'); per persona p: node own-p (by p) -supports-> frame (edge by p);
    others' node `theirs` (by writer) -undermines-> frame (edge by writer)."""
    the_map = map_create(
        slug=f"{visibility}-{contribution}",
        title=f"{visibility} {contribution}",
        owner=people["owner"],
        visibility=visibility,
    )
    Map.objects.filter(pk=the_map.pk).update(contribution=contribution)
    MapMember.objects.create(map=the_map, user=people["voter"], role="voter")
    MapMember.objects.create(map=the_map, user=people["editor"], role="editor")
    writer = people["writer"]
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=writer
    )
    node_create(map=the_map, kind="claim", title="Base", key="base", created_by=writer)
    theirs = node_create(
        map=the_map,
        kind="crux",
        title="Theirs",
        key="theirs",
        created_by=writer,
        sources=[{"document": "Their paper"}],
    )
    edge_create(
        map=the_map,
        source=theirs,
        target=frame,
        kind="undermines",
        key="theirs-edge",
        sources=[{"document": "Their source"}],
        created_by=writer,
    )
    for name in ("outsider", "voter", "editor", "owner"):
        own = node_create(
            map=the_map,
            kind="crux",
            title=f"Own of {name}",
            key=f"own-{name}",
            created_by=people[name],
            sources=[{"document": f"{name}'s paper"}],
        )
        edge_create(
            map=the_map,
            source=own,
            target=frame,
            kind="supports",
            key=f"own-{name}-edge",
            sources=[{"document": f"{name}'s source"}],
            created_by=people[name],
        )
    return Map.objects.get(pk=the_map.pk)


def node_of(the_map: Map, key: str) -> Node | None:
    return Node.objects.filter(map=the_map, key=key).first()


def edge_of(the_map: Map, key: str) -> Edge | None:
    return Edge.objects.filter(map=the_map, key=key).first()
