"""Issue 18 in a real browser: two people vote differently on a small map, each shares
their credences with the other through the form on their "My view" page, and one opens
the double crux with the other: the crux they split on is at the top. The `page` fixture
fails the test on any Content-Security-Policy refusal."""

import re

import pytest

from claims.services import edge_create, map_create, node_create
from cruxes.models import Vote
from cruxes.sharing import sharing_get
from tests.e2e.conftest import shot
from tests.factories import UserFactory
from tests.worker import purge_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "correct horse battery staple"
SPLIT = "Models trained on human feedback learn to deceive their raters"


@pytest.fixture
def small_map():
    purge_broker()
    owner = UserFactory(username="owner")
    the_map = map_create(slug="split", title="Split map", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", title="Alignment is hard", key="hard", created_by=owner
    )
    other = node_create(
        map=the_map, kind="frame", title="Timelines are short", key="short", created_by=owner
    )
    for key, title, target, kind, weight in [
        ("deceive", SPLIT, frame, "supports", 1.0),
        ("scaling", "Scaling laws keep holding", other, "supports", 0.8),
        ("interp", "Interpretability will catch deception", frame, "undermines", 0.4),
    ]:
        crux = node_create(map=the_map, kind="crux", title=title, key=key, created_by=owner)
        edge_create(
            map=the_map, source=crux, target=target, kind=kind, weight=weight, created_by=owner
        )
    UserFactory(username="ada")
    UserFactory(username="bob")
    return the_map


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def log_out(page) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def vote(page, base: str, key: str, percent: int) -> None:
    page.goto(f"{base}/maps/split/nodes/{key}/")
    form = page.locator(f"#vote-{key}")
    form.locator("[data-testid=credence-input]").fill(str(percent))
    form.get_by_test_id("vote-submit").click()
    page.wait_for_load_state()


def share_with(page, base: str, username: str) -> None:
    """From the map page's "My view" link, through the sharing form."""
    page.goto(f"{base}/maps/split/")
    page.get_by_test_id("my-view-link").click()
    page.wait_for_url(re.compile(r"/maps/split/me/$"))
    form = page.get_by_test_id("sharing-form")
    form.get_by_test_id("audience-chosen").check()
    form.get_by_test_id("sharing-viewers").fill(username)
    form.get_by_test_id("sharing-submit").click()
    page.wait_for_url(re.compile(r"/maps/split/me/$"))
    assert "Your sharing setting is saved." in page.inner_text("main")
    assert page.get_by_test_id("my-frame").count() == 2


def test_two_people_who_shared_see_the_crux_they_split_on_at_the_top(live_server, page, small_map):
    base = live_server.url
    log_in(page, base, "ada", "/maps/split/")
    vote(page, base, "deceive", 90)
    vote(page, base, "scaling", 60)
    # Before bob shares, ada is told plainly that he has not.
    page.goto(f"{base}/maps/split/double-crux/?with=bob")
    assert "bob has not shared their credences on this map with you" in page.inner_text("main")
    assert page.get_by_test_id("double-crux").count() == 0
    share_with(page, base, "bob")
    log_out(page)

    log_in(page, base, "bob", "/maps/split/")
    vote(page, base, "deceive", 10)
    vote(page, base, "scaling", 60)
    share_with(page, base, "ada")
    assert "points lower" in page.get_by_test_id("my-differences").inner_text()
    shot(page, "double-crux-my-view")
    assert Vote.objects.filter(node__map=small_map).count() == 4
    assert sharing_get(user=small_map.owner.__class__.objects.get(username="ada"), map=small_map)[
        "viewers"
    ] == ["bob"]

    form = page.get_by_test_id("double-crux-form")
    form.get_by_test_id("double-crux-with").fill("ada")
    form.get_by_test_id("double-crux-submit").click()
    page.wait_for_url(re.compile(r"/maps/split/double-crux/\?with=ada$"))
    assert page.get_by_test_id("double-crux-heading").inner_text() == "Your double crux with ada"
    top = page.get_by_test_id("double-crux").first
    assert top.get_by_test_id("double-crux-title").inner_text() == SPLIT
    reason = top.get_by_test_id("double-crux-reason").inner_text()
    assert reason.startswith("you hold 0.10 and ada holds 0.90")
    assert "Alignment is hard" in reason
    shot(page, "double-crux-top")
