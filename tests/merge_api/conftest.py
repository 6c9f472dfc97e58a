"""A small map with a duplicate: two cruxes saying the same thing in other words,
each bearing on one frame, with votes on both; the personas of tests/conftest.py as
members (editor, voter)."""

import pytest

from claims.models import Map, MapMember, Node
from claims.services import edge_create, map_create, node_create
from claims.services.merge import node_merge
from cruxes.services import vote_cast
from tests.factories import UserFactory


def build(owner, editor, voter, *, slug: str = "dup", visibility: str = "public") -> Map:
    the_map = map_create(slug=slug, title="Duplicates", owner=owner, visibility=visibility)
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    frame = node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title="Evaluations",
        key="frame",
        created_by=owner,
    )
    old = node_create(
        map=the_map,
        kind="crux",
        key="old",
        created_by=owner,
        title="A deceptively aligned model would pass our evaluations",
    )
    keep = node_create(
        map=the_map,
        kind="crux",
        key="keep",
        created_by=owner,
        title="Deceptive alignment is hard to detect",
    )
    other = node_create(map=the_map, kind="crux", key="other", title="Other crux", created_by=owner)
    for source in (old, keep, other):
        edge_create(
            map=the_map,
            source=source,
            target=frame,
            kind="supports",
            weight=0.8,
            created_by=owner,
        )
    vote_cast(user=voter, node=old, credence=0.7)
    vote_cast(user=editor, node=keep, credence=0.4)
    return Map.objects.get(pk=the_map.pk)


@pytest.fixture
def dup_map(owner, editor, voter):
    return build(owner, editor, voter)


def merge(the_map: Map, merged: str = "old", into: str = "keep", by=None):
    return node_merge(
        merged=Node.objects.get(map=the_map, key=merged),
        survivor=Node.objects.get(map=the_map, key=into),
        by=by or the_map.owner,
    )


@pytest.fixture
def merged_map(dup_map):
    merge(dup_map)
    return Map.objects.get(pk=dup_map.pk)


def voters(n: int) -> list:
    return [UserFactory(username=f"v{i}") for i in range(n)]
