"""Issue 17's acceptance, in a real browser: a contributor adds a near-duplicate crux
(the form asks "Is it one of these?"; they save anyway), the worker's possible-duplicates
list offers the pair to the owner on the settings page, the owner merges from it, the
merged key's page redirects to the survivor, and the survivor's community credence is
that of the union of the votes (enough voters for the privacy floor to show it).
The `page` fixture fails the test on any Content-Security-Policy refusal."""

import re

import pytest
from django.conf import settings

from claims.models import Map, MapMember, Node
from claims.services import edge_create, map_create, node_create
from claims.tasks import duplicates_refresh
from cruxes.services import vote_cast
from tests.e2e.conftest import shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "correct horse battery staple"
FRAME = "/maps/dm/frames/frame/"
KEPT = "Deceptive alignment is hard to detect"
TYPED = "Deceptive alignment is hard to detect in evaluations"


def log_in(page, base: str, username: str, then: str) -> None:
    page.goto(f"{base}/accounts/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(then) + "$"))


def log_out(page) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def test_a_near_duplicate_is_suggested_saved_listed_merged_and_redirected(live_server, page, owner):
    the_map = map_create(slug="dm", title="Duplicates map", owner=owner)
    Map.objects.filter(pk=the_map.pk).update(contribution="open")
    frame = node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title="Evaluations work",
        key="frame",
        created_by=owner,
    )
    kept = node_create(map=the_map, kind="crux", title=KEPT, key="deceptive", created_by=owner)
    edge_create(
        map=the_map, source=kept, target=frame, kind="undermines", weight=0.7, created_by=owner
    )
    node_create(
        map=the_map, kind="crux", title="Interpretability scales", key="interp", created_by=owner
    )
    ada = UserFactory(username="ada")
    people = [UserFactory(username=f"v{i}") for i in range(3)]
    for user in (ada, *people):
        MapMember.objects.create(map=the_map, user=user, role="voter")
    # Below the privacy floor on the crux alone: its credence is withheld.
    assert settings.PRIVACY_MIN_VOTERS == 3
    vote_cast(user=people[0], node=kept, credence=0.6)
    vote_cast(user=people[1], node=kept, credence=0.7)
    base = live_server.url

    # 1. ada types a near-duplicate: the form suggests the existing crux; she saves anyway.
    log_in(page, base, "ada", FRAME)
    forms = page.get_by_test_id("graph-forms")
    forms.locator("summary", has_text="Add a crux or claim").click()
    add = page.get_by_test_id("add-node-form")
    add.locator("[name=kind]").select_option("crux")
    add.locator("[name=title]").press_sequentially(TYPED, delay=5)
    suggestion = page.get_by_test_id("similar-nodes")
    suggestion.wait_for()
    assert "Is it one of these?" in suggestion.inner_text()
    assert KEPT in suggestion.get_by_test_id("similar-node").first.inner_text()
    shot(page, "duplicates-suggested")
    page.get_by_test_id("save-anyway").click()
    page.wait_for_load_state()
    added = Node.objects.get(map=the_map, title=TYPED)
    log_out(page)

    # Votes on the new crux: v2's, and v0's more recent one (v0 voted 60 % on the other).
    vote_cast(user=people[2], node=added, credence=0.8)
    vote_cast(user=people[0], node=added, credence=0.9)

    # 2. The worker's pass (what the task does after an edit) lists the pair.
    duplicates_refresh(the_map.pk)

    # 3. The owner opens the settings page's "Possible duplicates" and merges from it.
    log_in(page, base, "owner", "/maps/dm/members/")
    pair = page.get_by_test_id("duplicate-pair").filter(has_text=TYPED).first
    pair.wait_for()
    assert KEPT in pair.inner_text()
    pair.get_by_test_id("merge-link").click()
    page.get_by_test_id("merge-preview").wait_for()
    assert "Votes" in page.get_by_test_id("merge-preview").inner_text()
    shot(page, "duplicates-preview")
    merged_key = re.search(r"/nodes/([^/]+)/merge/", page.url).group(1)
    page.get_by_test_id("merge-form").locator("button").click()
    page.wait_for_load_state()
    merged = Node.objects.get(map=the_map, key=merged_key)
    survivor = merged.merged_into
    assert survivor is not None and {merged.pk, survivor.pk} == {kept.pk, added.pk}
    assert page.url.endswith(f"/maps/dm/nodes/{survivor.key}/")

    # 4. The survivor shows the union of the votes: v0 90 % (the more recent), v1 70 %,
    #    v2 80 %: three voters, so the community credence is shown (mean 80 %).
    credence = page.get_by_test_id("credence-community")
    credence.wait_for()
    text = credence.inner_text()
    assert "from 3 votes" in text, text
    assert "mean 80 %" in text, text
    assert page.get_by_test_id("merged-from").is_visible()
    log_out(page)

    # 5. The merged key's page redirects (301) to the survivor's, for anyone.
    response = page.goto(f"{base}/maps/dm/nodes/{merged_key}/")
    assert page.url == f"{base}/maps/dm/nodes/{survivor.key}/"
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.response().status == 301
    shot(page, "duplicates-redirected")
