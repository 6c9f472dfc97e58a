"""A merged node's old key keeps working (API 301 with a pointer, writes 409 with it,
pages 301) and the tombstone is out of every list, page, option and graph."""

import json

import pytest
from django.test import Client

from claims.models import Node
from tests.merge_api.conftest import merge

pytestmark = pytest.mark.django_db


def test_api_read_of_the_old_key_is_a_301_with_a_json_pointer(client_for, merged_map, voter):
    client = client_for(voter)
    for path in ("", "revisions/", "credence/"):
        response = client.get(f"/api/v1/maps/dup/nodes/old/{path}?x=1")
        assert response.status_code == 301, (path, response.content)
        assert response["Location"] == f"/api/v1/maps/dup/nodes/keep/{path}?x=1"
        assert response.json() == {"merged_into": "keep", "location": response["Location"]}
        assert client.get(response["Location"]).status_code == 200


def test_api_write_to_the_old_key_is_a_409_with_the_pointer_and_writes_nothing(
    client_for, merged_map, owner, voter
):
    keep = Node.objects.get(map=merged_map, key="keep")
    edit = client_for(owner).patch(
        "/api/v1/maps/dup/nodes/old/", {"revision": 1, "title": "Sneaky"}, format="json"
    )
    assert edit.status_code == 409, edit.content
    assert edit.json()["merged_into"] == "keep"
    assert edit.json()["location"] == "/api/v1/maps/dup/nodes/keep/"
    assert edit.json()["error"]["code"] == "merged"
    vote = client_for(voter).put("/api/v1/maps/dup/nodes/old/vote/", {"credence": 0.1}, "json")
    assert vote.status_code == 409, vote.content
    assert vote.json()["merged_into"] == "keep"
    assert Node.objects.get(pk=keep.pk).title == keep.title
    assert Node.objects.get(map=merged_map, key="old").title != "Sneaky"


def test_private_map_old_key_is_still_a_404_for_outsiders(
    client_for, owner, editor, voter, outsider
):
    from tests.merge_api.conftest import build

    hidden = build(owner, editor, voter, slug="secret", visibility="private")
    merge(hidden)
    assert client_for(outsider).get("/api/v1/maps/secret/nodes/old/").status_code == 404
    assert client_for(None).get("/maps/secret/nodes/old/").status_code in (302, 404)


def test_pages_of_the_old_key_redirect_to_the_survivor(merged_map, voter):
    client = Client()
    client.force_login(voter)
    response = client.get("/maps/dup/nodes/old/")
    assert response.status_code == 301
    assert response["Location"] == "/maps/dup/nodes/keep/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Deceptive alignment is hard to detect" in page.content.decode()


def test_a_merged_frame_page_redirects_to_the_surviving_frame(dup_map, owner):
    from claims.services import node_create

    node_create(
        map=dup_map,
        kind="frame",
        category="outer",
        title="Evals again",
        key="frame2",
        created_by=owner,
    )
    merge(dup_map, merged="frame2", into="frame")
    client = Client()
    response = client.get("/maps/dup/frames/frame2/")
    assert response.status_code == 301
    assert response["Location"] == "/maps/dup/frames/frame/"
    graph = client.get("/maps/dup/graph.json?frame=frame2")
    assert graph.status_code == 301
    assert graph["Location"] == "/maps/dup/graph.json?frame=frame"


def test_the_tombstone_is_in_no_list_even_for_moderators(client_for, merged_map, owner):
    client = client_for(owner)
    for query in ("", "?hidden=1", "?q=deceptive"):
        keys = [n["key"] for n in client.get(f"/api/v1/maps/dup/nodes/{query}").json()["results"]]
        assert "old" not in keys and "keep" in keys, query
    page = Client()
    page.force_login(owner)
    map_page = page.get("/maps/dup/").content.decode()
    assert "A deceptively aligned model" not in map_page
    frame_page = page.get("/maps/dup/frames/frame/").content.decode()
    assert "A deceptively aligned model" not in frame_page
    options = page.get("/maps/dup/search-options/?target=decept").content.decode()
    assert "Deceptive alignment" in options and "deceptively aligned" not in options
    search = page.get("/maps/dup/?q=deceptively").content.decode()
    assert "/nodes/old/" not in search
    graph = json.loads(page.get("/maps/dup/graph.json").content)
    ids = {n["data"]["id"] for n in graph["nodes"]}
    assert "old" not in ids and "keep" in ids
    edges = page.get("/maps/dup/edge-options/?target_edge=e").content.decode()
    assert "deceptively aligned" not in edges


def test_the_survivor_page_lists_what_was_merged_into_it_with_undo_for_editors(
    merged_map, owner, voter
):
    client = Client()
    client.force_login(owner)
    page = client.get("/maps/dup/nodes/keep/").content.decode()
    assert 'data-testid="merged-from"' in page
    assert "A deceptively aligned model would pass our evaluations" in page
    assert 'data-testid="merged-from-undo"' in page
    client.force_login(voter)
    page = client.get("/maps/dup/nodes/keep/").content.decode()
    assert "A deceptively aligned model would pass our evaluations" in page
    assert 'data-testid="merged-from-undo"' not in page
