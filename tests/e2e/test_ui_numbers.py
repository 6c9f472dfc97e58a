"""In Chromium (issue 15): every number on the seeded frame page has an explanation a
person can open (hover, focus or tap); a vote, ranked by a real worker, marks how each
crux moved; sources read as the essays' titles; home cards tell maps apart."""

import re

import pytest
from django.core.management import call_command

from claims.models import Map, MapMember
from tests.conftest import SEED_PATH
from tests.e2e.conftest import shot
from tests.factories import UserFactory
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e, pytest.mark.worker]

FRAME = "/maps/alignment/frames/distribution-shift/"


@pytest.fixture
def seeded():
    purge_broker()
    call_command("import_map", str(SEED_PATH))
    return Map.objects.get(slug="alignment")


def fresh(the_map) -> bool:
    from cruxes.selectors import ranking_latest

    return not ranking_latest(map=Map.objects.get(pk=the_map.pk))["stale"]


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_every_number_on_the_frame_page_has_an_explanation(live_server, page, seeded):
    with celery_worker(purge=False):
        wait_for(lambda: fresh(seeded), timeout=15)
    page.goto(live_server.url + FRAME)
    rows = page.locator("[data-testid=crux-row]")
    assert rows.count() >= 3
    for i in range(rows.count()):
        row = rows.nth(i)
        terms = row.locator("[data-testid=explain]").evaluate_all(
            "els => els.map(e => e.dataset.term)"
        )
        assert {"score", "if_true"} <= set(terms), terms
        assert {"starting", "credence", "votes"} & set(terms), terms
    # Each "?" names its explanation (aria-describedby), hidden until asked for.
    button = rows.first.locator("[data-testid=explain][data-term=score] button")
    tip = page.locator("#" + button.get_attribute("aria-describedby"))
    assert not tip.is_visible()
    button.hover()
    assert tip.is_visible() and "Discussion value" in tip.inner_text()
    page.mouse.move(0, 0)
    button.focus()
    assert tip.is_visible()
    # Unvoted cruxes read as the author's starting estimate, not as the community's.
    assert "Starting estimate" in rows.first.inner_text()
    page.get_by_role("link", name="How the ranking works").first.click()
    page.wait_for_url(re.compile(r"/how-ranking-works/$"))
    assert "about 83 %" in page.inner_text("main")


def test_a_vote_ranked_by_a_real_worker_marks_how_the_cruxes_moved(live_server, page, seeded):
    voter = UserFactory(username="ada")
    MapMember.objects.create(map=seeded, user=voter, role="voter")
    base = live_server.url
    with celery_worker(purge=False):
        wait_for(lambda: fresh(seeded), timeout=15)
        log_in(page, base, "ada", FRAME)
        assert page.locator("[data-testid=rank-change]").count() == 0  # no earlier run
        first = page.locator("[data-testid=crux-row]").first
        title = first.locator(".crux-head a").inner_text()
        first.locator("[data-testid=credence-input]").fill("99")
        first.locator("[data-testid=vote-submit]").click()
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=rank-change]').length > 0",
            timeout=15_000,
        )
        shot(page, "frame-rank-changes-after-vote")
        row = page.locator("[data-testid=crux-row]", has_text=title).first
        mark = row.locator("[data-testid=rank-change]").inner_text()
        assert re.fullmatch(r"(↑\d+|↓\d+|=|new)\s*\S*", mark.strip().split("\n")[0]), mark
        page.goto(base + "/maps/alignment/")
        strip = page.locator("[data-testid=what-changed]")
        assert strip.is_visible()
        assert "What changed in the latest ranking" in strip.inner_text()


def test_sources_read_as_titles_and_home_cards_tell_maps_apart(live_server, page, seeded):
    base = live_server.url
    page.goto(base + "/maps/alignment/nodes/agi-acts/")
    titles = page.locator("[data-testid=source-title]").all_inner_texts()
    assert "An introduction to AGI safety and a research plan" in titles
    assert page.locator("[data-testid=source-file]").count() == 0
    assert not re.search(r"\b\w+_[0-9a-f]{8,}\.txt\b", page.inner_text("main"))
    page.goto(base + "/")
    card = page.locator("[data-testid=map-card]").first
    words = card.inner_text()
    for label in ("Owner", "Last activity", "Visibility", "nodes", "cruxes"):
        assert label in words
    assert "public" in card.locator("[data-testid=map-visibility]").inner_text()
