"""Requests to join through the pages (Django's test client): the requester's box on the
map page, the owner's list on the settings page, and the outcome back on the map page."""

import re

import pytest

from claims.access import map_role
from claims.models import JoinRequest, JoinStatus
from claims.services import join_request_create

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def map_page(client, the_map) -> str:
    response = client.get(f"/maps/{the_map.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def box(html: str) -> str:
    """The requester's box on the map page ("" when there is none)."""
    found = re.search(r'<section class="join-request".*?</section>', html, flags=re.DOTALL)
    return found.group(0) if found else ""


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_ask_on_the_map_page_owner_approves_on_settings_requester_sees_it(
    client, public_map, people
):
    from django.test import Client

    requester = logged_in(client, people["requester"])
    html = map_page(requester, public_map)
    assert "Ask to join this map" in box(html)
    assert 'action="/maps/public-map/join/"' in box(html)

    response = requester.post(
        "/maps/public-map/join/", {"role": "editor", "message": "I study <b>inner</b> alignment"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/maps/public-map/"
    after = requester.get("/maps/public-map/", follow=True).content.decode()
    assert "You asked to join as editor" in after
    assert "Your request to join as editor is pending" in text(box(after))

    owner = logged_in(Client(), people["owner"])
    assert "1 request to join waits for your answer" in text(map_page(owner, public_map))
    settings_page = owner.get("/maps/public-map/members/").content.decode()
    row = re.search(r'data-testid="join-request-row".*?</form>', settings_page, flags=re.DOTALL)
    assert row, "the owner's settings page lists the request"
    assert "requester" in row.group(0) and "editor" in row.group(0)
    # The message is shown as the text typed, never as markup.
    assert "I study &lt;b&gt;inner&lt;/b&gt; alignment" in row.group(0)
    request_id = JoinRequest.objects.get().pk
    assert f'action="/maps/public-map/join-requests/{request_id}/approve/"' in row.group(0)
    assert f'formaction="/maps/public-map/join-requests/{request_id}/decline/"' in row.group(0)

    decided = owner.post(
        f"/maps/public-map/join-requests/{request_id}/approve/", {"reply": "Welcome aboard"}
    )
    assert decided.status_code == 302 and decided["Location"] == "/maps/public-map/members/"
    settings_after = owner.get("/maps/public-map/members/").content.decode()
    assert "You approved requester" in settings_after
    assert "No requests waiting" in settings_after
    assert map_role(user=people["requester"], map=public_map) == "editor"

    outcome = text(box(map_page(requester, public_map)))
    assert "Your request to join as editor was approved" in outcome
    assert "Welcome aboard" in outcome
    assert "Ask to join" not in outcome  # an editor has nothing left to ask for


def test_a_declined_requester_reads_the_reply_on_the_map_page(client, public_map, people):
    from django.test import Client

    asked = join_request_create(map=public_map, user=people["requester"], role="editor")
    owner = logged_in(Client(), people["owner"])
    owner.post(f"/maps/public-map/join-requests/{asked.pk}/decline/", {"reply": "Cite <sources>"})
    outcome = box(map_page(logged_in(client, people["requester"]), public_map))
    assert "was <strong>declined</strong>" in outcome
    assert "Cite &lt;sources&gt;" in outcome
    assert "Ask to join this map" in outcome  # may ask again
    assert map_role(user=people["requester"], map=public_map) is None


def test_the_requester_withdraws_from_the_map_page(client, public_map, people):
    asked = join_request_create(map=public_map, user=people["requester"], role="voter")
    requester = logged_in(client, people["requester"])
    html = box(map_page(requester, public_map))
    assert f'action="/maps/public-map/join/{asked.pk}/withdraw/"' in html
    requester.post(f"/maps/public-map/join/{asked.pk}/withdraw/")
    asked.refresh_from_db()
    assert asked.status == JoinStatus.WITHDRAWN
    assert "Ask to join this map" in box(map_page(requester, public_map))


def test_a_refused_request_shows_the_form_again_with_the_reason(client, public_map, people):
    requester = logged_in(client, people["requester"])
    too_long = requester.post("/maps/public-map/join/", {"role": "editor", "message": "x" * 501})
    assert too_long.status_code == 400
    assert "at most 500 characters" in too_long.content.decode()
    join_request_create(map=public_map, user=people["requester"], role="editor")
    again = requester.post("/maps/public-map/join/", {"role": "voter", "message": ""})
    assert again.status_code == 400
    assert "already asked to join" in again.content.decode()
    assert JoinRequest.objects.count() == 1


def test_a_voter_is_offered_editor_only_and_an_editor_nothing(client, public_map, people):
    voter_box = box(map_page(logged_in(client, people["voter"]), public_map))
    assert '<option value="editor"' in voter_box and '<option value="voter"' not in voter_box
    client.logout()
    assert box(map_page(logged_in(client, people["editor"]), public_map)) == ""


def test_anonymous_visitors_see_no_box_and_the_join_page_asks_them_to_log_in(client, public_map):
    assert box(map_page(client, public_map)) == ""
    response = client.get("/maps/public-map/join/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post("/maps/public-map/join/", {"role": "editor"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not JoinRequest.objects.exists()


def test_outsiders_cannot_ask_to_join_a_private_map(client, private_map, people):
    outsider = logged_in(client, people["outsider"])
    assert outsider.post("/maps/private-map/join/", {"role": "voter"}).status_code == 404
    assert not JoinRequest.objects.exists()


@pytest.mark.parametrize("who", ["requester", "voter", "editor"])
def test_only_the_owner_can_decide_from_the_pages(client, public_map, people, who):
    asked = join_request_create(map=public_map, user=people["requester"], role="editor")
    response = logged_in(client, people[who]).post(
        f"/maps/public-map/join-requests/{asked.pk}/approve/", {"reply": ""}
    )
    assert response.status_code == 403
    asked.refresh_from_db()
    assert asked.status == JoinStatus.PENDING


def test_an_unknown_decision_is_404(client, public_map, people):
    asked = join_request_create(map=public_map, user=people["requester"], role="editor")
    response = logged_in(client, people["owner"]).post(
        f"/maps/public-map/join-requests/{asked.pk}/promote/"
    )
    assert response.status_code == 404


def test_deciding_twice_from_the_page_says_so(client, public_map, people):
    asked = join_request_create(map=public_map, user=people["requester"], role="editor")
    owner = logged_in(client, people["owner"])
    owner.post(f"/maps/public-map/join-requests/{asked.pk}/decline/")
    page = owner.post(f"/maps/public-map/join-requests/{asked.pk}/approve/", follow=True)
    assert "this request was already declined" in page.content.decode()
    assert map_role(user=people["requester"], map=public_map) is None


def test_the_boxes_use_no_inline_script_or_style(client, public_map, people):
    join_request_create(map=public_map, user=people["requester"], role="editor")
    html = box(map_page(logged_in(client, people["requester"]), public_map))
    client.logout()
    html += logged_in(client, people["owner"]).get("/maps/public-map/members/").content.decode()
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"<[^>]*\son\w+=", html)  # no inline event handlers


def test_the_settings_page_costs_the_same_queries_for_many_requests(
    client, public_map, people, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    owner = logged_in(client, people["owner"])
    join_request_create(map=public_map, user=people["requester"], role="voter")
    with django_assert_max_num_queries(30) as one:
        owner.get("/maps/public-map/members/")
    for i in range(20):
        join_request_create(map=public_map, user=UserFactory(username=f"asker{i}"), role="voter")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = owner.get("/maps/public-map/members/")
    assert page.content.decode().count('data-testid="join-request-row"') == 21
