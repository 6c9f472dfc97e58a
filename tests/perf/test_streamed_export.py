"""The streamed export writes exactly the canonical bytes, in pieces, with flat memory."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.formats import argmap as argmap_format
from claims.models import Map
from claims.selectors import map_export_bytes, map_export_chunks, map_export_document
from claims.services import map_import
from claims.synthetic import generate_map
from tests.conftest import SEED_PATH

pytestmark = pytest.mark.django_db

# Ids and usernames whose code-point order differs from a linguistic collation's
# (en_US ignores '-' and '_' at first; it sorts 'É' before 'z'): the file's order is
# Python's, whatever the database's collation.
AWKWARD = {
    "format": "argmap",
    "version": 1,
    "map": {"slug": "awkward", "title": "  Awkward\tmap  ", "description": "a\\b\r\nc"},
    "nodes": [
        {"id": "a-c", "kind": "frame", "title": "Tab\there", "category": "outer"},
        {"id": "ab", "kind": "crux", "title": "Back\\slash \\N", "text": "line\nbreak\r\n"},
        {"id": "a_b", "kind": "claim", "title": "Ünïcödé 🙂", "prior": 0.123456789},
        {
            "id": "a1",
            "kind": "claim",
            "title": "Cited",
            "sources": [
                {"document": "d\\1.txt", "locator": "§\t2", "quote": "«q»"},
                {"document": "d2.txt"},
            ],
        },
    ],
    "edges": [
        {"source": "ab", "target": "a-c", "kind": "supports", "weight": 0.3333333},
        {"source": "a_b", "target": "ab", "kind": "undermines"},
        {"source": "a1", "target": "ab", "kind": "supports", "weight": 0},
        {"source": "a1", "target": "ab", "kind": "related"},
    ],
    "votes": [
        {"node": "ab", "user": "zed", "credence": 0.7},
        {"node": "ab", "user": "Émile", "credence": 0.2},
        {"node": "ab", "user": "a.b-c_d", "credence": 0.5},
        {"node": "a_b", "user": "zed", "credence": 0.99},
    ],
}


def _streamed(the_map: Map, **kwargs) -> bytes:
    return b"".join(map_export_chunks(map=the_map, **kwargs))


@pytest.mark.parametrize("source", ["seed", "awkward", "synthetic"])
def test_streamed_export_equals_dumps_of_the_export_document(source):
    if source == "seed":
        data = SEED_PATH.read_bytes()
    elif source == "awkward":
        data = json.dumps(AWKWARD)
    else:
        data = argmap_format.dumps(generate_map(300, seed=3))
    the_map = Map.objects.get(slug=map_import(data=data, owner=None).slug)
    document = map_export_document(map=the_map)
    assert _streamed(the_map) == argmap_format.dumps(document)
    assert map_export_bytes(map=the_map) == argmap_format.dumps(document)
    assert _streamed(the_map, votes=False) == argmap_format.dumps({**document, "votes": []})


def test_a_canonical_file_comes_back_byte_for_byte():
    data = argmap_format.dumps(argmap_format.load(json.dumps(AWKWARD)))
    the_map = Map.objects.get(slug=map_import(data=data, owner=None).slug)
    assert _streamed(the_map) == data


def test_streamed_export_comes_in_several_pieces_and_a_fixed_number_of_queries():
    small = Map.objects.get(slug=map_import(data=json.dumps(AWKWARD), owner=None).slug)
    doc = generate_map(3000, seed=4)
    large = Map.objects.get(slug=map_import(data=doc, owner=None).slug)
    counts = {}
    for the_map in (small, large):
        with CaptureQueriesContext(connection) as captured:
            pieces = list(map_export_chunks(map=the_map))
        counts[the_map.slug] = len(captured)
    assert len(pieces) > 3  # the large map's ~2 MB arrive in pieces of ~256 KB
    assert counts[small.slug] == counts[large.slug], counts


def test_dump_chunks_refuses_items_out_of_canonical_order():
    doc = argmap_format.load(json.dumps(AWKWARD))
    with pytest.raises(ValueError, match="out of canonical order"):
        b"".join(
            argmap_format.dump_chunks(
                map=doc["map"], nodes=reversed(doc["nodes"]), edges=[], votes=[]
            )
        )


def test_dump_chunks_joined_is_dumps_at_any_piece_size():
    doc = argmap_format.load(argmap_format.dumps(generate_map(200, seed=5)))
    nodes = sorted(doc["nodes"], key=lambda n: n["id"])
    edges = sorted(doc["edges"], key=lambda e: e["id"])
    votes = sorted(doc["votes"], key=lambda v: (v["node"], v["user"]))
    for size in (1, 1000, 1 << 20):
        pieces = list(
            argmap_format.dump_chunks(
                map=doc["map"], nodes=nodes, edges=edges, votes=votes, chunk_chars=size
            )
        )
        assert b"".join(pieces) == argmap_format.dumps(doc)
    empty = {**doc, "nodes": [], "edges": [], "votes": []}
    assert b"".join(argmap_format.dump_chunks(map=doc["map"], nodes=[], edges=[])) == (
        argmap_format.dumps(empty)
    )


def test_api_export_is_streamed_without_votes():
    the_map = Map.objects.get(slug=map_import(data=json.dumps(AWKWARD), owner=None).slug)
    response = APIClient().get(f"/api/v1/maps/{the_map.slug}/export/?format=argmap")
    assert response.status_code == 200 and response.streaming
    body = response.getvalue()  # consumes the stream
    assert body == map_export_bytes(map=the_map, votes=False)
    assert json.loads(body)["votes"] == []


def test_export_map_command_streams_the_same_bytes_to_a_file(tmp_path):
    the_map = Map.objects.get(slug=map_import(data=json.dumps(AWKWARD), owner=None).slug)
    out = tmp_path / "out.json"
    call_command("export_map", the_map.slug, "-o", str(out))
    assert out.read_bytes() == map_export_bytes(map=the_map)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no partial file left
