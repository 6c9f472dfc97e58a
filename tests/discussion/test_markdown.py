"""Comments' Markdown: the safe subset renders, hostile input is neutralised."""

import re
import time

import pytest

from discussion.markdown import mentioned_keys, render_markdown, sanitize
from discussion.models import COMMENT_MAX_LENGTH

KEYS = {"deceptive-alignment": "Deceptive alignment is likely"}


def render(body: str) -> str:
    return render_markdown(body, map_slug="m", node_keys=KEYS)


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_the_safe_subset_renders():
    html = render(
        "**bold** and *em*\nnext line\n\n- one\n- two\n\n1. first\n\n> quoted\n\n"
        "`x = 1`\n\n```\nblock\n```\n\n[a link](https://example.org) <https://auto.example>"
    )
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<br>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<ol>" in html
    assert "<blockquote>" in html
    assert "<code>x = 1</code>" in html
    assert "<pre><code>block" in html
    assert hrefs(html) == ["https://example.org", "https://auto.example"]


def test_links_are_nofollow_ugc_noopener():
    html = render("[x](https://example.org)")
    assert 'rel="nofollow ugc noopener"' in html


def test_headings_stay_plain_text_and_images_are_not_loaded():
    html = render("# Big title\n\n![alt](https://tracker.example/pixel.png)")
    assert "<h1" not in html
    assert "# Big title" in html
    assert "<img" not in html


def test_a_mention_of_a_visible_node_links_to_its_page():
    html = render("see [[deceptive-alignment]]")
    assert (
        '<a class="mention" href="/maps/m/nodes/deceptive-alignment/" '
        'rel="nofollow ugc noopener">Deceptive alignment is likely</a>'
    ) in html


def test_a_mention_of_an_unknown_or_hidden_node_stays_text():
    html = render("see [[no-such-node]]")
    assert "<a" not in html
    assert "[[no-such-node]]" in html


def test_a_mention_in_code_is_code():
    html = render("`[[deceptive-alignment]]`")
    assert "<a" not in html


def test_mentioned_keys_are_found():
    assert mentioned_keys("[[a-1]] and [[b_2]] but not [[Bad Key]]") == {"a-1", "b_2"}


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<iframe src=https://evil.example></iframe>",
        "<!-- comment --><style>body{display:none}</style>",
        '<details open ontoggle="alert(1)">',
        "<svg/onload=alert(1)>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(body):
    html = render(body)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<iframe" not in html.lower()
    assert "<style" not in html.lower()
    assert "<svg" not in html.lower()
    assert "<div" not in html.lower()
    assert "<details" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+=", html, re.IGNORECASE)  # no on* attribute on a tag


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "java&#09;script:alert(1)",
        "javascript&colon;alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
    ],
)
def test_dangerous_link_schemes_never_become_links(url):
    for body in (f"[click]({url})", f"<{url}>", f"[click][r]\n\n[r]: {url}"):
        html = render(body)
        for href in hrefs(html):
            assert href.split(":")[0].lower() in ("https", "http", "mailto") or href.startswith("/")
        assert "javascript:" not in html.lower().replace("&#", "") or "<a" not in html


def test_the_sanitizer_alone_drops_dangerous_links_and_attributes():
    # A renderer bug must not get through: nh3 works on its own.
    html = sanitize(
        '<a href="javascript:alert(1)">a</a><a href="data:text/html,x">b</a>'
        '<a href="vbscript:x">c</a><p onclick="x" style="color:red" class="evil">d</p>'
        '<img src="https://x.example/p.png"><h1>t</h1><script>alert(1)</script>'
        '<a href="https://ok.example" target="_blank">ok</a>'
    )
    assert hrefs(html) == ["https://ok.example"]
    assert "onclick" not in html and "style" not in html and "class" not in html
    assert "<img" not in html and "<h1" not in html and "<script" not in html
    assert "alert(1)" not in html  # the script's content is dropped, not shown
    assert 'rel="nofollow ugc noopener"' in html
    assert "target=" not in html


def test_mailto_links_are_kept():
    assert hrefs(render("[mail](mailto:someone@example.org)")) == ["mailto:someone@example.org"]


@pytest.mark.parametrize(
    "body",
    [
        "> " * 4990 + "deep",
        "- " * 4990 + "deep",
        "1. " * 3333,
        "".join("  " * i + "- x\n" for i in range(95)),
        "\n".join(">" * i + " x" for i in range(1, 130)),
        "*" * COMMENT_MAX_LENGTH,
        "[" * COMMENT_MAX_LENGTH,
        "[[" * (COMMENT_MAX_LENGTH // 2),
        "<" * COMMENT_MAX_LENGTH,
        "`" * COMMENT_MAX_LENGTH,
    ],
    ids=[
        "quotes",
        "lists",
        "ordered",
        "indented",
        "quote-lines",
        "stars",
        "brackets",
        "mentions",
        "angles",
        "backticks",
    ],
)
def test_deep_or_pathological_input_renders_quickly_and_bounded(body):
    assert len(body) <= COMMENT_MAX_LENGTH
    started = time.monotonic()
    html = render(body)
    assert time.monotonic() - started < 2.0
    # maxNesting: at most ~20 levels of quotes or lists, whatever was typed.
    assert html.count("<blockquote>") <= 25
    assert html.count("<ul>") + html.count("<ol") <= 25


def test_an_oversized_body_is_shown_as_plain_text():
    html = render("**x** " * (COMMENT_MAX_LENGTH // 5) + "<script>")
    assert "<strong>" not in html
    assert "&lt;script&gt;" in html
