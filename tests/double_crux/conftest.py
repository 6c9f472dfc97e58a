"""A map of the acceptance electorate (tests/schools/electorates.py) in the database, the
API clients of its people, and fresh caches (the views are cached per graph version)."""

import pytest
from django.core.cache import cache
from django.db.models import F
from rest_framework.test import APIClient

from claims.models import Map, MapMember
from claims.services import edge_create, map_create, node_create
from cruxes.models import Vote
from cruxes.personal_views import forget_local
from tests.factories import UserFactory
from tests.schools import electorates as el


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.clear()
    forget_local()
    yield
    forget_local()


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


def votes_put(user, the_map: Map, credences: dict[str, float]) -> None:
    """Votes written directly (set-up, not the behaviour under test), then the map's
    version bumped once as the vote service would."""
    nodes = {n.key: n for n in the_map.nodes.all()}
    Vote.objects.bulk_create(
        [
            Vote(user=user, node=nodes[k], credence=round(v, 4), node_revision=nodes[k].revision)
            for k, v in credences.items()
        ]
    )
    Map.objects.filter(pk=the_map.pk).update(graph_version=F("graph_version") + 1)


def camp_map_build(owner, *, slug: str = "camps", visibility: str = "public", seed: int = 0):
    """The camp map (four frames f0-f3, cruxes c00-c19; each split crux c00-c04 supports f0
    or f1) and its 30 voters: camp-a-00..14 vote high on the split cruxes, camp-b-15..29
    low, all near each other elsewhere. Returns (map, voters)."""
    the_map = map_create(slug=slug, title="Camps", owner=owner, visibility=visibility)
    nodes, edges = el.camp_map(seed)
    made = {}
    for n in nodes:
        title = f"Frame {n.key}" if n.kind == "frame" else f"Crux {n.key}"
        made[n.key] = node_create(
            map=the_map,
            kind=n.kind,
            title=title,
            key=n.key,
            created_by=owner,
            category="outer" if n.kind == "frame" else None,
        )
    seen = set()
    for e in edges:
        if (e.source, e.target) in seen:
            continue
        seen.add((e.source, e.target))
        edge_create(
            map=the_map,
            source=made[e.source],
            target=made[e.target],
            kind=e.kind,
            weight=min(1.0, e.weight),  # the DB caps an author's weight at 1
            created_by=owner,
        )
    votes = el.camps(seed)
    voters = []
    for i in range(el.VOTERS):
        camp = "a" if i < el.VOTERS // 2 else "b"
        user = UserFactory(username=f"camp-{camp}-{i:02d}")
        MapMember.objects.create(map=the_map, user=user, role="voter")
        voters.append(user)
        votes_put(user, the_map, el.voter_credences(votes, i))
    the_map.refresh_from_db()
    return the_map, voters


@pytest.fixture
def camps(owner):
    return camp_map_build(owner)


@pytest.fixture
def people(owner, editor, voter, outsider):
    return {"owner": owner, "editor": editor, "voter": voter, "outsider": outsider}
