"""The moderation API: who may hide, restore and revert (role x visibility), what the
answers say, and the hidden node's place in the other endpoints."""

import pytest

from claims.models import Edge, Map, Node
from claims.services import edge_update, node_hide, node_update
from tests.moderation.conftest import build

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "voter", "editor", "owner"]
# What each role gets from every moderation endpoint, by the map's visibility.
EXPECTED = {
    "public": {"anonymous": 401, "outsider": 403, "voter": 403, "editor": 200, "owner": 200},
    "private": {"anonymous": 404, "outsider": 404, "voter": 403, "editor": 200, "owner": 200},
}


def _hide(client, slug):
    return client.post(f"/api/v1/maps/{slug}/nodes/vandal/hide/", {"reason": "spam"}, format="json")


def _restore(client, slug):
    return client.post(f"/api/v1/maps/{slug}/nodes/claim/restore/", format="json")


def _node_revert(client, slug):
    return client.post(f"/api/v1/maps/{slug}/nodes/good/revert/", {"revision": 1}, format="json")


def _edge_revert(client, slug):
    key = Edge.objects.get(map__slug=slug, source__key="good", target__key="frame").key
    return client.post(f"/api/v1/maps/{slug}/edges/{key}/revert/", {"revision": 1}, format="json")


ACTIONS = {
    "hide": _hide,
    "restore": _restore,
    "node_revert": _node_revert,
    "edge_revert": _edge_revert,
}


@pytest.fixture
def personas(owner, editor, voter, outsider):
    return {
        "anonymous": None,
        "outsider": outsider,
        "voter": voter,
        "editor": editor,
        "owner": owner,
    }


def _prepared(personas, visibility):
    owner = personas["owner"]
    the_map = build(
        owner,
        personas["editor"],
        personas["voter"],
        slug=f"mod-{visibility}",
        visibility=visibility,
    )
    node_hide(node=Node.objects.get(map=the_map, key="claim"), by=owner)
    node_update(
        node=Node.objects.get(map=the_map, key="good"),
        edited_by=owner,
        expected_revision=1,
        title="Defaced",
    )
    edge = Edge.objects.get(map=the_map, source__key="good", target__key="frame")
    edge_update(edge=edge, user=owner, rationale="defaced")
    return Map.objects.get(pk=the_map.pk)


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(personas, client_for, counts, visibility, action, role):
    the_map = _prepared(personas, visibility)
    before, version = counts(), the_map.graph_version
    response = ACTIONS[action](client_for(personas[role]), the_map.slug)
    assert response.status_code == EXPECTED[visibility][role], response.content
    if response.status_code == 200:
        assert Map.objects.get(pk=the_map.pk).graph_version == version + 1
    else:
        assert counts() == before
        assert Map.objects.get(pk=the_map.pk).graph_version == version
        assert "error" in response.json()


def test_hide_answers_with_the_flag_who_and_why(mod_map, editor, client_for):
    body = _hide(client_for(editor), mod_map.slug).json()
    assert body["hidden"] is True and body["hidden_by"] == "editor"
    assert body["hidden_reason"] == "spam" and body["hidden_at"]


def test_hide_needs_no_body(mod_map, editor, client_for):
    response = client_for(editor).post(f"/api/v1/maps/{mod_map.slug}/nodes/vandal/hide/")
    assert response.status_code == 200 and response.json()["hidden_reason"] == ""


def test_hiding_twice_and_restoring_a_visible_node_are_409(mod_map, editor, client_for, counts):
    client = client_for(editor)
    _hide(client, mod_map.slug)
    before = counts()
    again = _hide(client, mod_map.slug)
    assert again.status_code == 409 and "already hidden" in again.json()["error"]["message"]
    visible = client.post(f"/api/v1/maps/{mod_map.slug}/nodes/good/restore/")
    assert visible.status_code == 409 and "not hidden" in visible.json()["error"]["message"]
    assert counts() == before


@pytest.mark.parametrize(
    "body, status",
    [
        ({"revision": 1}, 400),
        ({"revision": 9}, 404),
        ({"revision": "1"}, 400),
        ({}, 400),
        ([], 400),
    ],
)
def test_bad_reverts_say_what_is_wrong(mod_map, owner, client_for, counts, body, status):
    before = counts()
    response = client_for(owner).post(
        f"/api/v1/maps/{mod_map.slug}/nodes/good/revert/", body, format="json"
    )
    assert response.status_code == status, response.content
    assert counts() == before


def test_reverting_to_the_current_revision_says_nothing_to_revert(mod_map, owner, client_for):
    response = _node_revert(client_for(owner), mod_map.slug)
    assert response.status_code == 400
    assert "nothing to revert" in response.json()["error"]["message"]


def test_revert_round_trip_through_the_api(mod_map, owner, client_for):
    client = client_for(owner)
    node_update(
        node=Node.objects.get(map=mod_map, key="good"),
        edited_by=owner,
        expected_revision=1,
        title="Defaced",
    )
    body = _node_revert(client, mod_map.slug).json()
    assert (body["title"], body["revision"]) == ("Good crux", 3)
    revisions = client.get(f"/api/v1/maps/{mod_map.slug}/nodes/good/revisions/").json()
    assert [r["title"] for r in revisions] == ["Good crux", "Defaced", "Good crux"]


def test_edge_revert_answers_with_the_edge(mod_map, owner, client_for):
    edge = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    edge_update(edge=edge, user=owner, rationale="defaced", weight=0.2)
    body = _edge_revert(client_for(owner), mod_map.slug).json()
    assert (body["rationale"], body["weight"], body["revision"]) == ("", 0.6, 3)


def test_edge_vote_and_strength_paths_still_reach_the_votes_app(mod_map, voter, client_for):
    edge = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    client = client_for(voter)
    voted = client.put(
        f"/api/v1/maps/{mod_map.slug}/edges/{edge.key}/vote/", {"strength": 0.4}, format="json"
    )
    assert voted.status_code == 200, voted.content
    assert client.get(f"/api/v1/maps/{mod_map.slug}/edges/{edge.key}/strength/").status_code == 200


def test_a_vote_on_a_hidden_node_is_refused(mod_map, owner, voter, client_for, counts):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner)
    before = counts()
    response = client_for(voter).put(
        f"/api/v1/maps/{mod_map.slug}/nodes/vandal/vote/", {"credence": 0.7}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "this node is hidden"
    assert counts() == before


def test_the_new_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for tail in (
        "nodes/{key}/hide/",
        "nodes/{key}/restore/",
        "nodes/{key}/revert/",
        "edges/{edge_key}/revert/",
    ):
        assert f"/api/v1/maps/{{slug}}/{tail}" in schema


# The node list and detail live in claims/apis.py (not this helper's file): they use
# claims.selectors.nodes_listed / node_seen_get once the lead wires them in (see
# the H1b report). Strict, so they fail as a reminder once the glue is there.


def test_the_node_list_leaves_hidden_nodes_out(mod_map, owner, voter, client_for):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner)
    keys = [
        n["key"]
        for n in client_for(voter).get(f"/api/v1/maps/{mod_map.slug}/nodes/").json()["results"]
    ]
    assert "vandal" not in keys and "good" in keys


def test_moderators_list_hidden_nodes_with_hidden_1_and_others_may_not(
    mod_map, owner, editor, voter, client_for
):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner)
    url = f"/api/v1/maps/{mod_map.slug}/nodes/?hidden=1"
    rows = {n["key"]: n for n in client_for(editor).get(url).json()["results"]}
    assert rows["vandal"]["hidden"] is True and rows["good"]["hidden"] is False
    assert client_for(voter).get(url).status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "voter"])
def test_a_hidden_nodes_detail_is_404_for_visitors(mod_map, personas, client_for, role):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=personas["owner"])
    response = client_for(personas[role]).get(f"/api/v1/maps/{mod_map.slug}/nodes/vandal/")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["editor", "owner"])
def test_moderators_still_read_a_hidden_nodes_detail(mod_map, personas, client_for, role):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=personas["owner"])
    response = client_for(personas[role]).get(f"/api/v1/maps/{mod_map.slug}/nodes/vandal/")
    assert response.status_code == 200 and response.json()["title"] == "Vandal crux"


def test_the_list_and_detail_reads_leave_hidden_nodes_to_moderators(mod_map, personas):
    from claims.selectors import node_seen_get, nodes_listed
    from core.errors import NotFound, PermissionDenied, ValidationFailed

    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=personas["owner"])
    voter, editor = personas["voter"], personas["editor"]
    listed = set(nodes_listed(user=voter, map=mod_map, hidden=None).values_list("key", flat=True))
    assert listed == {"frame", "good", "claim"}
    every = nodes_listed(user=editor, map=mod_map, hidden="1").values_list("key", flat=True)
    assert "vandal" in set(every)
    with pytest.raises(PermissionDenied):
        nodes_listed(user=voter, map=mod_map, hidden="1")
    with pytest.raises(ValidationFailed):
        nodes_listed(user=editor, map=mod_map, hidden="maybe")
    with pytest.raises(NotFound):
        node_seen_get(user=voter, map=mod_map, key="vandal")
    assert node_seen_get(user=editor, map=mod_map, key="vandal").key == "vandal"
