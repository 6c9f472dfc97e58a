"""Issue 15, point 5: graph.json carries what the readable graph draws (linked
premises, undercuts) and the page carries the legend and the list."""

import pytest

from claims.models import Edge, Map, Node
from claims.services import map_import
from tests.conftest import SEED_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(owner):
    import json

    map_import(data=json.loads(SEED_PATH.read_text()), owner=owner)
    return Map.objects.get(slug="alignment")


def test_every_undercut_and_linked_premise_of_the_seeded_map_reaches_the_graph(client, seeded):
    body = client.get("/maps/alignment/graph.json").json()
    edges = {e["data"]["id"]: e["data"] for e in body["edges"]}
    undercuts = Edge.objects.filter(map=seeded, kind="undercuts").select_related(
        "source", "target_edge__target"
    )
    assert undercuts.exists()
    for u in undercuts:
        drawn = edges[f"e:{u.key}"]
        assert drawn["target_edge"] == f"e:{u.target_edge.key}" in edges
        assert drawn["source"] == u.source.key
        # two ends even for a drawing without junctions: the attacked edge's target
        assert drawn["target"] == u.target_edge.target.key
    grouped = Edge.objects.filter(map=seeded, group__isnull=False)
    assert grouped.exists()
    assert all(edges[f"e:{e.key}"]["group"] == e.group for e in grouped)
    assert all("group" not in d for d in edges.values() if d["kind"] == "related")


def test_an_undercut_bears_on_the_frame_its_attacked_argument_bears_on(client, seeded):
    u = Edge.objects.filter(map=seeded, kind="undercuts", target_edge__target__kind="frame").first()
    frame = u.target_edge.target.key
    body = client.get(f"/maps/alignment/graph.json?frame={frame}").json()
    ids = {n["data"]["id"] for n in body["nodes"]}
    assert u.source.key in ids
    assert f"e:{u.key}" in {e["data"]["id"] for e in body["edges"]}


def test_the_graph_page_has_a_legend_controls_and_a_list_for_screen_readers(client, seeded):
    html = client.get("/maps/alignment/graph/").content.decode()
    for words in ("undercuts", "linked premises", "thicker = stronger", "subframe of"):
        assert words in html
    assert 'id="graph-list"' in html and "The graph as a list" in html
    assert 'aria-label="Zoom in"' in html and "Whole graph" in html
    assert Node.objects.filter(map=seeded).count() == 146
