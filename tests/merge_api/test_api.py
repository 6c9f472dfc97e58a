"""The merge API: who may merge, preview, list and undo (role x visibility), what the
answers say, and bad input refused with nothing changed."""

import pytest

from claims.models import Map, Node, NodeMerge
from tests.merge_api.conftest import build, merge

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "voter", "editor", "owner"]
EXPECTED = {
    "public": {"anonymous": 401, "outsider": 403, "voter": 403, "editor": 200, "owner": 200},
    "private": {"anonymous": 404, "outsider": 404, "voter": 403, "editor": 200, "owner": 200},
}


def _merge(client, the_map):
    return client.post(f"/api/v1/maps/{the_map.slug}/nodes/old/merge/", {"into": "keep"}, "json")


def _preview(client, the_map):
    return client.get(f"/api/v1/maps/{the_map.slug}/nodes/old/merge/?into=keep")


def _list(client, the_map):
    merge(the_map)
    return client.get(f"/api/v1/maps/{the_map.slug}/merges/")


def _undo(client, the_map):
    done = merge(the_map)
    return client.post(f"/api/v1/maps/{the_map.slug}/merges/{done.pk}/undo/")


ACTIONS = {"merge": _merge, "preview": _preview, "list": _list, "undo": _undo}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_only_owner_and_editors_merge_preview_list_and_undo(
    client_for, owner, editor, voter, outsider, visibility, who, action
):
    the_map = build(owner, editor, voter, slug=f"m-{visibility}", visibility=visibility)
    user = {"anonymous": None, "outsider": outsider, "voter": voter, "editor": editor}.get(
        who, owner
    )
    before = Node.objects.get(map=the_map, key="old").merged_into_id
    response = ACTIONS[action](client_for(user), the_map)
    assert response.status_code == EXPECTED[visibility][who], response.content
    old = Node.objects.get(map=the_map, key="old")
    if action == "merge":
        assert (old.merged_into_id is not None) == (response.status_code == 200)
    if action == "preview":
        assert old.merged_into_id == before is None  # a preview writes nothing
    if action == "undo":
        assert (old.merged_into_id is None) == (response.status_code == 200)


def test_a_merge_answers_the_survivor_the_merge_and_what_moved(client_for, dup_map, owner):
    response = _merge(client_for(owner), dup_map)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survivor"]["key"] == "keep"
    assert body["merged"] == "old"
    done = NodeMerge.objects.get(map=dup_map)
    assert body["merge"] == done.pk
    assert body["moved"]["votes"] == 1  # the voter's vote on "old"
    assert body["moved"]["refusal"] is None
    old = Node.objects.get(map=dup_map, key="old")
    assert old.merged_into.key == "keep" and old.merged_at is not None


def test_the_preview_lists_what_would_move_and_changes_nothing(client_for, dup_map, owner):
    response = _preview(client_for(owner), dup_map)
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["votes"] == 1
    assert preview["refusal"] is None
    # old -> frame and keep -> frame are the same link once old is keep: combined
    assert len(preview["edges_combined"]) == 1
    assert not NodeMerge.objects.exists()
    assert Node.objects.get(map=dup_map, key="old").merged_into_id is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "into"),
        ({"into": 5}, 400, "into"),
        ({"into": ""}, 400, "into"),
        ({"into": "keep", "extra": "x"}, 200, None),
        ({"into": "nope"}, 404, "into"),
        ({"into": "old"}, 400, "into"),
        ({"into": "frame"}, 400, "into"),  # a crux merges only with a crux
    ],
)
def test_bad_into_is_refused_with_nothing_changed(client_for, dup_map, owner, body, status, field):
    response = client_for(owner).post("/api/v1/maps/dup/nodes/old/merge/", body, format="json")
    assert response.status_code == status, response.content
    if status != 200:
        assert field in response.json()["error"]["fields"]
        assert not NodeMerge.objects.exists()
        assert Node.objects.get(map=dup_map, key="old").merged_into_id is None


def test_preview_without_into_is_a_400(client_for, dup_map, owner):
    response = client_for(owner).get("/api/v1/maps/dup/nodes/old/merge/")
    assert response.status_code == 400
    assert "into" in response.json()["error"]["fields"]


def test_unknown_node_or_map_is_a_404(client_for, dup_map, owner):
    client = client_for(owner)
    assert (
        client.post("/api/v1/maps/dup/nodes/nope/merge/", {"into": "keep"}, "json").status_code
        == 404
    )
    assert (
        client.post("/api/v1/maps/nope/nodes/old/merge/", {"into": "keep"}, "json").status_code
        == 404
    )
    assert client.post("/api/v1/maps/dup/merges/999999/undo/").status_code == 404


def test_merging_a_merged_node_again_is_a_409_naming_its_survivor(client_for, merged_map, owner):
    client = client_for(owner)
    again = client.post("/api/v1/maps/dup/nodes/old/merge/", {"into": "other"}, "json")
    assert again.status_code == 409
    assert "'keep'" in again.json()["error"]["message"]
    into = client.post("/api/v1/maps/dup/nodes/other/merge/", {"into": "old"}, "json")
    assert into.status_code == 409
    assert "merge into 'keep'" in into.json()["error"]["message"]
    assert NodeMerge.objects.count() == 1


def test_the_merges_list_and_undo(client_for, merged_map, owner):
    client = client_for(owner)
    listed = client.get("/api/v1/maps/dup/merges/").json()
    assert len(listed) == 1
    row = listed[0]
    assert row["merged"] == {"key": "old", "title": Node.objects.get(key="old").title}
    assert row["survivor"]["key"] == "keep"
    assert row["by"] == "owner" and row["undoable"] is True and row["undone_at"] is None
    undone = client.post(f"/api/v1/maps/dup/merges/{row['id']}/undo/")
    assert undone.status_code == 200, undone.content
    assert undone.json()["undone_by"] == "owner" and undone.json()["undoable"] is False
    assert Node.objects.get(map=merged_map, key="old").merged_into_id is None
    again = client.post(f"/api/v1/maps/dup/merges/{row['id']}/undo/")
    assert again.status_code == 409
    assert "already undone" in again.json()["error"]["message"]


def test_a_merge_of_another_map_is_not_found_here(client_for, merged_map, owner, editor, voter):
    other = build(owner, editor, voter, slug="elsewhere")
    done = NodeMerge.objects.get(map=merged_map)
    response = client_for(owner).post(f"/api/v1/maps/{other.slug}/merges/{done.pk}/undo/")
    assert response.status_code == 404
    assert Map.objects.get(pk=merged_map.pk).merges.get().undone_at is None


def test_the_merges_list_costs_the_same_for_one_merge_or_three(
    client_for, dup_map, owner, django_assert_max_num_queries
):
    from claims.services import node_create

    client = client_for(owner)
    merge(dup_map)
    with django_assert_max_num_queries(20) as one:
        assert len(client.get("/api/v1/maps/dup/merges/").json()) == 1
    for i in range(2):
        node_create(map=dup_map, kind="crux", title=f"Twin {i}", key=f"twin{i}", created_by=owner)
        merge(dup_map, merged=f"twin{i}", into="other")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/maps/dup/merges/").json()) == 3
