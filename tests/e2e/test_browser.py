"""A person in a real browser: sign up, vote, add and link, graph, import/export."""

import json
import re

import pytest
from django.core.management import call_command

from claims.models import Map, MapMember, Node
from claims.services import node_create
from cruxes.selectors import ranking_latest
from tests.conftest import SEED_PATH
from tests.e2e.conftest import shot
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e, pytest.mark.worker]


@pytest.fixture
def seeded():
    purge_broker()
    call_command("import_map", str(SEED_PATH))
    return Map.objects.get(slug="alignment")


def fresh(the_map) -> bool:
    return not ranking_latest(map=Map.objects.get(pk=the_map.pk))["stale"]


def sign_up(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", "a long passphrase 42")
    page.fill("#id_password2", "a long passphrase 42")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_visitor_signs_up_votes_and_sees_the_ranking_turn_fresh(live_server, page, seeded):
    base = live_server.url
    with celery_worker(purge=False):
        wait_for(lambda: fresh(seeded), timeout=15)
        sign_up(page, base, "newcomer")
        page.get_by_role("link", name="The core of the alignment problem").click()
        page.wait_for_url(re.compile(r"/maps/alignment/$"))
        headings = page.locator("h2").all_inner_texts()
        for group in ("Outer alignment", "Inner alignment", "Other frames"):
            assert group in headings
        assert page.locator("[data-testid=frame-card]").count() >= 13
        page.click("[data-testid=frame-card] >> text=Distribution shift")
        page.wait_for_url(re.compile(r"/frames/distribution-shift/$"))
        status = page.locator("[data-testid=ranking-status]")
        assert status.inner_text() == "fresh"
        version_before = int(page.locator("[data-testid=ranking-version]").inner_text())
        first = page.locator("[data-testid=crux-row]").first
        first.locator("[data-testid=credence-input]").fill("85")
        assert first.locator("output").inner_text() == "85 %"
        first.locator("[data-testid=vote-submit]").click()
        page.wait_for_load_state()
        shot(page, "frame-after-vote")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=ranking-status]').textContent === 'fresh'",
            timeout=10_000,
        )
        version_after = int(page.locator("[data-testid=ranking-version]").inner_text())
        assert version_after > version_before
        shot(page, "frame-fresh-after-vote")
    voted = page.locator("[data-testid=crux-row] output", has_text="85 %")
    assert voted.count() == 1


def test_editor_adds_a_crux_to_sharp_left_turn_and_finds_it_in_the_graph(live_server, page, seeded):
    base = live_server.url
    with celery_worker(purge=False):
        sign_up(page, base, "mapper")
        from django.contrib.auth import get_user_model

        MapMember.objects.create(
            map=seeded, user=get_user_model().objects.get(username="mapper"), role="editor"
        )
        page.goto(f"{base}/maps/alignment/frames/sharp-left-turn/")
        page.click("text=Add a crux or claim linked to this frame")
        form = page.locator("[data-testid=add-node-form]")
        form.locator("#id_kind").select_option("crux")
        form.locator("#id_title").fill("Capabilities generalize further than alignment")
        form.locator("#id_link_kind").select_option("supports")
        form.locator("#id_weight").fill("0.9")
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/frames/sharp-left-turn/$"))
        page.wait_for_function(
            "() => document.querySelector('[data-testid=ranking-status]').textContent === 'fresh'",
            timeout=10_000,
        )
        row = page.locator(
            "[data-testid=crux-row]", has_text="Capabilities generalize further than alignment"
        )
        assert row.count() == 1
        # a refused link shows its error next to the field
        page.click("text=Link this frame to another node")
        form = page.locator("[data-testid=link-form]")
        form.locator("#id_target").fill("No node has this title")
        form.locator("button[type=submit]").click()
        assert "no node titled or keyed" in page.locator("[data-testid=link-form]").inner_text()
    key = Node.objects.get(map=seeded, title="Capabilities generalize further than alignment").key
    page.goto(f"{base}/maps/alignment/graph/?frame=sharp-left-turn")
    page.wait_for_selector("#graph[data-ready='1']")
    assert page.evaluate(f"() => window.argmapGraph.getElementById({json.dumps(key)}).length") == 1
    shot(page, "graph-sharp-left-turn")


def test_hostile_title_is_literal_text_everywhere(live_server, page, seeded):
    hostile = "<img src=x onerror=alert(1)>"
    node_create(
        map=seeded,
        kind="crux",
        title=hostile,
        text="<script>alert(2)</script>",
        key="hostile",
        created_by=None,
    )
    base = live_server.url
    page.goto(f"{base}/maps/alignment/nodes/hostile/")
    assert page.locator("h1").inner_text().startswith(hostile)
    assert page.locator("img[src=x]").count() == 0
    page.goto(f"{base}/maps/alignment/?q=onerror")
    assert page.get_by_text(hostile).count() >= 1
    page.goto(f"{base}/maps/alignment/graph/")
    page.wait_for_selector("#graph[data-ready='1']")
    label = page.evaluate("() => window.argmapGraph.getElementById('hostile').data('label')")
    assert label == hostile
    page.evaluate("() => window.argmapGraph.getElementById('hostile').emit('mouseover')")
    assert page.locator("#graph-info").inner_text() == f"crux: {hostile}"
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []


def test_graph_of_a_large_frame_says_what_it_left_out_and_shows_more_on_request(live_server, page):
    from claims.page_selectors import GRAPH_LIMIT, GRAPH_LIMITS, graph_elements
    from claims.services import map_import
    from claims.synthetic import generate_map

    doc = generate_map(2_000, seed=5)
    doc["map"]["slug"] = "large"
    doc["votes"] = []
    map_import(data=doc, owner=None)
    the_map = Map.objects.get(slug="large")
    everything = {"frame", "claim", "crux"}
    frame = max(
        Node.objects.filter(map=the_map, kind="frame"),
        key=lambda f: graph_elements(the_map=the_map, frame=f, kinds=everything)["total"],
    )
    total = graph_elements(the_map=the_map, frame=frame, kinds=everything)["total"]
    page.goto(f"{live_server.url}/maps/large/graph/?frame={frame.key}")
    page.wait_for_selector("#graph[data-ready='1']")
    assert page.evaluate("() => window.argmapGraph.nodes().length") == GRAPH_LIMIT
    notice = page.locator("[data-testid=graph-notice]").inner_text()
    assert f"Showing the {GRAPH_LIMIT} nodes nearest the frame, of {total:,} that bear" in notice
    shot(page, "graph-large-frame")
    page.click("[data-testid=graph-more]")
    page.wait_for_url(re.compile(rf"limit={GRAPH_LIMITS[1]}"))
    page.wait_for_selector("#graph[data-ready='1']")
    shown = min(total, GRAPH_LIMITS[1])
    assert page.evaluate("() => window.argmapGraph.nodes().length") == shown


def test_export_then_import_through_the_page_keeps_the_counts(live_server, page, seeded, tmp_path):
    base = live_server.url
    sign_up(page, base, "archivist")
    page.goto(f"{base}/import-export/")
    with page.expect_download() as download_info:
        page.locator("[data-testid=export-link]").first.click()
    path = tmp_path / "alignment.argmap.json"
    download_info.value.save_as(path)
    assert json.loads(path.read_text())["map"]["slug"] == "alignment"
    form = page.locator("[data-testid=import-form]")
    form.locator("#id_file").set_input_files(str(path))
    form.locator("#id_slug").fill("alignment-copy")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/maps/alignment-copy/$"))
    original, copy = seeded, Map.objects.get(slug="alignment-copy")
    assert copy.nodes.count() == original.nodes.count()
    assert copy.edges.count() == original.edges.count()
    # a refused file shows its error list, and nothing is imported
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"format": "argmap", "version": 1, "map": {"slug": "bad", "title": "B"},'
        ' "nodes": [{"id": "a", "kind": "frme", "title": "A"}], "edges": []}'
    )
    page.goto(f"{base}/import-export/")
    form = page.locator("[data-testid=import-form]")
    form.locator("#id_file").set_input_files(str(bad))
    form.locator("button[type=submit]").click()
    assert "nodes[0].kind" in page.locator("[data-testid=import-errors]").inner_text()
    assert not Map.objects.filter(slug="bad").exists()


def test_anonymous_visitor_browses_but_is_sent_to_log_in_to_vote(live_server, page, seeded):
    base = live_server.url
    page.goto(f"{base}/maps/alignment/")
    assert page.locator("[data-testid=frame-card]").count() >= 13
    page.goto(f"{base}/maps/alignment/frames/pointers-problem/")
    assert "Pointers problem" in page.locator("h1").inner_text()
    page.goto(f"{base}/maps/alignment/nodes/nah/")
    page.locator("[data-testid=vote-submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.locator("h1").inner_text() == "Log in"


def test_frame_page_is_readable_at_375_px(live_server, browser, seeded):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/maps/alignment/frames/distribution-shift/")
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    shot(page, "frame-375px")
    context.close()
    assert overflow <= 375
