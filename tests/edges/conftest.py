"""A small map for the edge tests: frames, cruxes, claims and arguments between them.

frame (outer)  <-subframe_of-  frame-b (inner)
crux   -supports->   frame      (key crux--supports--frame)
claim  -undermines-> frame      (key claim--undermines--frame)
c1, c2, c3, x: cruxes with no edge yet
"""

import pytest
from rest_framework.test import APIClient

from claims.models import Map, MapMember
from claims.services import edge_create, map_create, node_create
from tests.factories import UserFactory


@pytest.fixture
def people(db):
    return {name: UserFactory(username=name) for name in ("owner", "editor", "voter", "outsider")}


@pytest.fixture
def world(people):
    the_map = map_create(slug="open-map", title="Open map", owner=people["owner"])
    MapMember.objects.create(map=the_map, user=people["editor"], role="editor")
    MapMember.objects.create(map=the_map, user=people["voter"], role="voter")
    nodes = {
        "frame": node_create(
            map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=None
        ),
        "frame-b": node_create(
            map=the_map,
            kind="frame",
            category="inner",
            title="Frame B",
            key="frame-b",
            created_by=None,
        ),
        "claim": node_create(
            map=the_map, kind="claim", title="Claim", key="claim", created_by=None
        ),
    }
    for key in ("crux", "c1", "c2", "c3", "x"):
        nodes[key] = node_create(
            map=the_map, kind="crux", title=key.upper(), key=key, created_by=None
        )
    edges = {
        "crux--supports--frame": edge_create(
            map=the_map,
            source=nodes["crux"],
            target=nodes["frame"],
            kind="supports",
            weight=0.6,
            created_by=None,
        ),
        "claim--undermines--frame": edge_create(
            map=the_map,
            source=nodes["claim"],
            target=nodes["frame"],
            kind="undermines",
            weight=0.4,
            created_by=None,
        ),
        "frame-b--subframe_of--frame": edge_create(
            map=the_map,
            source=nodes["frame-b"],
            target=nodes["frame"],
            kind="subframe_of",
            created_by=None,
        ),
    }
    return {"map": the_map, "nodes": nodes, "edges": edges, "people": people}


@pytest.fixture
def other_map(people):
    """A second map with an argument of its own (crux--supports--frame, like the first)."""
    the_map = map_create(slug="other-map", title="Other map", owner=people["owner"])
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=None
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=None)
    lone = node_create(map=the_map, kind="crux", title="Lone", key="lone", created_by=None)
    edge = edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=None)
    return {"map": the_map, "edge": edge, "lone": lone}


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


def graph_version(the_map) -> int:
    return Map.objects.values_list("graph_version", flat=True).get(pk=the_map.pk)


@pytest.fixture
def state(counts):
    """Every table's row count and each map's graph_version and counts: 'nothing changed'."""

    def snapshot() -> tuple:
        maps = tuple(
            Map.objects.order_by("pk").values_list(
                "pk", "graph_version", "node_count", "edge_count"
            )
        )
        return counts(), maps

    return snapshot
