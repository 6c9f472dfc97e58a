"""Issue 15, voting and forms as a person meets them (Django's test client): "Log in to
vote" keeps the vote, an unvoted slider says so, a vote saved in place, and refusals
in plain words next to the field."""

import pytest

from claims.models import MapMember
from claims.services import edge_create, map_create, node_create, node_update
from cruxes.models import EdgeVote, Vote
from cruxes.services import ranking_refresh, vote_cast

pytestmark = pytest.mark.django_db

FRAME = "/maps/open/frames/frame/"
VOTE = "/maps/open/nodes/crux/vote/"
EDGE = "crux--supports--frame"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(owner, editor, voter):
    the_map = map_create(slug="open", title="Open map", owner=owner)
    frame = node_create(map=the_map, kind="frame", title="The frame", key="frame", created_by=owner)
    crux = node_create(map=the_map, kind="crux", title="The crux", key="crux", created_by=owner)
    other = node_create(map=the_map, kind="crux", title="Another", key="other", created_by=owner)
    edge_create(
        map=the_map, source=crux, target=frame, kind="supports", weight=0.7, created_by=owner
    )
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    ranking_refresh(map_id=the_map.pk)
    return {"map": the_map, "frame": frame, "crux": crux, "other": other}


def log_in(client, next_url: str, username: str = "voter"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "next": next_url},
        follow=True,
    )


# --- 1. "Log in to vote" --------------------------------------------------------------


def test_log_in_to_vote_saves_the_chosen_credence_and_returns_to_the_crux(world, client, voter):
    sent = client.post(VOTE, {"percent": "99", "next": f"{FRAME}#vote-crux"})
    assert sent.status_code == 302 and sent["Location"].startswith("/accounts/login/")
    assert not Vote.objects.exists()  # nothing is written before the log-in
    landed = log_in(client, VOTE)
    assert landed.status_code == 200  # never the 405 of a GET on the vote's URL
    assert landed.redirect_chain[-1][0] == f"{FRAME}#vote-crux"
    assert Vote.objects.get(user=voter, node=world["crux"]).credence == pytest.approx(0.99)
    html = landed.content.decode()
    assert "Saved 99 % on “The crux”, the credence you chose before logging in." in html
    assert 'value="99"' in html and ">99 %</output>" in html


def test_an_untouched_slider_saves_nothing_at_the_log_in_and_says_what_to_do(world, client):
    client.post(VOTE, {"percent": "50", "untouched": "1", "next": FRAME})
    landed = log_in(client, VOTE)
    assert landed.status_code == 200 and landed.redirect_chain[-1][0] == FRAME
    assert not Vote.objects.exists()
    assert "You are logged in: move the slider on “The crux” to vote" in landed.content.decode()


def test_the_vote_address_opened_by_hand_leads_to_the_crux_not_to_a_405(world, client, voter):
    assert client.get(VOTE)["Location"] == "/maps/open/nodes/crux/#vote-crux"
    client.force_login(voter)
    assert client.get(VOTE).status_code == 302
    assert not Vote.objects.exists()


def test_log_in_to_vote_on_an_arguments_strength_saves_it_too(world, client, voter):
    client.post(
        f"/maps/open/edges/{EDGE}/vote/", {"percent": "20", "next": "/maps/open/nodes/crux/"}
    )
    landed = log_in(client, f"/maps/open/edges/{EDGE}/vote/")
    assert landed.status_code == 200
    assert landed.redirect_chain[-1][0] == "/maps/open/nodes/crux/"
    assert EdgeVote.objects.get(user=voter).strength == pytest.approx(0.2)
    assert "Saved strength 20 %" in landed.content.decode()


def test_a_form_sent_while_logged_out_returns_to_its_page_after_the_log_in(world, client):
    sent = client.post(
        "/maps/open/nodes/crux/link/", {"kind": "supports", "target": "other", "weight": "0.5"}
    )
    # not the form's own address (it answers POSTs only): the page it was on
    assert sent.status_code == 302 and "next=/maps/open/nodes/crux/link/" not in sent["Location"]


# --- 3. an unvoted slider says so ----------------------------------------------------


def test_an_unvoted_slider_says_not_voted_yet_and_a_vote_shows_its_value(world, client, voter):
    client.force_login(voter)
    html = client.get(FRAME).content.decode()
    form = html[html.index('id="vote-crux"') :]
    form = form[: form.index("</form>")]
    assert 'data-unvoted="1"' in form and "unvoted" in form
    assert ">not voted yet</output>" in form
    assert 'aria-valuetext="not voted yet"' in form
    vote_cast(user=voter, node=world["crux"], credence=0.3)
    html = client.get(FRAME).content.decode()
    form = html[html.index('id="vote-crux"') :]
    form = form[: form.index("</form>")]
    assert "not voted yet" not in form and ">30 %</output>" in form


def test_an_arguments_slider_starts_at_the_authors_weight_but_says_not_voted_yet(
    world, client, voter
):
    client.force_login(voter)
    html = client.get("/maps/open/nodes/crux/").content.decode()
    block = html[html.index(f'id="edge-out-{EDGE}"') :]
    block = block[: block.index("</form>")]
    assert 'name="percent" min="0" max="100" step="1" value="70"' in block
    assert ">not voted yet</output>" in block


# --- 4. a vote saved in place ----------------------------------------------------------


def test_a_vote_sent_by_htmx_answers_with_its_form_and_tells_the_ranking_to_refresh(
    world, client, voter
):
    client.force_login(voter)
    answer = client.post(VOTE, {"percent": "12", "next": FRAME}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert answer["HX-Trigger"] == "ranking-changed"
    html = answer.content.decode()
    assert html.lstrip().startswith("<form") and ">12 %</output>" in html
    assert "Saved 12 % on “The crux”." in html
    assert f'value="{FRAME}#vote-crux"' in html  # a plain POST later still returns here
    assert "hx-preserve" not in html  # it replaces the form that was sent
    assert Vote.objects.get(user=voter).credence == pytest.approx(0.12)


def test_the_live_ranking_keeps_every_vote_form_it_refreshes(world, client, voter):
    client.force_login(voter)
    html = client.get(FRAME, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="ranking-changed from:body"' in html
    assert html.count('hx-preserve="true"') == html.count('data-testid="vote-form"') == 1


# --- 8. refusals in plain words --------------------------------------------------------


def link(client, **post):
    return client.post("/maps/open/nodes/crux/link/", {"weight": "0.5", **post})


def error_of(html: str, field: str) -> str:
    start = html.index(f'id="id_{field}_error"')
    return html[start : html.index("</ul>", start)]


def test_a_duplicate_link_says_these_two_are_already_linked(world, client, editor):
    client.force_login(editor)
    answer = link(client, kind="supports", target="frame")
    assert answer.status_code == 400
    assert "These two are already linked." in error_of(answer.content.decode(), "target")
    assert "duplicate edge" not in answer.content.decode()


def test_a_link_to_itself_says_a_node_cant_support_itself(world, client, editor):
    client.force_login(editor)
    html = link(client, kind="supports", target="crux").content.decode()
    assert "A node can&#x27;t support itself" in error_of(html, "target")
    assert "self-loop" not in html


def test_a_stale_edit_shows_their_version_and_keeps_mine_beside_it(world, client, editor, owner):
    client.force_login(editor)
    node_update(node=world["crux"], edited_by=owner, expected_revision=1, title="Their title")
    answer = client.post(
        "/maps/open/nodes/crux/edit/", {"title": "My title", "text": "", "revision": "1"}
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Someone edited this node since you opened it — here is their version" in html
    assert "Hidden field" not in html and "stale: current revision" not in html
    form = html[html.index('data-testid="edit-form"') :]
    form = form[: form.index("</form>")]
    assert 'value="Their title"' in form and 'name="revision" value="2"' in form
    assert "My title" in form  # what they typed, to copy from
