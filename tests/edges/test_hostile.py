"""Hostile edge requests: each a 4xx in the one error shape, naming the problem, and
nothing changed (no table gains or loses a row; no map's graph_version or counts move)."""

import json

import pytest

from claims.services import edge_create

pytestmark = pytest.mark.django_db

MAP = "/api/v1/maps/open-map"
EDGES = f"{MAP}/edges/"
ARG = "crux--supports--frame"
UNDERCUT = {"source": "x", "kind": "undercuts"}


@pytest.fixture
def hostile_world(world, other_map):
    """The world, a linked group `joint` (c1 supports frame) and a related edge c2 -- c3."""
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        group="joint",
        created_by=None,
    )
    edge_create(map=world["map"], source=n["c2"], target=n["c3"], kind="related", created_by=None)
    # for the cycle: frame -> c1 -> x, so x undercutting crux->frame closes frame -> ... -> x
    edge_create(map=world["map"], source=n["c1"], target=n["x"], kind="supports", created_by=None)
    edge_create(
        map=world["map"], source=n["frame"], target=n["c1"], kind="supports", created_by=None
    )
    # an edge key that exists only in the other map
    other = other_map["edge"]
    other.key = "only-in-other-map"
    other.save(update_fields=["key"])
    return world


def refused(response, status: int, words: str, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:400])
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    error = body["error"]
    assert words.lower() in error["message"].lower(), (words, error["message"])
    if field is not None:
        assert field in error["fields"], (field, error["fields"])
    return error


POSTS = {
    "undercut of a missing edge": (
        {**UNDERCUT, "target_edge": "ghost"}, 400, "no edge 'ghost'", "target_edge"
    ),
    "undercut of a subframe_of edge": (
        {**UNDERCUT, "target_edge": "frame-b--subframe_of--frame"}, 400,
        "only supports and undermines edges can be undercut", "target_edge",
    ),
    "undercut of a related edge": (
        {**UNDERCUT, "target_edge": "c2--related--c3"}, 400, "is a related edge", "target_edge"
    ),
    "undercut of an edge of another map": (
        {**UNDERCUT, "target_edge": "only-in-other-map"}, 400, "no edge 'only-in-other-map'",
        "target_edge",
    ),
    "undercut without target_edge": (UNDERCUT, 400, "needs target_edge", "target_edge"),
    "undercut with a target node too": (
        {**UNDERCUT, "target": "frame", "target_edge": ARG}, 400, "not a node", "target"
    ),
    "undercut with a group": (
        {**UNDERCUT, "target_edge": ARG, "group": "joint"}, 400, "linked groups", "group"
    ),
    "undercut closing a cycle": (
        {**UNDERCUT, "target_edge": ARG}, 400,
        "undercut 'x' on 'crux--supports--frame' would close a cycle: frame -> c1 -> x",
        "target_edge",
    ),
    "supports edge with a target_edge": (
        {"source": "c2", "target": "frame", "target_edge": ARG, "kind": "supports"}, 400,
        "only undercuts point at an edge", "target_edge",
    ),
    "supports edge without a target": (
        {"source": "c2", "kind": "supports"}, 400, "needs a target", "target"
    ),
    "group mixing kinds": (
        {"source": "c2", "target": "frame", "kind": "undermines", "group": "joint"}, 400,
        "group 'joint' is an argument that supports 'frame'", "group",
    ),
    "group mixing targets": (
        {"source": "c2", "target": "frame-b", "kind": "supports", "group": "joint"}, 400,
        "same target and kind", "group",
    ),
    "group on a related edge": (
        {"source": "c2", "target": "frame", "kind": "related", "group": "g"}, 400,
        "only supports and undermines edges form linked groups", "group",
    ),
    "group not slug-shaped": (
        {"source": "c2", "target": "frame", "kind": "supports", "group": "Two Words"}, 400,
        "group", "group",
    ),
    "rationale over 2000": (
        {"source": "c2", "target": "frame", "kind": "supports", "rationale": "é" * 2001}, 400,
        "rationale", "rationale",
    ),
    "rationale with NUL": (
        {"source": "c2", "target": "frame", "kind": "supports", "rationale": "a\x00b"}, 400,
        "rationale", "rationale",
    ),
    "rationale with a control character": (
        {"source": "c2", "target": "frame", "kind": "supports", "rationale": "bell\x07"}, 400,
        "control", "rationale",
    ),
    "rationale a number": (
        {"source": "c2", "target": "frame", "kind": "supports", "rationale": 5}, 400,
        "rationale", "rationale",
    ),
    "group a number": (
        {"source": "c2", "target": "frame", "kind": "supports", "group": 5}, 400, "group", "group"
    ),
    "target_edge a number": (
        {**UNDERCUT, "target_edge": 5}, 400, "target_edge", "target_edge"
    ),
    "target_edge a list": (
        {**UNDERCUT, "target_edge": [ARG]}, 400, "target_edge", "target_edge"
    ),
    "id a number": (
        {"source": "c2", "target": "frame", "kind": "supports", "id": 7}, 400, "id", "id"
    ),
    "id not slug-shaped": (
        {"source": "c2", "target": "frame", "kind": "supports", "id": "Not/Slug"}, 400,
        "id 'Not/Slug'", "id",
    ),
    "sources a string": (
        {"source": "c2", "target": "frame", "kind": "supports", "sources": "004.txt"}, 400,
        "sources", "sources",
    ),
    "a source without document": (
        {"source": "c2", "target": "frame", "kind": "supports", "sources": [{"locator": "1"}]},
        400, "sources", "sources.0.document",
    ),
    "51 sources": (
        {"source": "c2", "target": "frame", "kind": "supports",
         "sources": [{"document": "d"}] * 51}, 400, "sources", "sources",
    ),
    "weight a string": (
        {"source": "c2", "target": "frame", "kind": "supports", "weight": "1"}, 400, "weight",
        "weight",
    ),
    "kind undercut misspelt": (
        {**UNDERCUT, "kind": "undercut", "target_edge": ARG}, 400, "kind", "kind"
    ),
    "duplicate id": (
        {"source": "c2", "target": "frame", "kind": "supports", "id": ARG}, 409,
        f"edge id '{ARG}' already exists", "id",
    ),
    "duplicate edge": (
        {"source": "crux", "target": "frame", "kind": "supports", "id": "fresh"}, 409,
        "already exists", "target",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", POSTS.values(), ids=list(POSTS))
def test_hostile_edge_post_is_refused_and_changes_nothing(hostile_world, client_for, state, case):
    body, status, words, field = case
    editor = client_for(hostile_world["people"]["editor"])
    before = state()
    refused(editor.post(EDGES, body, format="json"), status, words, field)
    assert state() == before


def test_a_lone_surrogate_in_a_rationale_is_refused(hostile_world, client_for, state):
    editor = client_for(hostile_world["people"]["editor"])
    raw = b'{"source": "c2", "target": "frame", "kind": "supports", "rationale": "a\\ud800b"}'
    before = state()
    refused(editor.generic("POST", EDGES, raw, content_type="application/json"), 400, "surrogate")
    raw = raw.replace(b'"source": "c2", "target": "frame"', b'"x": 1')
    refused(
        editor.generic("PATCH", f"{EDGES}{ARG}/", raw, content_type="application/json"),
        400,
        "surrogate",
    )
    assert state() == before


def test_a_duplicate_undercut_is_a_409(hostile_world, client_for, state):
    editor = client_for(hostile_world["people"]["editor"])
    ok = editor.post(
        EDGES, {"source": "c3", "kind": "undercuts", "target_edge": ARG}, format="json"
    )
    assert ok.status_code == 201, ok.content
    before = state()
    again = editor.post(
        EDGES,
        {"source": "c3", "kind": "undercuts", "target_edge": ARG, "id": "other-id"},
        format="json",
    )
    refused(again, 409, "already undercuts", "target_edge")
    assert state() == before


PATCHES = {
    "rationale over 2000": ({"rationale": "x" * 2001}, 400, "rationale", "rationale"),
    "rationale with a control character": ({"rationale": "\x1b[31m"}, 400, "control", "rationale"),
    "group mixing targets": ({"group": "joint", "kind": "undermines"}, 400, "group 'joint'",
                             "group"),
    "group a number": ({"group": 1}, 400, "group", "group"),
    "kind to undercuts": ({"kind": "undercuts"}, 400, "undercut stays an undercut", "kind"),
    "kind to related while grouped": ({"kind": "related", "group": "joint"}, 400,
                                      "linked groups", "group"),
    "weight above 1": ({"weight": 1.01}, 400, "weight", "weight"),
    "weight null": ({"weight": None}, 400, "weight", "weight"),
    "sources an object": ({"sources": {"document": "d"}}, 400, "sources", "sources"),
    "stale revision": ({"rationale": "new", "revision": 9}, 409, "edited since revision 9",
                       "revision"),
    "revision a string": ({"rationale": "new", "revision": "1"}, 400, "revision", "revision"),
    "body a list": ([{"weight": 0.5}], 400, "object", "$"),
}  # fmt: skip


@pytest.mark.parametrize("case", PATCHES.values(), ids=list(PATCHES))
def test_hostile_edge_patch_is_refused_and_changes_nothing(hostile_world, client_for, state, case):
    body, status, words, field = case
    editor = client_for(hostile_world["people"]["editor"])
    before = state()
    refused(editor.patch(f"{EDGES}{ARG}/", body, format="json"), status, words, field)
    assert state() == before


def test_a_patch_of_an_undercut_into_a_group_is_refused(hostile_world, client_for, state):
    editor = client_for(hostile_world["people"]["editor"])
    created = editor.post(
        EDGES, {"source": "c3", "kind": "undercuts", "target_edge": ARG}, format="json"
    ).json()
    before = state()
    response = editor.patch(f"{EDGES}{created['id']}/", {"group": "g"}, format="json")
    refused(response, 400, "linked groups", "group")
    assert state() == before


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        (f"{EDGES}ghost/", 404, "no edge 'ghost'"),
        (f"{EDGES}99999999999999999999999/", 404, "no edge"),
        (f"{EDGES}only-in-other-map/", 404, "no edge 'only-in-other-map'"),
        (f"{EDGES}a%00b/", 404, "endpoint"),
        (f"{EDGES}..%2f..%2fetc/", 404, "endpoint"),
    ],
)
def test_unknown_edges_are_404s_in_every_method(
    hostile_world, client_for, state, path, status, words
):
    editor = client_for(hostile_world["people"]["editor"])
    before = state()
    for method in ("GET", "PATCH", "DELETE"):
        body = json.dumps({"weight": 0.5}) if method == "PATCH" else ""
        response = editor.generic(method, path, body, content_type="application/json")
        refused(response, status, words)
    assert state() == before
