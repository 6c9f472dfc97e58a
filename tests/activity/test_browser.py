"""In a browser (Chromium, under the Content-Security-Policy): watch a map with the
button htmx loads, see another person's action under My activity, follow it to the
map's activity page."""

import re

import pytest

from claims.models import ActivityVerb
from tests.activity.conftest import added, record
from tests.e2e.conftest import csp_violations
from tests.factories import MapFactory, NodeFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "correct horse battery staple"


def test_watch_a_map_and_see_what_others_did_under_my_activity(live_server, page):  # noqa: F811
    owner = UserFactory(username="owner")
    UserFactory(username="ada")
    the_map = MapFactory(slug="open-map", title="Open map", owner=owner)
    crux = NodeFactory(map=the_map, key="crux", title="Deception is likely", created_by=owner)
    base = live_server.url

    page.goto(f"{base}/accounts/login/?next=/maps/open-map/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/maps/open-map/$"))

    # htmx replaces the placeholder with the button's real state, then the click swaps it.
    page.wait_for_selector("[data-testid=watch-form][data-watching='0']")
    page.click("[data-testid=watch-button]")
    page.wait_for_selector("[data-testid=unwatch-button]")
    assert page.locator("[data-testid=unwatch-button]").inner_text() == "Unwatch this map"
    assert csp_violations(page) == []

    added(crux, owner)
    record(the_map, ActivityVerb.NODE_EDITED, owner, node_key="crux", title="Deception is rare")

    page.click("[data-testid=my-activity-link]")
    page.wait_for_url(re.compile(r"/me/activity/$"))
    entries = page.locator("[data-testid=activity-entry]")
    assert entries.count() == 2
    assert "owner edited the crux “Deception is rare”" in entries.first.inner_text()
    assert csp_violations(page) == []

    # The actor's name leads to everything they did on the map.
    entries.first.locator("[data-testid=activity-actor]").click()
    page.wait_for_url(re.compile(r"/maps/open-map/activity/\?actor=owner$"))
    assert page.locator("h1").inner_text() == "Activity of owner"
    assert page.locator("[data-testid=activity-entry]").count() == 2
    assert csp_violations(page) == []
    assert page.page_errors == []
