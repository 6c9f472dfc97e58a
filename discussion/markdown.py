"""Comments' Markdown to safe HTML: a small subset, rendered then sanitized.

Two maintained libraries, each enough on its own, both on every comment:
markdown-it-py renders only the subset below with raw HTML off (an HTML tag in a
comment shows as text), and nh3 (ammonia) then keeps only the tags, attributes
and URL schemes listed here. A bug or an unusual construct in one is caught by
the other.

The subset: paragraphs and line breaks (a single newline is a break, as people
type comments), *emphasis* and **strong**, [links](https://…) and <https://…>
autolinks (bare URLs are not linked: that needs linkify-it-py, one more
dependency), lists, `inline code`, indented and fenced code blocks, and
> quotes. Not included: images (a comment must not load anything from another
site), headings (a "# title" line stays plain text: a comment is not a page),
tables, horizontal rules and raw HTML.

`[[node-key]]` mentions a node of the same map: a link to its page when the
node exists and is not hidden, else the text as written.

Nesting is bounded by markdown-it's maxNesting (quotes and lists deeper than
MAX_NESTING are cut off there, never a recursion error), and a comment is at most
COMMENT_MAX_LENGTH characters (the services refuse longer ones).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import nh3
from django.urls import reverse
from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from core.validation import KEY_MAX_LENGTH
from discussion.models import COMMENT_MAX_LENGTH

# A mention's key: a node key (core.validation's format) between double brackets.
MENTION_RE = re.compile(rf"\[\[([a-z0-9][a-z0-9_-]{{0,{KEY_MAX_LENGTH - 1}}})\]\]")

# markdown-it rule names: the subset above, on top of the "zero" preset (paragraphs
# and text only).
ENABLED_RULES = [
    "blockquote",
    "list",
    "code",
    "fence",
    "reference",  # [text][ref] links with a "[ref]: url" line
    "newline",
    "escape",
    "backticks",
    "emphasis",
    "link",
    "autolink",
    "entity",
]
# Deep enough for any real comment; what nests deeper is cut off.
MAX_NESTING = 20

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "a",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# The mention link's class only (the thread's CSS styles it); no other class passes.
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """`[[key]]` as one token, before the link rule reads its brackets."""
    if state.src[state.pos] != "[" or not state.src.startswith("[[", state.pos):
        return False
    match = MENTION_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"key": match.group(1)}
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt(
        "zero",
        {"html": False, "breaks": True, "linkify": False, "typographer": False},
    )
    md.enable(ENABLED_RULES)
    md.options["maxNesting"] = MAX_NESTING
    md.inline.ruler.before("link", "mention", _mention_rule)
    return md


_MD = _parser()


def _render_mention(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's signature
    token = tokens[idx]
    key = token.meta["key"]
    known = env["node_keys"]
    if key not in known:
        return escape(token.content)
    title = known[key] if isinstance(known, Mapping) else None
    url = reverse("node", kwargs={"slug": env["map_slug"], "key": key})
    return f'<a class="mention" href="{escape(url)}">{escape(title or key)}</a>'


_MD.add_render_rule("mention", _render_mention)


def mentioned_keys(body: str) -> set[str]:
    """The node keys a comment mentions (to look up, in one query for a whole thread)."""
    return set(MENTION_RE.findall(body))


# A link goes to another site by one of URL_SCHEMES, or to a node's page (a
# mention). Any other relative URL ("java%09script:…", "//host", "../admin") is
# dropped: nh3 passes relative URLs through, and comments need none.
_HREF_OK = re.compile(
    r"(?:https?://|mailto:|/maps/[a-z0-9][a-z0-9_-]*/nodes/[a-z0-9][a-z0-9_-]*/$)", re.I
)


def _only_known_links(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href" and not _HREF_OK.match(value):
        return None
    return value


def sanitize(html: str) -> str:
    """Only the allowed tags, attributes and URL schemes; links get rel=LINK_REL."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_only_known_links,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(
    body: str, *, map_slug: str, node_keys: Collection[str] | Mapping[str, str]
) -> str:
    """A comment's Markdown as safe HTML.

    `node_keys`: the keys of the map's visible nodes the body may mention (a
    mapping key -> title shows the node's title as the link's text).
    """
    if len(body) > COMMENT_MAX_LENGTH:
        # Never stored (the services refuse it); rendering is linear but not cheap
        # on hostile input, so anything longer is shown as plain text.
        return f"<p>{escape(body)}</p>"
    html = _MD.render(body, {"map_slug": map_slug, "node_keys": node_keys})
    return sanitize(html)
