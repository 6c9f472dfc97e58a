"""One table covers every cell: role x visibility x action -> status."""

import json

import pytest

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "registered", "voter", "editor", "owner"]


def _read(client, slug):
    return client.get(f"/api/v1/maps/{slug}/")


def _read_nodes(client, slug):
    return client.get(f"/api/v1/maps/{slug}/nodes/")


def _ranking(client, slug):
    return client.get(f"/api/v1/maps/{slug}/ranking/")


def _vote(client, slug):
    return client.put(f"/api/v1/maps/{slug}/nodes/crux/vote/", {"credence": 0.7}, format="json")


def _add_node(client, slug):
    return client.post(
        f"/api/v1/maps/{slug}/nodes/", {"kind": "crux", "title": "New crux"}, format="json"
    )


def _add_edge(client, slug):
    return client.post(
        f"/api/v1/maps/{slug}/edges/",
        {"source": "crux", "target": "frame", "kind": "undermines"},
        format="json",
    )


def _patch_map(client, slug):
    return client.patch(f"/api/v1/maps/{slug}/", {"title": "Renamed"}, format="json")


def _members(client, slug):
    return client.get(f"/api/v1/maps/{slug}/members/")


def _export(client, slug):
    return client.get(f"/api/v1/maps/{slug}/export/?format=argmap")


ACTIONS = {
    "read": _read,
    "read_nodes": _read_nodes,
    "ranking": _ranking,
    "export": _export,
    "vote": _vote,
    "add_node": _add_node,
    "add_edge": _add_edge,
    "patch_map": _patch_map,
    "members": _members,
}

#           anonymous  registered voter editor owner
EXPECTED = {
    ("public", "read"): [200, 200, 200, 200, 200],
    ("public", "read_nodes"): [200, 200, 200, 200, 200],
    ("public", "ranking"): [200, 200, 200, 200, 200],
    ("public", "export"): [200, 200, 200, 200, 200],
    ("public", "vote"): [401, 200, 200, 200, 200],
    ("public", "add_node"): [401, 403, 403, 201, 201],
    ("public", "add_edge"): [401, 403, 403, 201, 201],
    ("public", "patch_map"): [401, 403, 403, 403, 200],
    ("public", "members"): [401, 403, 403, 403, 200],
    ("private", "read"): [404, 404, 200, 200, 200],
    ("private", "read_nodes"): [404, 404, 200, 200, 200],
    ("private", "ranking"): [404, 404, 200, 200, 200],
    ("private", "export"): [404, 404, 200, 200, 200],
    ("private", "vote"): [404, 404, 200, 200, 200],
    ("private", "add_node"): [404, 404, 403, 201, 201],
    ("private", "add_edge"): [404, 404, 403, 201, 201],
    ("private", "patch_map"): [404, 404, 403, 403, 200],
    ("private", "members"): [404, 404, 403, 403, 200],
}

CELLS = [
    (visibility, action, role, statuses[i])
    for (visibility, action), statuses in EXPECTED.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(
    ("visibility", "action", "role", "expected"),
    CELLS,
    ids=[f"{v}-{a}-{r}" for v, a, r, _ in CELLS],
)
def test_permission_cell(people, maps, client_for, visibility, action, role, expected):
    client = client_for(people[role])
    response = ACTIONS[action](client, maps[visibility].slug)
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("role", ROLES)
def test_map_list_hides_private_maps_from_outsiders(people, maps, client_for, role):
    slugs = {m["slug"] for m in client_for(people[role]).get("/api/v1/maps/").json()}
    assert "open-map" in slugs
    assert ("closed-map" in slugs) == (role in ("voter", "editor", "owner"))


def test_individual_votes_are_never_exposed(people, maps, client_for):
    voter_client = client_for(people["voter"])
    assert _vote(voter_client, "open-map").status_code == 200
    other = client_for(people["registered"])
    assert other.get("/api/v1/maps/open-map/nodes/crux/vote/").status_code == 404
    credence = other.get("/api/v1/maps/open-map/nodes/crux/credence/").json()
    assert credence["n"] == 1 and "voter" not in str(credence)
    exported = json.loads(other.get("/api/v1/maps/open-map/export/?format=argmap").getvalue())
    assert exported["votes"] == []
