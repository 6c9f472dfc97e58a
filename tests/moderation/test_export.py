"""A hidden node stays in the map's file, flagged, and an import hides it again."""

import json

import pytest

from claims.formats import argmap as argmap_format
from claims.models import Map, Node
from claims.selectors import map_export_bytes, map_export_document
from claims.services import map_import, node_hide

pytestmark = pytest.mark.django_db


def _nodes(data: bytes) -> dict[str, dict]:
    return {n["id"]: n for n in json.loads(data)["nodes"]}


def test_a_hidden_node_is_exported_with_its_flag_and_reason(mod_map, owner):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner, reason="spam")
    node_hide(node=Node.objects.get(map=mod_map, key="claim"), by=owner)
    nodes = _nodes(map_export_bytes(map=mod_map))
    assert (nodes["vandal"]["hidden"], nodes["vandal"]["hidden_reason"]) == (True, "spam")
    assert nodes["claim"]["hidden"] is True and "hidden_reason" not in nodes["claim"]
    assert "hidden" not in nodes["good"]


def test_the_streamed_export_is_the_canonical_file(mod_map, owner):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner, reason="spam")
    streamed = map_export_bytes(map=mod_map)
    assert streamed == argmap_format.dumps(map_export_document(map=mod_map))
    # and the canonical form is json.dumps(sort_keys=True) of the document
    assert (
        streamed.decode()
        == json.dumps(json.loads(streamed), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


def test_files_with_and_without_the_flag_are_valid_and_a_bad_flag_is_not(mod_map, owner):
    plain = map_export_bytes(map=mod_map)
    assert b'"hidden"' not in plain
    argmap_format.validate(argmap_format.parse(plain))
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner, reason="spam")
    argmap_format.validate(argmap_format.parse(map_export_bytes(map=mod_map)))
    doc = json.loads(plain)
    doc["nodes"][0]["hidden"] = "yes"
    with pytest.raises(Exception, match="hidden"):
        argmap_format.validate(doc)


# Until the lead adds the two columns to the node rows of claims/services/imports.py
# (see the H1b report); strict, so it fails as a reminder once they are there.
def test_import_hides_the_hidden_nodes_again(mod_map, owner):
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner, reason="spam")
    data = map_export_bytes(map=mod_map)
    map_import(data=data, owner=owner, slug="copy")
    copy = Map.objects.get(slug="copy")
    vandal = Node.objects.get(map=copy, key="vandal")
    assert vandal.hidden_at is not None and vandal.hidden_reason == "spam"
    assert Node.objects.get(map=copy, key="good").hidden_at is None
    assert map_export_bytes(map=copy).replace(b'"copy"', b'"mod"') == data
