"""A small map to moderate: a frame, two cruxes bearing on it, a claim behind one of
them (and an undercut by it), with the personas of tests/conftest.py as members."""

import pytest

from claims.models import Map, MapMember
from claims.services import edge_create, map_create, node_create


def build(owner, editor, voter, *, slug: str = "mod", visibility: str = "public") -> Map:
    the_map = map_create(slug=slug, title="Moderated", owner=owner, visibility=visibility)
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    frame = node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title="Corrigibility frame",
        key="frame",
        created_by=owner,
    )
    vandal = node_create(
        map=the_map, kind="crux", title="Vandal crux", key="vandal", created_by=owner
    )
    good = node_create(map=the_map, kind="crux", title="Good crux", key="good", created_by=owner)
    claim = node_create(map=the_map, kind="claim", title="A claim", key="claim", created_by=owner)
    edge_create(
        map=the_map, source=vandal, target=frame, kind="supports", weight=0.9, created_by=owner
    )
    argument = edge_create(
        map=the_map, source=good, target=frame, kind="undermines", weight=0.6, created_by=owner
    )
    edge_create(
        map=the_map, source=claim, target=good, kind="supports", weight=0.7, created_by=owner
    )
    edge_create(
        map=the_map,
        source=vandal,
        target_edge=argument,
        kind="undercuts",
        weight=0.5,
        created_by=owner,
    )
    return Map.objects.get(pk=the_map.pk)


@pytest.fixture
def mod_map(owner, editor, voter):
    return build(owner, editor, voter)


@pytest.fixture
def outsider_user(outsider):
    return outsider
