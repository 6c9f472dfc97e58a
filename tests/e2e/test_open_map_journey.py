"""Issue 16's acceptance, in a real browser with a real Celery worker, on the seeded map
(owned by `steward` and open, as `make run` seeds it):

a newcomer signs up, adds a crux under a frame and links it to another frame, comments on it
in Markdown; another user replies marking it *evidence against*; the newcomer finds the
reply under My activity; a vandal adds a crux, and once the owner hides it, it leaves the
ranking at the next run. The `page` fixture fails the test on any CSP refusal.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims.models import Edge, Map, Node
from cruxes.selectors import ranking_latest
from discussion.models import Comment
from tests.conftest import SEED_PATH
from tests.e2e.conftest import shot
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e, pytest.mark.worker]

PASSWORD = "a long passphrase 42"
FRAME = "/maps/alignment/frames/deception/"
CRUX_TITLE = "Gradient descent rarely finds deceptive policies"
VANDAL_TITLE = "Visit my shop for cheap watches"


@pytest.fixture
def seeded():
    purge_broker()
    call_command("import_map", str(SEED_PATH), "--owner", "steward", "--contribution", "open")
    return Map.objects.get(slug="alignment")


def fresh(the_map) -> bool:
    return not ranking_latest(map=Map.objects.get(pk=the_map.pk))["stale"]


def ranked_keys(the_map) -> set[str]:
    return {c["id"] for c in ranking_latest(map=Map.objects.get(pk=the_map.pk))["cruxes"]}


def sign_up(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def log_out(page) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def add_crux_under_frame(page, base: str, title: str) -> Node:
    page.goto(f"{base}{FRAME}")
    page.click("text=Add a crux or claim linked to this frame")
    form = page.locator("[data-testid=add-node-form]")
    form.locator("#id_kind").select_option("crux")
    form.locator("#id_title").fill(title)
    form.locator("#id_link_kind").select_option("supports")
    form.locator("#id_weight").fill("0.9")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(FRAME) + "$"))
    return wait_for(lambda: Node.objects.filter(title=title).first(), timeout=5)


def wait_until_fresh(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-testid=ranking-status]').textContent === 'fresh'",
        timeout=15_000,
    )


def test_a_newcomer_contributes_discusses_and_the_owner_moderates(live_server, page, seeded):
    base = live_server.url
    with celery_worker(purge=False):
        wait_for(lambda: fresh(seeded), timeout=20)

        # 1. A newcomer adds a crux under the Deception frame and links it to another frame.
        sign_up(page, base, "newcomer")
        crux = add_crux_under_frame(page, base, CRUX_TITLE)
        assert crux.created_by.username == "newcomer"
        wait_until_fresh(page)
        assert page.locator("[data-testid=crux-row]", has_text=CRUX_TITLE).count() == 1
        node_path = f"/maps/alignment/nodes/{crux.key}/"
        page.goto(f"{base}{node_path}")
        page.click("text=Link this crux to another node")
        link = page.locator("[data-testid=link-form]")
        link.locator("#id_kind").select_option("undermines")
        link.locator("#id_target").fill("mesa-optimizers")
        link.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert Edge.objects.filter(
            source=crux, target__key="mesa-optimizers", kind="undermines"
        ).exists()

        # 2. ... and comments on it in Markdown.
        page.goto(f"{base}{node_path}")
        discussion = page.get_by_test_id("discussion")
        discussion.wait_for()
        discussion.locator("textarea[name=body]").first.fill(
            "Selection pressure **against** deception is strong; compare [[deception]]."
        )
        discussion.get_by_test_id("comment-submit").click()
        page.wait_for_url(re.compile(r"#comment-\d+$"))
        first = Comment.objects.get(node=crux)
        body = page.locator(f"#comment-{first.pk}").get_by_test_id("comment-body").first
        assert body.locator("strong").inner_text() == "against"
        assert body.locator("a.mention").get_attribute("href") == "/maps/alignment/nodes/deception/"
        log_out(page)

        # 3. Another user replies, marking it evidence against.
        sign_up(page, base, "critic")
        page.goto(f"{base}{node_path}")
        comment = page.locator(f"#comment-{first.pk}")
        comment.wait_for()
        comment.locator("summary", has_text="Reply").click()
        reply = comment.get_by_test_id("reply-form")
        reply.locator("textarea").fill("Sleeper-agent results suggest it survives training.")
        reply.get_by_test_id("reply-kind").select_option("evidence_against")
        reply.get_by_test_id("reply-submit").click()
        page.wait_for_url(re.compile(r"#comment-\d+$"))
        log_out(page)

        # 4. The newcomer sees the reply under My activity (they created the crux).
        log_in(page, base, "newcomer", "/me/activity/")
        entries = page.get_by_test_id("activity-list")
        entries.wait_for()
        text = entries.inner_text()
        assert f"critic replied: posted evidence against the crux “{CRUX_TITLE}”" in text
        assert (
            "newcomer"
            not in page.get_by_test_id("activity-list")
            .locator("[data-testid=activity-actor]")
            .all_inner_texts()
        )
        shot(page, "journey-my-activity")
        log_out(page)

        # 5. A vandal adds a crux; it is ranked at the next run.
        sign_up(page, base, "vandal")
        junk = add_crux_under_frame(page, base, VANDAL_TITLE)
        wait_for(lambda: fresh(seeded) and junk.key in ranked_keys(seeded), timeout=20)
        log_out(page)

        # 6. The owner hides it; the next run leaves it out of the ranking and the page.
        steward = get_user_model().objects.get(username="steward")
        steward.set_password(PASSWORD)  # what `manage.py changepassword steward` does
        steward.save()
        log_in(page, base, "steward", "/")
        page.goto(f"{base}/maps/alignment/nodes/{junk.key}/")
        page.click("text=Hide this crux")
        hide = page.get_by_test_id("hide-form")
        hide.locator("input[name=reason]").fill("spam")
        hide.locator("button[type=submit]").click()
        page.wait_for_load_state()
        wait_for(lambda: fresh(seeded) and junk.key not in ranked_keys(seeded), timeout=20)
        page.goto(f"{base}{FRAME}")
        wait_until_fresh(page)
        assert page.locator("[data-testid=crux-row]", has_text=VANDAL_TITLE).count() == 0
        assert page.locator("[data-testid=crux-row]", has_text=CRUX_TITLE).count() == 1
        shot(page, "journey-after-hide")
    log_out(page)
    # Anonymous visitors no longer reach the hidden crux's page.
    assert page.goto(f"{base}/maps/alignment/nodes/{junk.key}/").status == 404
