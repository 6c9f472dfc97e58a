"""Issue 12, item 17: every page works under its Content-Security-Policy.

Chromium reports each refusal as a `securitypolicyviolation` event (recorded by
the init script in conftest.py) and a console message; every page here, with
its scripts run (htmx polling and swapping, Cytoscape drawing, Swagger UI
rendering the schema, the vote slider), must produce none.
"""

import re

import pytest
from django.core.management import call_command

from claims.models import Edge, Map
from cruxes.services import ranking_refresh, vote_cast
from tests.e2e.conftest import csp_violations
from tests.factories import UserFactory
from tests.worker import purge_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

FRAME = "distribution-shift"


@pytest.fixture
def seeded():
    purge_broker()  # no worker here: the test refreshes the ranking itself
    call_command("import_map", "fixtures/alignment.argmap.json")
    yield Map.objects.get(slug="alignment")
    purge_broker()


def assert_clean(page, where: str) -> None:
    assert csp_violations(page) == [], where
    assert page.csp_console == [], where
    assert page.page_errors == [], where


def test_no_page_breaks_the_content_security_policy(live_server, page, seeded):
    base = live_server.url
    crux = (
        Edge.objects.filter(map=seeded, target__key=FRAME, source__kind="crux")
        .select_related("source")
        .first()
        .source
    )
    # Enough voters for the histogram to be shown (PRIVACY_MIN_VOTERS).
    for i, credence in enumerate((0.2, 0.25, 0.9)):
        vote_cast(user=UserFactory(username=f"voter{i}"), node=crux, credence=credence)

    for path in ("/", "/accounts/login/", "/accounts/signup/"):
        page.goto(base + path)
        assert_clean(page, path)

    # The ranking is stale: htmx polls the live section, and swaps in the fresh one.
    page.goto(f"{base}/maps/alignment/")
    status = page.locator("[data-testid=ranking-status]")
    assert status.inner_text() != "fresh"
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        pass
    ranking_refresh(map_id=seeded.pk)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=ranking-status]').textContent === 'fresh'"
    )
    assert_clean(page, "map page, polled until fresh")

    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", "reader")
    page.fill("#id_password1", "a long passphrase 42")
    page.fill("#id_password2", "a long passphrase 42")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert_clean(page, "after signing up")

    page.goto(f"{base}/maps/alignment/frames/{FRAME}/")
    # the row whose own title is the crux's (other rows may name it in their "why" route)
    row = page.locator(
        "[data-testid=crux-row]", has=page.locator(".crux-head a", has_text=crux.title)
    )
    tallest = row.locator(".hist span.h10")
    assert tallest.count() == 1  # the histogram's bars are drawn by classes...
    assert tallest.bounding_box()["height"] > 5  # ...and have their height
    row.locator("[data-testid=credence-input]").fill("85")
    assert row.locator("output").inner_text() == "85 %"  # argmap.js runs
    assert_clean(page, "frame page")

    page.goto(f"{base}/maps/alignment/nodes/{crux.key}/")
    assert_clean(page, "node page")

    page.goto(f"{base}/maps/alignment/graph/")
    page.wait_for_selector("#graph[data-ready='1']")
    assert page.locator("#graph canvas").count() >= 1
    page.evaluate("() => window.argmapGraph.nodes()[0].emit('mouseover')")
    assert_clean(page, "graph page")

    page.goto(f"{base}/import-export/")
    assert page.locator("[data-testid=import-form]").count() == 1
    assert_clean(page, "import/export page")

    page.goto(f"{base}/api/docs/")
    operation = page.locator(".swagger-ui .opblock-summary").first
    operation.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 10
    operation.click()
    page.locator(".swagger-ui .opblock-body").first.wait_for()
    assert_clean(page, "Swagger UI")


def test_an_injected_inline_script_or_style_is_refused_and_reported(live_server, page, seeded):
    """The policy is what stops an injection that escaping missed, and the
    recorder above really sees refusals."""
    page.goto(f"{live_server.url}/maps/alignment/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__injected = true";
          document.body.append(script);
          const box = document.createElement("div");
          box.innerHTML = '<img src="x.png" onerror="window.__injected = true">'
            + '<span style="color: red">styled</span>';
          document.body.append(box);
        }"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__injected") is None
    directives = {v["directive"] for v in csp_violations(page)}
    assert {"script-src-elem", "script-src-attr", "style-src-attr"} <= directives
    assert any(re.search("Content Security Policy", m) for m in page.csp_console)
    page.expect_csp_violations = True  # this test provoked them on purpose


def test_a_hidden_tab_skips_the_ranking_polls_and_resumes_when_shown(live_server, page, seeded):
    """The visibility filter htmx would evaluate inline lives in argmap.js now."""
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.goto(f"{live_server.url}/maps/alignment/")
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        pass  # a stale ranking polls while the page is shown
    page.evaluate(
        "() => Object.defineProperty(document, 'visibilityState', "
        "{configurable: true, get: () => 'hidden'})"
    )
    page.wait_for_timeout(300)  # a poll already on its way may still land
    polls.clear()
    page.wait_for_timeout(2_500)
    assert polls == []
    page.evaluate("() => { delete document.visibilityState; }")
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        pass
    assert_clean(page, "map page, hidden then shown")
