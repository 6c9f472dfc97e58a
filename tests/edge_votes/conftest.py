"""Shared set-up of the edge-vote tests: a small map whose arguments have a rationale,
sources, a linked group and an undercut, and API clients per persona."""

import pytest
from rest_framework.test import APIClient

from claims.models import Edge, Map
from claims.services import edge_create, map_create, member_set, node_create
from tests.factories import UserFactory

SLUG = "edges"


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    # ranking_refresh runs in-process in these tests, right after the votes.
    settings.RANKING_DEBOUNCE_MS = 0


@pytest.fixture
def api():
    """An API client authenticated with the user's token (None: anonymous)."""
    from rest_framework.authtoken.models import Token

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def build(owner, slug: str = SLUG, visibility: str = "public", undercut: bool = True) -> dict:
    """frame <-supports- nah (rationale, two sources), frame <-undermines- doubt;
    two linked premises p1, p2 -supports-> claim; claim -supports-> frame;
    an undercut 'objection' of nah -> frame (unless `undercut` is False). Returns the map
    and its edges by name."""
    the_map = map_create(slug=slug, title=slug.title(), owner=owner, visibility=visibility)

    def node(key, kind="crux", **extra):
        return node_create(
            map=the_map, kind=kind, title=key.title(), key=key, created_by=owner, **extra
        )

    frame = node("frame", kind="frame", category="outer")
    nah, doubt, claim = node("nah"), node("doubt"), node("claim", kind="claim")
    p1, p2, objection = node("premise-one"), node("premise-two"), node("objection")
    edges = {
        "nah": edge_create(
            map=the_map,
            source=nah,
            target=frame,
            kind="supports",
            weight=0.6,
            rationale="If abstractions are natural, pointing at them is easier.",
            sources=[
                {"document": "The pointers problem", "locator": "para 4", "quote": "natural"},
                {"document": "NAH essay", "locator": "§ 2", "quote": ""},
            ],
            created_by=owner,
        ),
        "doubt": edge_create(
            map=the_map, source=doubt, target=frame, kind="undermines", weight=0.3,
            created_by=owner,
        ),
        "p1": edge_create(
            map=the_map, source=p1, target=claim, kind="supports", group="joint",
            created_by=owner,
        ),
        "p2": edge_create(
            map=the_map, source=p2, target=claim, kind="supports", group="joint",
            created_by=owner,
        ),
        "claim": edge_create(
            map=the_map, source=claim, target=frame, kind="supports", weight=0.5,
            created_by=owner,
        ),
    }  # fmt: skip
    if not undercut:
        return {"map": Map.objects.get(pk=the_map.pk), "edges": edges}
    edges["undercut"] = edge_create(
        map=the_map,
        source=objection,
        target_edge=edges["nah"],
        kind="undercuts",
        weight=0.4,
        rationale="Natural abstractions need not be the ones we care about.",
        created_by=owner,
    )
    return {"map": Map.objects.get(pk=the_map.pk), "edges": edges}


@pytest.fixture
def graph(owner):
    return build(owner)


@pytest.fixture
def member(graph):
    person = UserFactory(username="member")
    member_set(map=graph["map"], username=person.username, role="voter")
    return person


def edge(graph, name: str) -> Edge:
    """The edge afresh, with what a vote reads (as the API and pages fetch it)."""
    from cruxes.selectors import edge_get_for_vote

    return edge_get_for_vote(map=Map.objects.get(pk=graph["map"].pk), key=graph["edges"][name].key)


def vote_url(key: str, slug: str = SLUG) -> str:
    return f"/api/v1/maps/{slug}/edges/{key}/vote/"


def strength_url(key: str, slug: str = SLUG) -> str:
    return f"/api/v1/maps/{slug}/edges/{key}/strength/"
