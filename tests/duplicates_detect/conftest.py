"""A map with the issue's paraphrase among unrelated nodes, and API clients by persona."""

import pytest

from claims.models import Map, MapMember
from claims.services import map_create, node_create
from claims.similarity import index_cache_clear

PARAPHRASE = "A deceptively aligned model would pass our evaluations"
UNRELATED = [
    ("compute", "Training compute doubles every six months"),
    ("open-weights", "Open-weight releases speed up misuse by amateurs"),
    ("economics", "Automation of research labour changes the economics of science"),
    ("treaty", "An international treaty on frontier training runs is verifiable"),
    ("robotics", "Household robotics will lag language models by a decade"),
]


@pytest.fixture(autouse=True)
def _fresh_index():
    # Map ids repeat across tests (rolled-back transactions): no index may survive one.
    index_cache_clear()
    yield
    index_cache_clear()


def build(owner, editor, voter, *, slug: str = "dup", visibility: str = "public") -> Map:
    the_map = map_create(slug=slug, title="Duplicates", owner=owner, visibility=visibility)
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    node_create(
        map=the_map,
        kind="crux",
        key="deceptive",
        title="Deceptive alignment is hard to detect",
        created_by=owner,
    )
    for key, title in UNRELATED:
        node_create(map=the_map, kind="crux", key=key, title=title, created_by=owner)
    return Map.objects.get(pk=the_map.pk)


@pytest.fixture
def dup_map(owner, editor, voter):
    return build(owner, editor, voter)
