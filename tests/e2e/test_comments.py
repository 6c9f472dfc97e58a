"""In a real browser: one person comments on a crux with Markdown and a mention,
another replies marking it "evidence against", and the first sees the reply with
its label and their own comment rendered (bold, a link to the mentioned node).
The `page` fixture fails the test on any Content-Security-Policy refusal."""

import re

import pytest

from discussion.models import Comment
from tests.discussion.conftest import build
from tests.e2e.conftest import shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "correct horse battery staple"
NODE = "/maps/open-map/nodes/crux/"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next={NODE}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(NODE) + "$"))


def log_out(page) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def test_a_comment_with_markdown_gets_an_evidence_against_reply(
    live_server, page, owner, editor, voter
):
    build(owner, editor, voter, slug="open-map")
    UserFactory(username="ada")
    UserFactory(username="bob")
    base = live_server.url

    log_in(page, base, "ada")
    discussion = page.get_by_test_id("discussion")
    discussion.wait_for()  # loaded by htmx into the node's page
    assert "No comments yet." in discussion.inner_text()
    discussion.locator("textarea[name=body]").first.fill(
        "This is **bold**, and see [[frame]] for the frame."
    )
    discussion.get_by_test_id("comment-submit").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    page.get_by_test_id("comment").first.wait_for()
    ada_comment = Comment.objects.get()
    log_out(page)

    log_in(page, base, "bob")
    mine = page.locator(f"#comment-{ada_comment.pk}")
    mine.wait_for()
    mine.locator("summary", has_text="Reply").click()
    form = mine.get_by_test_id("reply-form")
    form.locator("textarea").fill("The evidence points the other way.")
    form.get_by_test_id("reply-kind").select_option("evidence_against")
    form.get_by_test_id("reply-submit").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    log_out(page)

    log_in(page, base, "ada")
    comment = page.locator(f"#comment-{ada_comment.pk}")
    comment.wait_for()
    body = comment.get_by_test_id("comment-body").first
    assert body.locator("strong").inner_text() == "bold"
    mention = body.locator("a.mention")
    assert mention.inner_text() == "The frame"
    assert mention.get_attribute("href") == "/maps/open-map/nodes/frame/"
    reply = comment.locator("ol.replies [data-testid=comment]").first
    assert reply.get_by_test_id("comment-author").inner_text() == "bob"
    assert reply.get_by_test_id("comment-kind").inner_text() == "evidence against"
    assert "The evidence points the other way." in reply.inner_text()
    counts = page.get_by_test_id("comment-filters").inner_text()
    assert "evidence against (1)" in counts
    shot(page, "comments-reply-evidence-against")
    # The kind filter swaps the thread in place (htmx): the reply alone, at the top.
    page.get_by_test_id("filter-evidence_against").click()
    page.locator(f"#comment-{ada_comment.pk}").wait_for(state="detached")
    only = page.get_by_test_id("comments").locator("> [data-testid=comment]")
    assert only.count() == 1
    assert "The evidence points the other way." in only.first.inner_text()
    assert page.url.endswith(NODE)  # still on the node's page
    page.goto(f"{base}{NODE}")
    mention = page.locator(f"#comment-{ada_comment.pk} a.mention")
    # The mention is a working link to the node's page.
    mention.click()
    page.wait_for_url(re.compile(r"/maps/open-map/nodes/frame/$"))
    assert page.page_errors == []
