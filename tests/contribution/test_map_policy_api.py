"""The contribution policy in the map API: read by everyone who sees the map, changed
by the owner only (PATCH /api/v1/maps/{slug}/), bad values refused with nothing changed."""

import pytest

from claims.models import Activity, Map
from tests.contribution.conftest import ROLES, build_map

pytestmark = pytest.mark.django_db


def test_the_policy_is_in_the_map_list_and_detail(people, client_for):
    build_map(people, visibility="public", contribution="open")
    build_map(people, visibility="public", contribution="closed")
    client = client_for(None)
    listed = {m["slug"]: m["contribution"] for m in client.get("/api/v1/maps/").json()}
    assert listed == {"public-open": "open", "public-closed": "closed"}
    assert client.get("/api/v1/maps/public-open/").json()["contribution"] == "open"


def test_a_new_map_is_closed(people, client_for):
    response = client_for(people["outsider"]).post(
        "/api/v1/maps/", {"slug": "mine", "title": "Mine"}, format="json"
    )
    assert response.status_code == 201 and response.json()["contribution"] == "closed"


#             anonymous outsider voter editor owner
EXPECTED = {
    "public": [401, 403, 403, 403, 200],
    "private": [404, 404, 403, 403, 200],
}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_opens_the_map(people, client_for, visibility, role):
    the_map = build_map(people, visibility=visibility, contribution="closed")
    response = client_for(people[role]).patch(
        f"/api/v1/maps/{the_map.slug}/", {"contribution": "open"}, format="json"
    )
    expected = EXPECTED[visibility][ROLES.index(role)]
    assert response.status_code == expected, response.content[:300]
    stored = Map.objects.get(pk=the_map.pk).contribution
    assert stored == ("open" if expected == 200 else "closed")
    if expected == 200:
        assert response.json()["contribution"] == "open"


@pytest.mark.parametrize("value", ["wide-open", "", None, 1, ["open"], "OPEN"])
def test_a_bad_policy_is_a_400_naming_the_field(people, client_for, value):
    the_map = build_map(people, visibility="public", contribution="open")
    before = Activity.objects.filter(map=the_map).count()
    response = client_for(people["owner"]).patch(
        f"/api/v1/maps/{the_map.slug}/", {"contribution": value, "title": "New"}, format="json"
    )
    assert response.status_code == 400
    assert "contribution" in response.json()["error"]["fields"]
    stored = Map.objects.get(pk=the_map.pk)
    assert (stored.contribution, stored.title) == ("open", "public open")
    assert Activity.objects.filter(map=the_map).count() == before


def test_closing_again_records_who_changed_it(people, client_for):
    the_map = build_map(people, visibility="public", contribution="open")
    response = client_for(people["owner"]).patch(
        f"/api/v1/maps/{the_map.slug}/", {"contribution": "closed"}, format="json"
    )
    assert response.status_code == 200
    entry = Activity.objects.filter(map=the_map).first()
    assert entry.verb == "map_edited" and entry.actor == people["owner"]
    assert entry.detail["contribution"] == "closed"


def test_the_openapi_schema_documents_the_policy(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    # In the map's output and in the PATCH body, with its two values.
    assert text.count("contribution:") >= 2 and "- closed" in text and "- open" in text
