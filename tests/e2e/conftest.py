"""End-to-end tests: the browser fixtures (`browser`, `page`) come from
tests/browser_fixtures.py, loaded once for the whole suite; the helpers are re-exported
here for the tests that import them from this module."""

from tests.browser_fixtures import (  # noqa: F401 - helpers, not fixtures
    ARTIFACTS,
    CHROMIUM,
    RECORD_CSP_VIOLATIONS,
    csp_violations,
    is_csp_message,
    shot,
)
