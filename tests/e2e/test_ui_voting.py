"""Issue 15 in a real browser (Debian's Chromium): "Log in to vote" ends back on the crux
with the vote saved, an untouched slider says "not voted yet", the live update never
eats a moved slider, voting keeps the scroll position, and a refused form says what is
wrong in plain words with the focus on it."""

import re

import pytest

from claims.models import MapMember
from claims.services import edge_create, map_create, node_create
from cruxes.models import Vote
from cruxes.selectors import ranking_latest
from cruxes.services import ranking_refresh, vote_cast
from tests.e2e.conftest import shot
from tests.factories import UserFactory
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

FRAME = "/maps/open/frames/frame/"
PASSWORD = "correct horse battery staple"
CRUXES = 14  # enough for a frame page taller than the window


@pytest.fixture
def world():
    purge_broker()
    owner = UserFactory(username="owner")
    the_map = map_create(slug="open", title="Open map", owner=owner)
    frame = node_create(map=the_map, kind="frame", title="The frame", key="frame", created_by=owner)
    for i in range(CRUXES):
        crux = node_create(
            map=the_map, kind="crux", title=f"Crux number {i}", key=f"c{i}", created_by=owner
        )
        edge_create(
            map=the_map,
            source=crux,
            target=frame,
            kind="supports" if i % 2 else "undermines",
            weight=0.3 + i / 40,
            created_by=owner,
        )
    MapMember.objects.create(map=the_map, user=UserFactory(username="editor"), role="editor")
    UserFactory(username="voter")
    ranking_refresh(map_id=the_map.pk)
    return the_map


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_log_in_to_vote_brings_the_visitor_back_to_the_crux_with_the_vote_saved(
    live_server, page, world
):
    base = live_server.url
    page.goto(f"{base}{FRAME}")
    form = page.locator("#vote-c3")
    form.locator("[data-testid=credence-input]").fill("99")
    assert form.locator("output").inner_text() == "99 %"
    form.get_by_role("button", name="Log in to vote").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", "voter")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/maps/open/frames/frame/#vote-c3$"))
    shot(page, "ui-voting-after-login")
    assert "405" not in page.title()
    assert (
        page.get_by_role("status")
        .filter(has_text="Saved 99 % on “Crux number 3”, the credence you chose before logging in.")
        .is_visible()
    )
    kept = page.locator("#vote-c3")
    assert kept.locator("[data-testid=credence-input]").input_value() == "99"
    assert kept.locator("output").inner_text() == "99 %"
    assert Vote.objects.get(user__username="voter").credence == pytest.approx(0.99)


def test_an_untouched_slider_says_not_voted_yet_and_cannot_be_saved_unchosen(
    live_server, page, world
):
    base = live_server.url
    log_in(page, base, "voter", FRAME)
    page.wait_for_url(re.compile(FRAME))
    form = page.locator("#vote-c5")
    assert form.locator("output").inner_text() == "not voted yet"
    save = form.get_by_role("button", name="Save")
    assert save.is_disabled()  # no 50 % the person never chose
    form.locator("[data-testid=credence-input]").fill("40")
    assert form.locator("output").inner_text() == "40 %"
    assert save.is_enabled()
    # A visitor's "Log in to vote" with the slider untouched saves nothing.
    assert not Vote.objects.exists()


@pytest.mark.worker
def test_a_slider_moved_to_1_percent_survives_the_live_update_while_the_worker_recomputes(
    live_server, page, world
):
    base = live_server.url
    log_in(page, base, "voter", FRAME)
    page.wait_for_url(re.compile(FRAME))
    # Someone else votes: the ranking is stale and the page polls every second.
    vote_cast(user=UserFactory(username="other"), node=world.nodes.get(key="c1"), credence=0.9)
    page.goto(f"{base}{FRAME}")
    assert page.locator("[data-testid=ranking-status]").inner_text() == "recomputing…"
    slider = page.locator("#vote-c2 [data-testid=credence-input]")
    slider.fill("1")
    for _ in range(2):  # two live updates swap the ranking section...
        with page.expect_response(lambda r: r.url.endswith(FRAME) and r.status == 200):
            pass
    page.wait_for_timeout(100)
    assert slider.input_value() == "1"  # ...and the slider is where it was put
    assert page.locator("#vote-c2 output").inner_text() == "1 %"
    with celery_worker(purge=False):
        wait_for(lambda: not ranking_latest(map=world)["stale"], timeout=20)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=ranking-status]').textContent === 'fresh'",
            timeout=15_000,
        )
    shot(page, "ui-voting-slider-survives")
    assert page.locator("#vote-c2 [data-testid=credence-input]").input_value() == "1"
    assert page.locator("#vote-c2 output").inner_text() == "1 %"
    assert page.locator("#vote-c2 [data-testid=vote-submit]").is_enabled()


def test_voting_keeps_the_scroll_position(live_server, page, world):
    base = live_server.url
    log_in(page, base, "voter", FRAME)
    page.wait_for_url(re.compile(FRAME))
    last = page.locator("[data-testid=vote-form]").last
    last.scroll_into_view_if_needed()
    before = page.evaluate("() => window.scrollY")
    assert before > 200  # the card is well below the top of the page
    url = page.url
    last.locator("[data-testid=credence-input]").fill("77")
    last.get_by_role("button", name="Save").click()
    saved = page.locator("[data-testid=vote-message]", has_text="Saved 77 %")
    saved.wait_for()
    assert page.url == url  # no page load...
    assert abs(page.evaluate("() => window.scrollY") - before) < 5  # ...and no jump to the top
    assert saved.is_visible()
    assert Vote.objects.get(user__username="voter").credence == pytest.approx(0.77)


def test_without_javascript_a_vote_returns_to_its_crux(live_server, browser, world):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    try:
        page = context.new_page()
        base = live_server.url
        log_in(page, base, "voter", FRAME)
        page.wait_for_url(re.compile(FRAME))
        form = page.locator("[data-testid=vote-form]").last
        key = form.get_attribute("id")
        form.locator("[data-testid=credence-input]").fill("64")
        form.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(f"#{key}$"))
        box = page.locator(f"#{key}").bounding_box()
        assert 0 <= box["y"] < 900  # the crux voted on is in view, not the top of the page
        assert Vote.objects.get(user__username="voter").credence == pytest.approx(0.64)
    finally:
        context.close()


def test_a_refused_link_says_why_in_plain_words_next_to_the_field_with_the_focus(
    live_server, page, world
):
    base = live_server.url
    log_in(page, base, "editor", "/maps/open/nodes/c0/")
    page.wait_for_url(re.compile("/maps/open/nodes/c0/"))
    page.get_by_text("Link this crux to another node").click()
    form = page.locator("[data-testid=link-form]")
    form.locator("#id_kind").select_option("undermines")
    form.locator("#id_target").fill("frame")
    form.get_by_role("button", name="Link").click()
    page.wait_for_load_state()
    shot(page, "ui-voting-plain-error")
    error = page.locator("#id_target_error")
    assert error.inner_text() == "These two are already linked."
    assert error.is_visible()
    assert page.evaluate("() => document.activeElement.id") == "id_target"
    box = page.locator("#id_target").bounding_box()
    assert 0 <= box["y"] < 900  # in view, not below the fold
    assert "duplicate edge" not in page.content()
