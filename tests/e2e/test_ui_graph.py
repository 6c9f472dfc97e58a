"""Issue 15, point 5: a graph people can read (Debian Chromium, the seeded map)."""

import json
import re

import pytest
from django.core.management import call_command

from claims.models import Edge, Map, Node
from tests.conftest import SEED_PATH
from tests.e2e.conftest import shot
from tests.worker import purge_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

# Every pair of drawn nodes whose boxes, labels included, intersect (Cytoscape's
# own bounding boxes, in model coordinates: what overlaps there overlaps at any zoom).
OVERLAPS = """() => {
  const cy = window.argmapGraph;
  const boxes = cy.nodes("[kind != 'link']")
    .map(n => [n.id(), n.boundingBox({includeLabels: true})]);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i][1], b = boxes[j][1];
    if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2)
      out.push([boxes[i][0], boxes[j][0]]);
  }
  return {drawn: boxes.length, overlaps: out};
}"""


@pytest.fixture
def seeded():
    purge_broker()
    call_command("import_map", str(SEED_PATH))
    return Map.objects.get(slug="alignment")


def open_graph(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#graph[data-ready='1']")


def test_no_node_labels_overlap_in_the_whole_map_or_filtered_to_any_frame(
    live_server, page, seeded
):
    base = f"{live_server.url}/maps/alignment/graph/"
    open_graph(page, base)
    whole = page.evaluate(OVERLAPS)
    assert whole["drawn"] == Node.objects.filter(map=seeded).count()
    assert whole["overlaps"] == []
    shot(page, "graph-whole-readable")
    for key in Node.objects.filter(map=seeded, kind="frame").values_list("key", flat=True):
        open_graph(page, f"{base}?frame={key}")
        filtered = page.evaluate(OVERLAPS)
        assert filtered["drawn"] >= 1, key
        assert filtered["overlaps"] == [], key
    assert page.page_errors == []


def test_frames_sit_above_what_bears_on_them_and_the_first_view_is_readable(
    live_server, page, seeded
):
    open_graph(page, f"{live_server.url}/maps/alignment/graph/")
    layout = page.evaluate(
        """() => {
      const cy = window.argmapGraph;
      const ys = (sel) => cy.nodes(sel).map(n => n.position('y'));
      const canvas = cy.extent();
      return {lowestFrame: Math.max(...ys("[kind = 'frame']")),
              highestOther: Math.min(...ys("[kind = 'claim'], [kind = 'crux']")),
              zoom: cy.zoom(),
              framesInView: cy.nodes("[kind = 'frame']").every(n => {
                const b = n.boundingBox();
                return b.x1 >= canvas.x1 && b.x2 <= canvas.x2
                  && b.y1 >= canvas.y1 && b.y2 <= canvas.y2; })};
    }"""
    )
    assert layout["lowestFrame"] < layout["highestOther"]
    # 11 px text drawn at 8 px or more, with every frame on screen
    assert layout["zoom"] >= 0.74 and layout["framesInView"]
    # a small filter starts with all of it in view
    open_graph(page, f"{live_server.url}/maps/alignment/graph/?frame=mesa-optimizers")
    all_in_view = page.evaluate(
        """() => { const cy = window.argmapGraph, c = cy.extent(), b = cy.elements().boundingBox();
                   return b.x1 >= c.x1 && b.x2 <= c.x2 && b.y1 >= c.y1 && b.y2 <= c.y2; }"""
    )
    assert all_in_view
    # the zoom buttons work
    before = page.evaluate("() => window.argmapGraph.zoom()")
    page.get_by_role("button", name="Zoom in").click()
    assert page.evaluate("() => window.argmapGraph.zoom()") > before


def test_the_legend_explains_every_mark_and_linked_premises_and_undercuts_are_drawn_apart(
    live_server, page, seeded
):
    open_graph(page, f"{live_server.url}/maps/alignment/graph/")
    legend = page.get_by_test_id("graph-legend").inner_text()
    for words in (
        "frame",
        "crux",
        "claim",
        "supports",
        "undermines",
        "undercuts",
        "linked premises",
        "subframe of",
        "related",
        "thicker = stronger",
    ):
        assert words in legend
    groups = {
        (target, kind, group)
        for target, kind, group in Edge.objects.filter(map=seeded, group__isnull=False).values_list(
            "target__key", "kind", "group"
        )
    }
    undercut = Edge.objects.filter(map=seeded, kind="undercuts").count()
    drawn = page.evaluate(
        """() => { const cy = window.argmapGraph;
          return {linked: cy.nodes("[junction = 'linked']").length,
                  inference: cy.nodes("[junction = 'inference']").length,
                  undercutEdges: cy.edges("[kind = 'undercuts']")
                    .filter(e => e.target().data('junction') === 'inference').length,
                  colours: [...new Set(cy.edges()
                    .map(e => e.data('kind') + ' ' + e.style('line-color')))],
                  widths: [...new Set(cy.edges("[kind = 'supports']")
                    .map(e => e.style('width')))]}; }"""
    )
    assert drawn["linked"] == len(groups)
    assert drawn["undercutEdges"] == undercut and drawn["inference"] >= 1
    colour = dict(c.split(" ", 1) for c in drawn["colours"])
    assert len({colour[k] for k in ("supports", "undermines", "undercuts", "subframe_of")}) == 4
    assert len(drawn["widths"]) > 1  # width follows the weight


def test_clicking_a_node_fades_all_but_its_neighbourhood_and_offers_its_page(
    live_server, page, seeded
):
    open_graph(page, f"{live_server.url}/maps/alignment/graph/?frame=mesa-optimizers")
    at = page.evaluate(
        """() => { const n = window.argmapGraph.getElementById('mesa-optimizers');
                   return n.renderedPosition(); }"""
    )
    canvas = page.locator("#graph").bounding_box()
    page.mouse.click(canvas["x"] + at["x"], canvas["y"] + at["y"])
    state = page.evaluate(
        """() => { const cy = window.argmapGraph, n = cy.getElementById('mesa-optimizers');
          const hood = n.closedNeighborhood();
          return {focused: n.hasClass('focused'), faded: cy.elements('.faded').length,
                  hoodFaded: hood.filter('.faded').length, all: cy.elements().length}; }"""
    )
    assert state["focused"] and state["hoodFaded"] == 0
    assert 0 < state["faded"] < state["all"]
    panel = page.get_by_test_id("graph-focus")
    assert "Mesa-optimizers" in panel.inner_text()
    shot(page, "graph-focus")
    page.get_by_role("button", name="Show everything").click()
    assert page.evaluate("() => window.argmapGraph.elements('.faded').length") == 0
    page.mouse.click(canvas["x"] + at["x"], canvas["y"] + at["y"])
    page.keyboard.press("Escape")
    assert page.evaluate("() => window.argmapGraph.elements('.faded').length") == 0
    page.mouse.click(canvas["x"] + at["x"], canvas["y"] + at["y"])
    page.get_by_test_id("graph-focus-open").click()
    page.wait_for_url(re.compile(r"/maps/alignment/frames/mesa-optimizers/$"))


def test_the_graph_is_also_a_list_of_nodes_and_their_arguments(live_server, page, seeded):
    open_graph(page, f"{live_server.url}/maps/alignment/graph/")
    page.wait_for_selector("#graph-list[data-ready='1']", state="attached")
    page.get_by_text("The graph as a list").click()
    items = page.locator("#graph-list > li")
    assert items.count() == Node.objects.filter(map=seeded).count()
    # each node links to its page; its arguments name their source, kind and weight
    edge = (
        Edge.objects.filter(map=seeded, kind="supports", group__isnull=True)
        .select_related("source", "target")
        .first()
    )
    item = page.locator(f"#graph-list > li[data-key={json.dumps(edge.target.key)}]")
    assert item.get_by_role("link", name=edge.target.title, exact=True).count() == 1
    argument = item.locator("li", has_text=f"supported by {edge.source.title}")
    assert argument.count() == 1 and "weight" in argument.inner_text()
    undercut = Edge.objects.filter(map=seeded, kind="undercuts").select_related(
        "source", "target_edge__source", "target_edge__target"
    )[0]
    attacked_target = page.locator(
        f"#graph-list > li[data-key={json.dumps(undercut.target_edge.target.key)}]"
    )
    assert f"is undercut by {undercut.source.title}" in attacked_target.inner_text()
    assert "linked premise" in page.locator("#graph-list").inner_text()
    # the picture points screen readers at the list
    assert "as a list" in page.locator("#graph").get_attribute("aria-label")
    page.get_by_role("link", name=edge.target.title, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/{re.escape(edge.target.key)}/$"))
