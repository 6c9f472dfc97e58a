"""argmap JSON v2 through the database: every edge field, undercuts and edge votes are
stored, exported, and import -> export -> import -> export is byte-identical."""

import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.formats import argmap
from claims.models import Edge, EdgeSource, Map
from claims.selectors import map_export_as, map_export_bytes, map_export_document
from claims.services import map_import
from cruxes.models import EdgeVote, EdgeVoteHistory
from tests.conftest import SEED_PATH
from tests.factories import UserFactory
from tests.formats_v2.samples import linked_bytes

pytestmark = pytest.mark.django_db


def stored(slug: str) -> dict[str, Edge]:
    return {
        e.key: e
        for e in Edge.objects.filter(map__slug=slug).select_related(
            "source", "target", "target_edge"
        )
    }


def test_every_edge_field_is_stored():
    result = map_import(data=linked_bytes(), owner=None)
    assert (result.nodes, result.edges, result.votes, result.edge_votes) == (8, 9, 2, 4)
    edges = stored("linked")
    assert set(edges) == {e["id"] for e in argmap.load(linked_bytes())["edges"]}
    first = edges["g1-a"]
    assert (first.source.key, first.target.key, first.kind, first.weight) == (
        "p1",
        "frame",
        "supports",
        0.8,
    )
    assert first.rationale == "Only together with p2: «both» are needed.\nSecond line."
    assert first.group == "g1" and edges["g1-b"].group == "g1"
    assert first.revision == 1 and first.target_edge is None
    assert [
        (s.position, s.document, s.locator, s.quote)
        for s in EdgeSource.objects.filter(edge=first).order_by("position")
    ] == [(0, "004 The core problem", "§3", "a quote"), (1, "001 Comments", "Alice", "")]
    cut = edges["cut"]
    assert cut.kind == "undercuts" and cut.target is None and cut.target_edge == first
    assert cut.weight == 0.4 and cut.rationale == "The inference fails when u holds."
    assert edges["w--undercuts--q1--undermines--frame"].target_edge.key == ("q1--undermines--frame")
    assert edges["x--related--p1"].group is None


def test_edge_votes_are_stored_with_their_history_and_voters():
    map_import(data=linked_bytes(), owner=None)
    votes = {
        (v.edge.key, v.user.username): (v.strength, v.edge_revision)
        for v in EdgeVote.objects.select_related("edge", "user")
    }
    assert votes == {
        ("cut", "alice"): (0.0, 1),
        ("g1-a", "bob"): (1.0, 1),
        ("g1-a", "alice"): (0.25, 1),
        ("w--undercuts--q1--undermines--frame", "zoë"): (0.5, 1),
    }
    assert EdgeVoteHistory.objects.filter(action="cast").count() == 4
    zoe = EdgeVote.objects.get(user__username="zoë").user
    assert not zoe.is_active and not zoe.has_usable_password()  # created by the import


@pytest.mark.parametrize("source", ["linked", "seed"])
def test_import_export_import_export_is_byte_identical(source, tmp_path):
    data = linked_bytes() if source == "linked" else SEED_PATH.read_bytes()
    first = map_import(data=data, owner=None)
    exported_once = map_export_bytes(map=Map.objects.get(slug=first.slug))
    map_import(data=exported_once, owner=None, replace=True)
    exported_twice = map_export_bytes(map=Map.objects.get(slug=first.slug))
    assert exported_once == exported_twice
    assert exported_once == argmap.dumps(argmap.load(data))  # nothing lost on the way
    assert json.loads(exported_once)["version"] == 2
    out = tmp_path / "out.json"
    call_command("export_map", first.slug, "-o", str(out))
    assert out.read_bytes() == exported_twice
    the_map = Map.objects.get(slug=first.slug)
    assert argmap.dumps(map_export_document(map=the_map)) == exported_twice


def test_the_seeded_map_keeps_its_groups_undercuts_and_rationales():
    doc = argmap.load(SEED_PATH.read_bytes())
    result = map_import(data=SEED_PATH.read_bytes(), owner=None)
    edges = stored(result.slug)
    assert len(edges) == len(doc["edges"])
    for item in doc["edges"]:
        row = edges[item["id"]]
        assert row.rationale == item["rationale"]
        assert row.group == item["group"]
        assert (row.target_edge.key if row.target_edge else None) == item["target_edge"]
        assert row.sources.count() == len(item["sources"])


def test_a_v1_file_imports_with_default_edge_keys_and_exports_as_v2():
    v1 = {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "old", "title": "Old"},
        "nodes": [
            {"id": "a", "kind": "claim", "title": "A"},
            {"id": "b", "kind": "frame", "title": "B"},
        ],
        "edges": [{"source": "a", "target": "b", "kind": "supports", "weight": 0.5}],
    }
    map_import(data=json.dumps(v1), owner=None)
    edge = Edge.objects.get(map__slug="old")
    assert (edge.key, edge.rationale, edge.group, edge.revision) == (
        "a--supports--b",
        "",
        None,
        1,
    )
    out = json.loads(map_export_bytes(map=Map.objects.get(slug="old")))
    assert out["version"] == 2 and out["edges"][0]["id"] == "a--supports--b"


def test_the_operator_export_has_edge_votes_and_the_api_export_has_none():
    map_import(data=linked_bytes(), owner=None)
    the_map = Map.objects.get(slug="linked")
    operator = json.loads(map_export_bytes(map=the_map))
    assert len(operator["edge_votes"]) == 4 and len(operator["votes"]) == 2
    api = APIClient().get("/api/v1/maps/linked/export/?format=argmap")
    assert api.status_code == 200
    public = json.loads(api.getvalue())
    assert public["edge_votes"] == [] and public["votes"] == []
    assert public["edges"] == operator["edges"]  # every edge field, without the votes


def test_an_upload_keeps_the_edges_but_casts_no_edge_votes():
    uploader = UserFactory(username="uploader")
    client = APIClient()
    client.force_authenticate(uploader)
    response = client.post(
        "/api/v1/maps/import/?slug=uploaded", data=linked_bytes(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["skipped"] == {"votes": 2, "edge_votes": 4}
    assert not EdgeVote.objects.exists()
    assert stored("uploaded")["cut"].target_edge.key == "g1-a"


def test_other_export_formats_carry_groups_and_undercuts():
    map_import(data=linked_bytes(), owner=None)
    the_map = Map.objects.get(slug="linked")
    aif = json.loads(map_export_as(map=the_map, format="aif"))
    types = [n["type"] for n in aif["nodes"] if n["type"] != "I"]
    # 2 groups -> one RA and one CA; x->frame (RA), x~p1 (MA); 3 undercuts (CA)
    assert sorted(types) == ["CA", "CA", "CA", "CA", "MA", "RA", "RA"]
    argdown = map_export_as(map=the_map, format="argdown").decode()
    assert "<g1>" in argdown and "<_ " in argdown
    graphml = map_export_as(map=the_map, format="graphml").decode()
    assert "undercuts" in graphml and "g1-a" in graphml


def test_replacing_a_map_removes_its_edges_sources_undercuts_and_edge_votes():
    map_import(data=linked_bytes(), owner=None)
    before = (Edge.objects.count(), EdgeSource.objects.count(), EdgeVote.objects.count())
    assert before == (9, 3, 4)
    map_import(data=linked_bytes(), owner=None, replace=True)
    assert (Edge.objects.count(), EdgeSource.objects.count(), EdgeVote.objects.count()) == before
    assert EdgeVoteHistory.objects.count() == 4
    assert Map.objects.count() == 1


def test_a_group_left_with_one_edge_is_exported_as_no_group_and_imports_again():
    map_import(data=linked_bytes(), owner=None)
    # H-edges allows a group of one while the second premise is being added.
    Edge.objects.filter(key="g1-b").update(group=None)
    the_map = Map.objects.get(slug="linked")
    data = map_export_bytes(map=the_map)
    exported = {e["id"]: e for e in json.loads(data)["edges"]}
    assert exported["g1-a"]["group"] is None and exported["q1--undermines--frame"]["group"] == "g2"
    assert argmap.dumps(map_export_document(map=the_map)) == data
    map_import(data=data, owner=None, slug="again")
    assert (
        map_export_bytes(map=Map.objects.get(slug="again")).replace(
            b'"slug": "again"', b'"slug": "linked"'
        )
        == data
    )
