"""The map page's schools section in Chromium: loaded with htmx, within the strict CSP,
with the viewer's own dot marked "you".

The browser runs in a thread of its own: tests/e2e keeps one Playwright (sync API) open
for the whole session in the main thread, and a second one there would refuse to start.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from claims.models import Map
from cruxes.models import SchoolMember
from cruxes.schools_service import schools_compute
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, RECORD_CSP_VIOLATIONS, is_csp_message
from tests.factories import MapFactory, UserFactory
from tests.schools.electorates import camps
from tests.schools_service.electorate_db import build_camp_map, cast_votes
from tests.worker import purge_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def schools_map():
    purge_broker()
    the_map = MapFactory(slug="schools-map", title="Schools map", owner=UserFactory(username="o"))
    voters = cast_votes(the_map, build_camp_map(the_map), camps(0), prefix="cam")
    schools_compute(map_id=the_map.pk)
    yield Map.objects.get(pk=the_map.pk), voters
    purge_broker()


def _look(base: str, path: str, username: str) -> dict:
    """Log in, open the map page, wait for htmx to bring the section: what a user sees."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            context.add_init_script(RECORD_CSP_VIOLATIONS)
            page = context.new_page()
            page.set_default_timeout(15_000)
            console, errors = [], []
            page.on("console", lambda m: console.append(m.text) if is_csp_message(m.text) else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/accounts/login/?next={path}")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(re.compile(re.escape(path) + "$"))
            section = page.locator("[data-testid=schools]")
            section.wait_for()  # swapped in by htmx in place of the slot
            fill = page.locator("[data-testid=schools-frames] .school-fill").first
            bar = page.locator("[data-testid=schools-frames] .school-bar").first
            seen = {
                "slots": page.locator("[data-testid=schools-slot]").count(),
                "you_line": page.locator("[data-testid=schools-you]").inner_text(),
                "cards": [
                    page.locator(f"[data-testid=school-{x}]").is_visible() for x in ("A", "B")
                ],
                "dots": page.locator("[data-testid=schools-scatter] circle").count(),
                "you_r": page.locator("[data-testid=scatter-you]").get_attribute("r"),
                "fill_class": fill.get_attribute("class"),
                "fill_width": fill.bounding_box()["width"],
                "bar_width": bar.bounding_box()["width"],
                "dot_colour": page.locator("circle.school-dot.school-0").first.evaluate(
                    "e => getComputedStyle(e).fill"
                ),
                "double_crux_links": page.locator("[data-testid=double-crux-school]").count(),
            }
            page.wait_for_timeout(250)  # violation events are dispatched as tasks
            seen["violations"] = page.evaluate("() => window.__cspViolations")
            seen["console"], seen["errors"] = console, errors
            section.scroll_into_view_if_needed()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "schools-section.png"), full_page=True)
            return seen
        finally:
            browser.close()


def test_a_voter_sees_the_two_schools_and_their_own_dot(live_server, schools_map):
    the_map, voters = schools_map
    me = voters[20]
    label = "AB"[SchoolMember.objects.get(run__map=the_map, user=me).group]
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_look, live_server.url, f"/maps/{the_map.slug}/", me.username).result()
    assert seen["slots"] == 0
    assert seen["you_line"] == f"You are closest to group {label}."
    assert seen["cards"] == [True, True]
    assert seen["dots"] == 30
    assert seen["you_r"] == "7"
    assert seen["double_crux_links"] == 2
    # The stylesheet applied: a bar has its width class's share of the track.
    share = int(re.search(r"w-(\d+)", seen["fill_class"]).group(1))
    assert abs(seen["fill_width"] - seen["bar_width"] * share / 100) < 1.5
    assert seen["dot_colour"] == "rgb(0, 114, 178)"
    assert seen["violations"] == [] and seen["console"] == [] and seen["errors"] == []


def test_the_section_updates_itself_when_the_worker_has_found_the_schools(live_server, page):
    """Opened before any schools run, the section says so, then shows the two schools
    once they are computed, without a reload."""
    purge_broker()
    the_map = MapFactory(slug="schools-later", title="Schools later", owner=UserFactory())
    cast_votes(the_map, build_camp_map(the_map), camps(0), prefix="late")
    page.goto(f"{live_server.url}/maps/{the_map.slug}/")
    section = page.locator("[data-testid=schools]")
    section.wait_for()
    assert section.get_attribute("data-state") == "pending"
    assert "not been worked out yet" in section.inner_text()
    schools_compute(map_id=the_map.pk)  # what the background worker does
    page.locator("[data-testid=schools][data-state=schools]").wait_for(timeout=15_000)
    assert page.locator("[data-testid=school-A]").is_visible()
    assert page.locator("[data-testid=school-B]").is_visible()
    assert page.locator("[data-testid=schools]").count() == 1
    # Up to date now: the section no longer polls.
    assert page.locator("[data-testid=schools]").get_attribute("hx-trigger") is None
    # Anyone may see what divides the two schools: the link opens their double crux.
    page.locator("[data-testid=school-A] [data-testid=double-crux-schools]").click()
    page.wait_for_url(re.compile(r"/double-crux/\?group=\d+&against=\d+$"))
    assert " against " in page.locator("[data-testid=double-crux-heading]").inner_text()
    purge_broker()
