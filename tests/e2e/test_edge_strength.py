"""In a real browser (Chromium through Playwright): a voter moves an argument's strength
slider on a node page, saves, and sees it kept; the page breaks no
Content-Security-Policy rule (the `page` fixture checks)."""

import re

import pytest

from cruxes.models import EdgeVote
from tests.e2e.conftest import shot
from tests.edge_votes.conftest import build
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

NAH = "nah--supports--frame"


def test_a_voter_sets_an_arguments_strength_with_the_slider(live_server, page, owner):
    build(owner)
    UserFactory(username="ada")  # password: correct horse battery staple
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/maps/edges/nodes/nah/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/maps/edges/nodes/nah/$"))
    argument = page.locator(f"#edge-out-{NAH}")
    assert "If abstractions are natural" in argument.inner_text()
    assert "The pointers problem" in argument.inner_text()
    slider = argument.locator("[data-testid=strength-input]").first
    slider.fill("85")
    assert argument.locator("output").first.inner_text() == "85 %"
    argument.locator("[data-testid=strength-submit]").first.click()
    page.wait_for_url(re.compile(r"/maps/edges/nodes/nah/$"))
    page.wait_for_load_state()
    shot(page, "edge-strength-saved")
    assert "Saved strength 85 %" in page.content()
    kept = page.locator(f"#edge-out-{NAH} [data-testid=strength-input]").first
    assert kept.input_value() == "85"
    assert EdgeVote.objects.get().strength == 0.85
    page.locator(f"#edge-out-{NAH} [data-testid=strength-withdraw]").first.click()
    page.get_by_text("Withdrew your strength").wait_for()
    assert not EdgeVote.objects.exists()
