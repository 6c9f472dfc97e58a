"""Every node, edge and source action x role x visibility x contribution policy, through
the API: who may add to a map, and who may change or delete what (issue 16).

"own" rows act on what the acting person wrote themselves (for the outsider: an
author who is no member); "others" rows on what someone else wrote.
"""

import pytest
from django.db import transaction

from claims.models import Source
from tests.conftest import table_counts
from tests.contribution.conftest import ROLES, build_map, edge_of, node_of

pytestmark = pytest.mark.django_db


def _mine(role: str) -> str:
    # Anonymous visitors wrote nothing: their "own" is someone else's (and refused anyway).
    return "theirs" if role == "anonymous" else f"own-{role}"


def add_node(client, slug, role):
    return client.post(
        f"/api/v1/maps/{slug}/nodes/",
        {"kind": "crux", "title": "A new crux", "key": "new-crux"},
        format="json",
    )


def add_node_with_sources(client, slug, role):
    return client.post(
        f"/api/v1/maps/{slug}/nodes/",
        {"kind": "claim", "title": "Sourced", "key": "new-claim", "sources": [{"document": "D"}]},
        format="json",
    )


def add_edge(client, slug, role):
    # From a node someone else wrote: linking needs no ownership of either end.
    return client.post(
        f"/api/v1/maps/{slug}/edges/",
        {"source": "base", "target": "frame", "kind": "related", "id": "new-edge"},
        format="json",
    )


def add_undercut(client, slug, role):
    return client.post(
        f"/api/v1/maps/{slug}/edges/",
        {"source": "base", "target_edge": "theirs-edge", "kind": "undercuts", "id": "new-cut"},
        format="json",
    )


def _edit_node(key):
    def act(client, slug, role):
        key_ = _mine(role) if key is None else key
        return client.patch(
            f"/api/v1/maps/{slug}/nodes/{key_}/",
            {"title": "Rewritten", "revision": 1},
            format="json",
        )

    return act


def _delete_node(key):
    def act(client, slug, role):
        return client.delete(f"/api/v1/maps/{slug}/nodes/{_mine(role) if key is None else key}/")

    return act


def _edge_key(role, key):
    return f"{_mine(role)}-edge" if key is None else key


def _edit_edge(key):
    def act(client, slug, role):
        return client.patch(
            f"/api/v1/maps/{slug}/edges/{_edge_key(role, key)}/", {"weight": 0.25}, format="json"
        )

    return act


def _edit_edge_sources(key):
    def act(client, slug, role):
        return client.patch(
            f"/api/v1/maps/{slug}/edges/{_edge_key(role, key)}/",
            {"sources": [{"document": "Replaced", "locator": "p. 2"}]},
            format="json",
        )

    return act


def _delete_edge(key):
    def act(client, slug, role):
        return client.delete(f"/api/v1/maps/{slug}/edges/{_edge_key(role, key)}/")

    return act


ACTIONS = {
    "add_node": add_node,
    "add_node_with_sources": add_node_with_sources,
    "add_edge": add_edge,
    "add_undercut": add_undercut,
    "edit_own_node": _edit_node(None),
    "delete_own_node": _delete_node(None),
    "edit_own_edge": _edit_edge(None),
    "edit_own_edge_sources": _edit_edge_sources(None),
    "delete_own_edge": _delete_edge(None),
    "edit_others_node": _edit_node("theirs"),
    "delete_others_node": _delete_node("theirs"),
    "edit_others_edge": _edit_edge("theirs-edge"),
    "edit_others_edge_sources": _edit_edge_sources("theirs-edge"),
    "delete_others_edge": _delete_edge("theirs-edge"),
}

ADDS = ("add_node", "add_node_with_sources", "add_edge", "add_undercut")
OK = {"edit": 200, "delete": 204, "add": 201}

#        anonymous outsider voter editor owner   (the "ok" status by action)
EXPECTED = {
    # closed public: the owner and editors only, as before issue 16
    ("public", "closed", "add"): ["401", "403", "403", "ok", "ok"],
    ("public", "closed", "own"): ["401", "403", "403", "ok", "ok"],
    ("public", "closed", "others"): ["401", "403", "403", "ok", "ok"],
    # open public: anyone signed in adds and links, and changes their own work
    ("public", "open", "add"): ["401", "ok", "ok", "ok", "ok"],
    ("public", "open", "own"): ["401", "ok", "ok", "ok", "ok"],
    ("public", "open", "others"): ["401", "403", "403", "ok", "ok"],
    # private: outsiders do not see it at all (404), whatever the policy
    ("private", "closed", "add"): ["404", "404", "403", "ok", "ok"],
    ("private", "closed", "own"): ["404", "404", "403", "ok", "ok"],
    ("private", "closed", "others"): ["404", "404", "403", "ok", "ok"],
    ("private", "open", "add"): ["404", "404", "ok", "ok", "ok"],
    ("private", "open", "own"): ["404", "404", "ok", "ok", "ok"],
    ("private", "open", "others"): ["404", "404", "403", "ok", "ok"],
}


def _row(action: str) -> str:
    if action in ADDS:
        return "add"
    return "own" if "_own_" in action else "others"


def _expected(visibility, policy, action, role) -> int:
    cell = EXPECTED[(visibility, policy, _row(action))][ROLES.index(role)]
    return OK[action.split("_")[0]] if cell == "ok" else int(cell)


ROWS = [
    (visibility, policy, action)
    for visibility in ("public", "private")
    for policy in ("closed", "open")
    for action in ACTIONS
]


def _state(the_map):
    """What a refused request must leave exactly as it was."""
    return (
        table_counts(),
        [(n.key, n.title, n.revision) for n in the_map.nodes.order_by("key")],
        [
            (e.key, e.weight, e.revision, [s.document for s in e.sources.all()])
            for e in the_map.edges.order_by("key")
        ],
        sorted(Source.objects.filter(node__map=the_map).values_list("node__key", "document")),
    )


@pytest.mark.parametrize(
    ("visibility", "policy", "action"), ROWS, ids=[f"{v}-{p}-{a}" for v, p, a in ROWS]
)
def test_contribution_row(people, client_for, visibility, policy, action):
    """One row of the table: each role in turn, on the same map (each rolled back after)."""
    the_map = build_map(people, visibility=visibility, contribution=policy)
    wrong = []
    for role in ROLES:
        expected = _expected(visibility, policy, action, role)
        with transaction.atomic():
            before = _state(the_map)
            response = ACTIONS[action](client_for(people[role]), the_map.slug, role)
            if response.status_code != expected:
                wrong.append(
                    f"{role}: {response.status_code} (not {expected}) {response.content[:200]}"
                )
            elif expected >= 400:
                if set(response.json()["error"]) != {"code", "message", "fields"}:
                    wrong.append(f"{role}: error shape {response.json()}")
                if _state(the_map) != before:
                    wrong.append(f"{role}: refused, yet the data changed")
            elif _state(the_map) == before:
                wrong.append(f"{role}: {expected}, yet nothing changed")
            transaction.set_rollback(True)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("thing", ["node", "edge"])
def test_the_refusal_says_only_editors_change_what_others_wrote(people, client_for, thing):
    the_map = build_map(people, visibility="public", contribution="open")
    url = (
        f"/api/v1/maps/{the_map.slug}/nodes/theirs/"
        if thing == "node"
        else f"/api/v1/maps/{the_map.slug}/edges/theirs-edge/"
    )
    response = client_for(people["outsider"]).delete(url)
    assert response.status_code == 403
    message = response.json()["error"]["message"]
    assert "editors and owner" in message and "someone else added" in message


def test_a_closed_map_says_it_is_closed(people, client_for):
    the_map = build_map(people, visibility="public", contribution="closed")
    response = add_node(client_for(people["outsider"]), the_map.slug, "outsider")
    assert response.status_code == 403
    assert "closed" in response.json()["error"]["message"]


def test_a_contributors_new_node_is_theirs_to_edit_and_delete(people, client_for):
    the_map = build_map(people, visibility="public", contribution="open")
    client = client_for(people["outsider"])
    assert add_node(client, the_map.slug, "outsider").status_code == 201
    assert node_of(the_map, "new-crux").created_by == people["outsider"]
    edited = client.patch(
        f"/api/v1/maps/{the_map.slug}/nodes/new-crux/",
        {"title": "Better words", "revision": 1, "prior": 0.3},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["title"] == "Better words"
    # Another signed-in person may link to it but not change it.
    other = client_for(people["voter"])
    linked = other.post(
        f"/api/v1/maps/{the_map.slug}/edges/",
        {"source": "new-crux", "target": "frame", "kind": "supports"},
        format="json",
    )
    assert linked.status_code == 201
    assert other.delete(f"/api/v1/maps/{the_map.slug}/nodes/new-crux/").status_code == 403
    assert client.delete(f"/api/v1/maps/{the_map.slug}/nodes/new-crux/").status_code == 204
    assert node_of(the_map, "new-crux") is None


def test_closing_a_map_takes_back_the_authors_right_to_edit(people, client_for):
    the_map = build_map(people, visibility="public", contribution="open")
    the_map.contribution = "closed"
    the_map.save(update_fields=["contribution"])
    response = client_for(people["outsider"]).patch(
        f"/api/v1/maps/{the_map.slug}/edges/own-outsider-edge/", {"weight": 0.1}, format="json"
    )
    assert response.status_code == 403
    assert edge_of(the_map, "own-outsider-edge").weight == 1.0


def test_an_imported_node_without_author_is_only_the_editors(people, client_for):
    the_map = build_map(people, visibility="public", contribution="open")
    the_map.nodes.filter(key="theirs").update(created_by=None)
    response = client_for(people["outsider"]).delete(f"/api/v1/maps/{the_map.slug}/nodes/theirs/")
    assert response.status_code == 403
    assert node_of(the_map, "theirs") is not None


def test_votes_on_an_open_map_still_need_a_sign_in_and_stay_allowed(people, client_for):
    the_map = build_map(people, visibility="public", contribution="open")
    url = f"/api/v1/maps/{the_map.slug}/nodes/theirs/vote/"
    body = {"credence": 0.6}
    assert client_for(None).put(url, body, format="json").status_code == 401
    assert client_for(people["outsider"]).put(url, body, format="json").status_code == 200
