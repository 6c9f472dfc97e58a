"""Browser fixtures for every browser test (tests/e2e and the apps' test_browser.py):
Debian's Chromium driven by Playwright against a live server.

Loaded once as a plugin (tests/conftest.py: pytest_plugins), never imported as fixtures
into another module: each import would define a second session-wide browser, and a
second Playwright in the same thread fails ("Sync API inside the asyncio loop").
"""

import os
from pathlib import Path

import pytest

from tests.conftest import REPO

# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(os.environ.get("ARGMAP_TEST_ARTIFACTS", REPO / "test-artifacts"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Runs before any page script in every document (Playwright injects it through
# the DevTools protocol, which the page's Content-Security-Policy does not govern):
# each violation the browser reports lands in window.__cspViolations.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push({
    directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
    source: e.sourceFile, line: e.lineNumber, disposition: e.disposition,
  });
});
"""


def is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    # Chromium also logs every refusal to the console, on whichever page: every
    # browser test fails if anything it did broke the Content-Security-Policy.
    csp_console: list[str] = []
    page.on(
        "console",
        lambda m: (
            csp_console.append(f"{page.url} ({m.location['url']}): {m.text}")
            if is_csp_message(m.text)
            else None
        ),
    )
    page.csp_console = csp_console
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.page_errors = errors
    try:
        yield page
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        if not getattr(page, "expect_csp_violations", False):
            assert csp_console == [], f"Content-Security-Policy refusals: {csp_console}"
    finally:
        context.close()


def csp_violations(page) -> list:
    """What the Content-Security-Policy refused on the current page, once the
    browser has dispatched its violation events (they are queued as tasks)."""
    page.wait_for_timeout(250)
    return page.evaluate("() => window.__cspViolations")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
