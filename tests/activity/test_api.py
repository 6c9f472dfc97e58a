"""The activity and watch API: who may read and watch, idempotent watches, pages, errors."""

import pytest

from claims.models import ActivityVerb
from discussion.models import Watch
from tests.activity.conftest import added, hide, record

pytestmark = pytest.mark.django_db


def activity_url(slug: str) -> str:
    return f"/api/v1/maps/{slug}/activity/"


@pytest.mark.parametrize(
    ("who", "public", "private"),
    [
        ("anonymous", 200, 404),
        ("outsider", 200, 404),
        ("voter", 200, 200),
        ("editor", 200, 200),
        ("owner", 200, 200),
    ],
)
def test_a_private_maps_activity_is_for_those_who_may_read_it(
    world, api, request, owner, who, public, private
):
    for visibility in ("public", "private"):
        added(world[visibility]["crux"], owner)
    client = api(None if who == "anonymous" else request.getfixturevalue(who))
    response = client.get(activity_url("open-map"))
    assert response.status_code == public
    assert response.json()["results"][0]["text"] == "owner added the crux “Deception is likely”"
    response = client.get(activity_url("closed-map"))
    assert response.status_code == private
    if private == 404:
        assert response.json()["error"]["code"] == "not_found"
        assert "Deception" not in response.content.decode()


def test_an_entry_carries_its_words_link_and_keys(world, api, owner):
    w = world["public"]
    added(w["crux"], owner)
    (entry,) = api().get(activity_url("open-map")).json()["results"]
    assert entry["verb"] == "node_added"
    assert entry["actor"] == "owner"
    assert entry["node"] == "crux" and entry["edge"] is None
    assert entry["url"] == "/maps/open-map/nodes/crux/"
    assert entry["map"] == "open-map"


def test_the_next_link_walks_every_page_keeping_the_filters(world, api, owner, editor):
    w = world["public"]
    for i in range(5):
        record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title=f"o{i}")
        record(w["map"], ActivityVerb.NODE_EDITED, editor, node_key="crux", title=f"e{i}")
    url, titles = activity_url("open-map") + "?actor=owner&limit=2", []
    while url:
        body = api().get(url).json()
        titles += [e["title"] for e in body["results"]]
        url = body["next"]
    assert titles == ["o4", "o3", "o2", "o1", "o0"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("verb=vote", "verb"),
        ("limit=1000", "limit"),
        ("before=x", "before"),
        ("node=A%20B", "node"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(world, api, query, field):
    response = api().get(activity_url("open-map") + "?" + query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_hidden_node_entries_reach_moderators_only_through_the_api(world, api, owner, voter):
    w = world["public"]
    added(w["other"], owner)
    hide(w["other"], owner)
    assert api(voter).get(activity_url("open-map")).json()["results"] == []
    assert len(api(owner).get(activity_url("open-map")).json()["results"]) == 1


# --- watches -----------------------------------------------------------------


def test_watching_needs_a_sign_in(world, api):
    client = api()
    for method in ("put", "delete"):
        response = getattr(client, method)("/api/v1/maps/open-map/watch/")
        assert response.status_code == 401
        response = getattr(client, method)("/api/v1/maps/open-map/nodes/crux/watch/")
        assert response.status_code == 401
    assert client.get("/api/v1/me/watches/").status_code == 401
    assert client.get("/api/v1/me/activity/").status_code == 401
    assert Watch.objects.count() == 0


def test_watching_is_idempotent(world, api, alice):
    client = api(alice)
    first = client.put("/api/v1/maps/open-map/watch/")
    again = client.put("/api/v1/maps/open-map/watch/")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["map"] == "open-map" and again.json()["node"] is None
    assert client.put("/api/v1/maps/open-map/nodes/crux/watch/").status_code == 201
    assert client.put("/api/v1/maps/open-map/nodes/crux/watch/").status_code == 200
    assert Watch.objects.filter(user=alice).count() == 2
    listed = client.get("/api/v1/me/watches/").json()
    assert listed["count"] == 2
    assert {(w["map"], w["node"]) for w in listed["results"]} == {
        ("open-map", None),
        ("open-map", "crux"),
    }
    for _ in range(2):
        assert client.delete("/api/v1/maps/open-map/nodes/crux/watch/").status_code == 204
        assert client.delete("/api/v1/maps/open-map/watch/").status_code == 204
    assert Watch.objects.filter(user=alice).count() == 0


def test_a_private_map_cannot_be_watched_by_outsiders(world, api, alice, voter):
    assert api(alice).put("/api/v1/maps/closed-map/watch/").status_code == 404
    assert api(alice).put("/api/v1/maps/closed-map/nodes/crux/watch/").status_code == 404
    assert api(voter).put("/api/v1/maps/closed-map/watch/").status_code == 201
    assert api(alice).put("/api/v1/maps/open-map/nodes/no-such/watch/").status_code == 404
    assert Watch.objects.filter(user=alice).count() == 0


def test_a_hidden_node_is_watched_by_moderators_only(world, api, owner, voter, editor):
    hide(world["public"]["other"], owner)
    url = "/api/v1/maps/open-map/nodes/other/watch/"
    assert api(voter).put(url).status_code == 404
    assert api(editor).put(url).status_code == 201


def test_my_watches_leave_out_maps_i_can_no_longer_read(world, api, voter):
    client = api(voter)
    client.put("/api/v1/maps/closed-map/watch/")
    client.put("/api/v1/maps/open-map/watch/")
    world["private"]["map"].members.filter(user=voter).delete()
    listed = client.get("/api/v1/me/watches/").json()["results"]
    assert [w["map"] for w in listed] == ["open-map"]


def test_the_new_endpoints_are_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in {
        "/api/v1/maps/{slug}/activity/": {"get"},
        "/api/v1/me/activity/": {"get"},
        "/api/v1/me/watches/": {"get"},
        "/api/v1/maps/{slug}/watch/": {"put", "delete"},
        "/api/v1/maps/{slug}/nodes/{key}/watch/": {"put", "delete"},
    }.items():
        assert methods <= set(schema["paths"][path]), path
    get = schema["paths"]["/api/v1/maps/{slug}/activity/"]["get"]
    params = {p["name"] for p in get["parameters"]}
    assert {"actor", "node", "verb", "before", "limit"} <= params
