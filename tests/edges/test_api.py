"""The edge endpoints: ids are keys; rationale, sources, groups, undercuts and revisions."""

import pytest
from django.core.management import call_command
from django.urls import resolve

from claims import apis as claims_apis
from claims.models import Edge, EdgeRevision, Map

pytestmark = pytest.mark.django_db

MAP = "/api/v1/maps/open-map"
EDGES = f"{MAP}/edges/"
SOURCE = {"document": "004.txt", "locator": "¶ 3", "quote": "in the essay's words"}


def test_create_with_every_field_answers_the_whole_edge(world, client_for):
    editor = client_for(world["people"]["editor"])
    response = editor.post(
        EDGES,
        {
            "id": "c1-for-frame",
            "source": "c1",
            "target": "frame",
            "kind": "supports",
            "weight": 0.35,
            "rationale": "If C1 holds, the frame is more likely.",
            "sources": [SOURCE],
            "group": "joint",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "id": "c1-for-frame",
        "source": "c1",
        "target": "frame",
        "target_edge": None,
        "kind": "supports",
        "weight": 0.35,
        "rationale": "If C1 holds, the frame is more likely.",
        "sources": [SOURCE],
        "group": "joint",
        "revision": 1,
    }
    assert editor.get(f"{EDGES}c1-for-frame/").json() == body


def test_an_edge_without_id_gets_the_default_key(world, client_for):
    editor = client_for(world["people"]["editor"])
    body = editor.post(
        EDGES, {"source": "c1", "target": "frame", "kind": "undermines"}, format="json"
    ).json()
    assert body["id"] == "c1--undermines--frame"
    assert (body["rationale"], body["sources"], body["group"]) == ("", [], None)


def test_an_undercut_names_the_edge_it_attacks_by_id(world, client_for):
    editor = client_for(world["people"]["editor"])
    response = editor.post(
        EDGES,
        {
            "source": "x",
            "target_edge": "crux--supports--frame",
            "kind": "undercuts",
            "weight": 0.5,
            "rationale": "The inference assumes what it should show.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == "x--undercuts--crux--supports--frame"
    assert (body["target"], body["target_edge"]) == (None, "crux--supports--frame")
    # ?node= finds the undercuts the node makes, as its other edges
    listed = editor.get(f"{EDGES}?node=x").json()["results"]
    assert [e["id"] for e in listed] == ["x--undercuts--crux--supports--frame"]
    assert editor.get(f"{EDGES}?kind=undercuts").json()["count"] == 1


def test_an_undercut_sent_with_target_null_is_fine(world, client_for):
    editor = client_for(world["people"]["editor"])
    response = editor.post(
        EDGES,
        {
            "source": "x",
            "target": None,
            "target_edge": "crux--supports--frame",
            "kind": "undercuts",
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_patch_makes_revisions_and_the_revisions_route_lists_them(world, client_for):
    editor = client_for(world["people"]["editor"])
    url = f"{EDGES}crux--supports--frame/"
    first = editor.patch(url, {"rationale": "Reason one.", "sources": [SOURCE]}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["revision"] == 2 and first.json()["sources"] == [SOURCE]
    second = editor.patch(url, {"weight": 0.9, "group": "g", "revision": 2}, format="json").json()
    assert (second["revision"], second["weight"], second["group"]) == (3, 0.9, "g")
    cleared = editor.patch(url, {"group": None}, format="json").json()
    assert cleared["group"] is None and cleared["revision"] == 4
    same = editor.patch(url, {"rationale": "Reason one.", "weight": 0.9}, format="json").json()
    assert same["revision"] == 4
    stale = editor.patch(url, {"rationale": "lost?", "revision": 2}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_revision"
    history = editor.get(f"{url}revisions/").json()
    assert [(h["revision"], h["rationale"], h["weight"], h["group"]) for h in history] == [
        (4, "Reason one.", 0.9, None),
        (3, "Reason one.", 0.9, "g"),
        (2, "Reason one.", 0.6, None),
        (1, "", 0.6, None),
    ]
    assert [h["current"] for h in history] == [True, False, False, False]
    assert history[1]["edited_by"] == "editor"
    assert editor.get(f"{EDGES}nope/revisions/").status_code == 404


def test_delete_by_key_takes_the_undercuts_along(world, client_for):
    editor = client_for(world["people"]["editor"])
    editor.post(
        EDGES,
        {"source": "x", "target_edge": "crux--supports--frame", "kind": "undercuts"},
        format="json",
    )
    assert Map.objects.get(slug="open-map").edge_count == 4
    assert editor.delete(f"{EDGES}crux--supports--frame/").status_code == 204
    assert editor.get(f"{EDGES}crux--supports--frame/").status_code == 404
    assert not Edge.objects.filter(kind="undercuts").exists()
    assert Map.objects.get(slug="open-map").edge_count == 2
    assert editor.get(MAP + "/").json()["edges"] == 2


def test_reading_is_for_whoever_sees_the_map_and_writing_for_editors(world, client_for):
    url = f"{EDGES}crux--supports--frame/"
    assert client_for().get(url).status_code == 200
    assert client_for().get(f"{url}revisions/").status_code == 200
    assert client_for().patch(url, {"weight": 0.1}, format="json").status_code == 401
    voter = client_for(world["people"]["voter"])
    assert voter.patch(url, {"weight": 0.1}, format="json").status_code == 403
    assert voter.delete(url).status_code == 403
    assert Edge.objects.get(key="crux--supports--frame").weight == 0.6


def test_an_edge_of_a_private_map_is_a_404_to_outsiders(world, client_for):
    from claims.services import map_update

    map_update(map=world["map"], visibility="private")
    outsider = client_for(world["people"]["outsider"])
    assert outsider.get(f"{EDGES}crux--supports--frame/").status_code == 404
    assert (
        client_for(world["people"]["voter"]).get(f"{EDGES}crux--supports--frame/").status_code
        == 200
    )


def test_the_list_costs_the_same_queries_for_3_or_60_edges(world, client_for):
    from claims.services import edge_create, node_create

    client = client_for()

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{EDGES}?page_size=500").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    n = world["nodes"]
    for i in range(20):
        node = node_create(
            map=world["map"], kind="crux", title=f"N{i}", key=f"n{i}", created_by=None
        )
        edge = edge_create(
            map=world["map"],
            source=node,
            target=n["frame"],
            kind="supports",
            sources=[SOURCE],
            created_by=None,
        )
        edge_create(
            map=world["map"],
            source=node,
            target_edge=world["edges"]["crux--supports--frame"],
            kind="undercuts",
            created_by=None,
        )
        edge_create(
            map=world["map"], source=n["x"], target_edge=edge, kind="undercuts", created_by=None
        )
    assert count() == few


def test_edge_routes_by_key_leave_the_vote_and_strength_routes_to_the_votes_app():
    detail = resolve("/api/v1/maps/m/edges/a--supports--b/")
    assert detail.func.view_class is claims_apis.EdgeDetailApi
    assert detail.kwargs == {"slug": "m", "edge_key": "a--supports--b"}
    revisions = resolve("/api/v1/maps/m/edges/a--supports--b/revisions/")
    assert revisions.func.view_class is claims_apis.EdgeRevisionsApi
    for tail in ("vote", "strength"):
        match = resolve(f"/api/v1/maps/m/edges/a--supports--b/{tail}/")
        assert match.func.__module__.startswith("cruxes"), (tail, match.func)
        assert match.kwargs["edge_key"] == "a--supports--b"
    # an edge named like a sub-route is still an edge
    assert resolve("/api/v1/maps/m/edges/revisions/").func.view_class is claims_apis.EdgeDetailApi


def test_the_schema_documents_the_edge_routes_and_validates(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/maps/{slug}/edges/{edge_key}/:" in text
    assert "/api/v1/maps/{slug}/edges/{edge_key}/revisions/:" in text
    assert "/api/v1/maps/{slug}/edges/{edge_id}/" not in text
    assert "target_edge" in text and "rationale" in text


def test_editing_an_edge_is_one_revision_row_and_one_graph_version(world, client_for):
    editor = client_for(world["people"]["editor"])
    before = Map.objects.get(slug="open-map").graph_version
    editor.patch(f"{EDGES}crux--supports--frame/", {"rationale": "r"}, format="json")
    assert EdgeRevision.objects.count() == 1
    assert Map.objects.get(slug="open-map").graph_version == before + 1
