"""Issue 12, item 17: every page carries a strict Content-Security-Policy, and
no page needs an exception to it (no inline script, style or event handler).

tests/e2e/test_content_security_policy.py proves the same in Chromium, with
the pages' scripts running.
"""

import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from claims.models import Edge, Map, Node
from claims.services import map_import
from claims.synthetic import generate_map
from cruxes.services import ranking_refresh, vote_cast
from tests.conftest import REPO
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives: dict[str, set[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


class _Inline(HTMLParser):
    """Everything in a page that a strict policy refuses to run or apply."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and "src" not in a and a.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> block")
        if "style" in a:
            self.found.append(f"style attribute on <{tag}>")
        self.found += [f"{name}= on <{tag}>" for name in a if name.startswith("on")]
        if a.get("href", "").lower().startswith("javascript:"):
            self.found.append("javascript: link")


def inline_code(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


@pytest.fixture
def pages(client):
    """Every HTML page of a ranked map whose frame shows a histogram, as a member sees it."""
    doc = generate_map(60, seed=3)
    doc["map"]["slug"] = "csp"
    map_import(data=doc, owner=UserFactory(username="csp-owner"))
    the_map = Map.objects.get(slug="csp")
    edge = Edge.objects.filter(map=the_map, source__kind="crux", target__kind="frame").first()
    for i in range(3):  # enough voters for the histogram to be shown
        vote_cast(user=UserFactory(username=f"csp-voter{i}"), node=edge.source, credence=0.3)
    ranking_refresh(map_id=the_map.pk)
    claim = Node.objects.filter(map=the_map, kind="claim").first()
    return [
        "/",
        "/maps/csp/",
        "/maps/csp/?q=claim",
        f"/maps/csp/frames/{edge.target.key}/",
        f"/maps/csp/nodes/{edge.source.key}/",
        f"/maps/csp/nodes/{claim.key}/",
        "/maps/csp/graph/",
        "/import-export/",
        "/accounts/login/",
        "/accounts/signup/",
        "/api/docs/",
    ]


def test_every_page_sends_a_strict_content_security_policy(client, pages):
    client.force_login(UserFactory(username="reader"))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        directives = policy(response)
        for name, sources in STRICT.items():
            assert directives.get(name) == sources, (url, name, directives.get(name))
        for name in ("script-src", "style-src", "default-src"):
            assert not directives[name] & {"'unsafe-inline'", "'unsafe-eval'", "*"}, url


def test_no_page_carries_inline_script_style_or_event_handler(client, pages):
    """A page with any of these would be broken by its own policy."""
    client.force_login(UserFactory(username="reader"))
    for url in pages:
        html = client.get(url).content.decode()
        assert inline_code(html) == [], url
    frame_page = client.get(pages[3]).content.decode()
    assert 'class="hist"' in frame_page and 'class="h10"' in frame_page


def test_swagger_ui_loads_its_start_up_script_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_api_and_not_found_responses_carry_the_policy_too(client):
    assert policy(client.get("/api/v1/maps/nowhere/"))["default-src"] == {"'self'"}
    assert policy(client.get("/maps/nowhere/"))["default-src"] == {"'self'"}


def test_debug_error_pages_keep_their_inline_styles_but_real_pages_do_not(client, settings):
    """With DEBUG on, Django's technical 404 page (inline styles and scripts) is
    left without a policy; ordinary pages keep it, and with DEBUG off the 404
    page has it too."""
    settings.DEBUG = True
    debug_404 = client.get("/maps/nowhere/")
    assert debug_404.status_code == 404
    assert "Content-Security-Policy" not in debug_404.headers
    assert policy(client.get("/accounts/login/"))["script-src"] == {"'self'"}
    settings.DEBUG = False
    assert policy(client.get("/maps/nowhere/"))["script-src"] == {"'self'"}


def built_policy(debug: str) -> str:
    """The policy the settings build in a fresh process with DEBUG as given."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="argmap.settings",
        DEBUG=debug,
        SECRET_KEY="p" * 20 + "Qz8-kLmN3vX_aB9cD2eF5gH7jK0" + "r" * 10,
        ALLOWED_HOSTS="argmap.example.org",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from csp.utils import build_policy; "
            "print(build_policy())",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_policy_also_upgrades_insecure_requests_and_development_does_not():
    production, development = built_policy("0"), built_policy("1")
    assert "upgrade-insecure-requests" in production.split("; ")
    assert "upgrade-insecure-requests" not in development
    for built in (production, development):
        assert "script-src 'self'" in built and "'unsafe-inline'" not in built
