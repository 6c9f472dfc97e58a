"""Requests to join through the API: the round trips, the refusals, the docs."""

import pytest

from claims.models import JoinRequest, JoinStatus
from claims.services import join_request_create

pytestmark = pytest.mark.django_db


def url(the_map, tail=""):
    return f"/api/v1/maps/{the_map.slug}/join-requests/{tail}"


def add_crux(client, the_map):
    return client.post(
        f"/api/v1/maps/{the_map.slug}/nodes/",
        {"kind": "crux", "title": "A crux of my own"},
        format="json",
    )


def test_ask_the_owner_sees_it_approves_and_the_new_editor_can_add_to_a_closed_map(
    public_map, people, client_for
):
    requester = client_for(people["requester"])
    owner = client_for(people["owner"])
    assert public_map.contribution == "closed"
    assert add_crux(requester, public_map).status_code == 403

    asked = requester.post(
        url(public_map), {"role": "editor", "message": "I wrote on this"}, format="json"
    )
    assert asked.status_code == 201
    body = asked.json()
    assert (body["username"], body["role"], body["status"]) == ("requester", "editor", "pending")

    waiting = owner.get(url(public_map) + "?status=pending").json()
    assert waiting["count"] == 1
    assert waiting["results"][0]["message"] == "I wrote on this"

    approved = owner.post(
        url(public_map, f"{body['id']}/approve/"), {"reply": "Welcome"}, format="json"
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "owner"

    assert add_crux(requester, public_map).status_code == 201
    mine = requester.get(url(public_map)).json()["results"][0]
    assert (mine["status"], mine["reply"]) == ("approved", "Welcome")


def test_a_voter_request_approved_makes_a_member_whose_vote_counts(public_map, people, client_for):
    requester = client_for(people["requester"])
    asked = requester.post(url(public_map), {"role": "voter"}, format="json").json()
    client_for(people["owner"]).post(url(public_map, f"{asked['id']}/approve/"), format="json")
    members = client_for(people["owner"]).get(f"/api/v1/maps/{public_map.slug}/members/").json()
    assert {"username": "requester", "role": "voter"} in members
    vote = requester.put(
        f"/api/v1/maps/{public_map.slug}/nodes/crux/vote/", {"credence": 0.7}, format="json"
    )
    assert vote.status_code == 200
    # A voter still cannot edit a closed map.
    assert add_crux(requester, public_map).status_code == 403


def test_a_private_map_s_voter_becomes_editor_and_can_add(private_map, people, client_for):
    voter = client_for(people["voter"])
    assert add_crux(voter, private_map).status_code == 403
    asked = voter.post(url(private_map), {"role": "editor"}, format="json").json()
    client_for(people["owner"]).post(url(private_map, f"{asked['id']}/approve/"), format="json")
    assert add_crux(voter, private_map).status_code == 201


def test_a_declined_requester_reads_the_reply_and_stays_out(public_map, people, client_for):
    requester = client_for(people["requester"])
    asked = requester.post(url(public_map), {"role": "editor"}, format="json").json()
    declined = client_for(people["owner"]).post(
        url(public_map, f"{asked['id']}/decline/"),
        {"reply": "Please cite sources first"},
        format="json",
    )
    assert declined.status_code == 200
    mine = requester.get(url(public_map)).json()["results"]
    assert [(r["status"], r["reply"]) for r in mine] == [("declined", "Please cite sources first")]
    assert add_crux(requester, public_map).status_code == 403


def test_deciding_twice_is_409_and_keeps_the_first_answer(public_map, people, client_for):
    asked = join_request_create(map=public_map, user=people["requester"], role="editor")
    owner = client_for(people["owner"])
    assert owner.post(url(public_map, f"{asked.pk}/decline/"), format="json").status_code == 200
    again = owner.post(url(public_map, f"{asked.pk}/approve/"), format="json")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "this request was already declined"
    asked.refresh_from_db()
    assert asked.status == JoinStatus.DECLINED


def test_others_see_only_their_own_requests(public_map, people, client_for):
    join_request_create(map=public_map, user=people["requester"], role="editor", message="mine")
    seen = client_for(people["outsider"]).get(url(public_map)).json()
    assert seen["count"] == 0
    assert client_for(people["editor"]).get(url(public_map)).json()["count"] == 0
    assert client_for(people["owner"]).get(url(public_map)).json()["count"] == 1


def test_the_owner_filters_by_status(public_map, people, client_for):
    first = join_request_create(map=public_map, user=people["requester"], role="editor")
    join_request_create(map=public_map, user=people["outsider"], role="voter")
    client_for(people["owner"]).post(url(public_map, f"{first.pk}/decline/"), format="json")
    owner = client_for(people["owner"])
    assert [
        r["username"] for r in owner.get(url(public_map) + "?status=pending").json()["results"]
    ] == ["outsider"]
    assert [
        r["username"] for r in owner.get(url(public_map) + "?status=declined").json()["results"]
    ] == ["requester"]
    assert owner.get(url(public_map)).json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner"}, "role"),
        ({}, "role"),
        ({"role": "editor", "message": "x" * 501}, "message"),
        ({"role": "editor", "message": 5}, "message"),
        ({"role": "editor", "message": "nul\u0000"}, "message"),
    ],
)
def test_a_bad_request_to_join_is_400_naming_the_field_and_stores_nothing(
    public_map, people, client_for, body, field
):
    response = client_for(people["requester"]).post(url(public_map), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not JoinRequest.objects.exists()


def test_a_body_that_is_not_an_object_is_400(public_map, people, client_for):
    response = client_for(people["requester"]).post(
        url(public_map), "[1]", content_type="application/json"
    )
    assert response.status_code == 400
    assert not JoinRequest.objects.exists()


def test_a_bad_status_filter_is_400(public_map, people, client_for):
    response = client_for(people["owner"]).get(url(public_map) + "?status=maybe")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_a_too_long_reply_is_400_and_the_request_stays_pending(public_map, people, client_for):
    asked = join_request_create(map=public_map, user=people["requester"], role="editor")
    response = client_for(people["owner"]).post(
        url(public_map, f"{asked.pk}/approve/"), {"reply": "y" * 501}, format="json"
    )
    assert response.status_code == 400
    asked.refresh_from_db()
    assert asked.status == JoinStatus.PENDING


def test_a_request_of_another_map_is_404(public_map, private_map, people, client_for):
    other = join_request_create(map=private_map, user=people["voter"], role="editor")
    response = client_for(people["owner"]).post(
        url(public_map, f"{other.pk}/approve/"), format="json"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == JoinStatus.PENDING


def test_hostile_text_comes_back_as_plain_json_text(public_map, people, client_for):
    hostile = "<script>alert(1)</script>"
    client_for(people["requester"]).post(
        url(public_map), {"role": "voter", "message": hostile}, format="json"
    )
    response = client_for(people["owner"]).get(url(public_map))
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["results"][0]["message"] == hostile


def test_the_owner_s_list_costs_the_same_queries_for_many_requests(
    public_map, people, client_for, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    for i in range(30):
        join_request_create(map=public_map, user=UserFactory(username=f"asker{i}"), role="voter")
    owner = client_for(people["owner"])
    with django_assert_max_num_queries(8):
        response = owner.get(url(public_map))
    assert response.json()["count"] == 30


def test_asking_is_throttled_like_other_writes(public_map, people, client_for, throttle_rates):
    throttle_rates(user="2/min")
    requester = client_for(people["requester"])
    codes = [
        requester.post(url(public_map), {"role": role}, format="json").status_code
        for role in ("editor", "voter", "voter")
    ]
    assert codes == [201, 409, 429]


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/maps/{slug}/join-requests/",
        "/api/v1/maps/{slug}/join-requests/{request_id}/approve/",
        "/api/v1/maps/{slug}/join-requests/{request_id}/decline/",
        "/api/v1/maps/{slug}/join-requests/{request_id}/withdraw/",
    ):
        assert path in schema
    assert "JoinRequestOutput" in schema
