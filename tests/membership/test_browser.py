"""The request-to-join round trip in a real browser (Chromium), under the strict
Content-Security-Policy: a newcomer asks on the map page, the owner approves on the
settings page, the newcomer reads the answer and can now add to the closed map."""

import pytest

from claims.access import map_role
from tests.e2e.conftest import csp_violations, shot
from tests.factories import UserFactory
from tests.membership.conftest import build_map
from tests.worker import purge_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def closed_map():
    purge_broker()  # no worker here: the recomputes the writes schedule are dropped
    people = {name: UserFactory(username=name) for name in ("owner", "voter", "editor", "newcomer")}
    yield build_map(people, "team-map", "public"), people
    purge_broker()


def assert_clean(page, where: str) -> None:
    assert csp_violations(page) == [], where
    assert page.csp_console == [], where
    assert page.page_errors == [], where


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_ask_approve_and_read_the_answer_in_the_browser(live_server, page, closed_map):
    the_map, people = closed_map
    base = live_server.url
    log_in(page, base, "newcomer")
    page.goto(f"{base}/maps/team-map/")
    box = page.get_by_test_id("join-request")
    assert box.get_by_text("Ask to join this map").is_visible()
    box.get_by_label("Ask to join as").select_option("editor")
    box.get_by_label("Message to the owner (optional)").fill("I'd like to add **cruxes**")
    shot(page, "join-request-asking")
    box.get_by_role("button", name="Ask to join").click()
    page.wait_for_url(f"{base}/maps/team-map/")
    assert "is pending" in page.get_by_test_id("join-request-status").inner_text()
    assert_clean(page, "map page, request pending")
    log_out(page)

    log_in(page, base, "owner")
    page.goto(f"{base}/maps/team-map/")
    page.get_by_test_id("join-requests-waiting").get_by_role("link").click()
    page.wait_for_url(f"{base}/maps/team-map/members/")
    row = page.get_by_test_id("join-request-row")
    assert "I'd like to add **cruxes**" in row.get_by_test_id("join-request-message").inner_text()
    row.get_by_label("Reply (optional, shown to newcomer)").fill("Welcome, go ahead")
    shot(page, "join-request-owner-settings")
    row.get_by_role("button", name="Approve newcomer as editor").click()
    page.wait_for_url(f"{base}/maps/team-map/members/")
    assert "You approved newcomer's request to join as editor." in page.inner_text("main")
    assert page.get_by_test_id("member-row").filter(has_text="newcomer").count() == 1
    assert_clean(page, "settings page after approving")
    log_out(page)

    log_in(page, base, "newcomer")
    page.goto(f"{base}/maps/team-map/")
    status = page.get_by_test_id("join-request-status").inner_text()
    assert "was approved" in status and "Welcome, go ahead" in status
    assert_clean(page, "map page, request approved")
    assert map_role(user=people["newcomer"], map=the_map) == "editor"
