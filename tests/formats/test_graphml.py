"""argmap JSON v1 -> GraphML (claims/formats/graphml.py)."""

import copy
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from claims.formats.argmap import load, validate
from claims.formats.graphml import argmap_to_graphml

SEED_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "alignment.argmap.json"

SAMPLE = {
    "format": "argmap",
    "version": 1,
    "map": {"slug": "alignment", "title": "Alignment <&> map", "description": "Desc."},
    "nodes": [
        {
            "id": "distribution-shift",
            "kind": "frame",
            "category": "outer",
            "title": "Distribution shift",
            "text": 'Tabs\tand "quotes" & <angle brackets>.\n\nünïcode 🙂',
            "prior": 0.35,
        },
        {"id": "mesa", "kind": "frame", "title": "Mesa-optimisation", "prior": 0.6},
        {"id": "nah", "kind": "claim", "title": "Natural abstractions", "text": "NAH."},
        {"id": "pointers-problem", "kind": "crux", "title": "Pointers problem", "prior": 0.01},
    ],
    "edges": [
        {"source": "nah", "target": "pointers-problem", "kind": "supports", "weight": 0.8},
        {"source": "nah", "target": "pointers-problem", "kind": "related", "weight": 0.1},
        {"source": "pointers-problem", "target": "distribution-shift", "kind": "undermines"},
        {"source": "mesa", "target": "distribution-shift", "kind": "subframe_of", "weight": 0.0},
    ],
}


def read(data: bytes) -> nx.MultiDiGraph:
    return nx.read_graphml(io.BytesIO(data), force_multigraph=True)


def test_graphml_reads_back_with_the_same_nodes_edges_and_attributes():
    doc = validate(copy.deepcopy(SAMPLE))
    graph = read(argmap_to_graphml(doc, credences={"nah": 0.62, "mesa": 0.3}))

    assert graph.is_directed() and graph.is_multigraph()
    assert graph.number_of_nodes() == len(doc["nodes"])
    assert graph.number_of_edges() == len(doc["edges"])
    for node in doc["nodes"]:
        attrs = graph.nodes[node["id"]]
        assert attrs["kind"] == node["kind"]
        assert attrs["category"] == (node["category"] or "")
        assert attrs["title"] == node["title"]
        assert attrs["label"] == node["title"]
        assert attrs["text"] == node["text"]
        assert attrs["prior"] == node["prior"]
    assert graph.nodes["nah"]["credence"] == 0.62
    assert graph.nodes["mesa"]["credence"] == 0.3
    assert "credence" not in graph.nodes["pointers-problem"]
    edges = sorted(
        (s, t, key, data["kind"], data["weight"])
        for s, t, key, data in graph.edges(keys=True, data=True)
    )
    assert edges == sorted(
        (e["source"], e["target"], e["kind"], e["kind"], e["weight"]) for e in doc["edges"]
    )
    assert graph.graph["slug"] == "alignment"
    assert graph.graph["title"] == "Alignment <&> map"
    assert graph.graph["format"] == "argmap"


def test_graphml_declares_typed_keys_for_node_and_edge_attributes():
    data = argmap_to_graphml(validate(copy.deepcopy(SAMPLE)), credences={"nah": 0.5})
    root = ET.fromstring(data)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {
        (k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.findall("g:key", ns)
    }
    assert keys[("node", "prior")] == "double"
    assert keys[("node", "credence")] == "double"
    assert keys[("node", "kind")] == "string"
    assert keys[("edge", "weight")] == "double"
    assert keys[("edge", "kind")] == "string"
    ids = [k.get("id") for k in root.findall("g:key", ns)]
    assert len(ids) == len(set(ids))  # node and edge "kind" are distinct keys
    assert data.startswith(b"<?xml")


def test_graphml_without_credences_has_no_credence_attribute():
    graph = read(argmap_to_graphml(validate(copy.deepcopy(SAMPLE))))
    assert all("credence" not in attrs for _, attrs in graph.nodes(data=True))


def test_graphml_is_deterministic_whatever_the_input_order():
    doc = validate(copy.deepcopy(SAMPLE))
    shuffled = copy.deepcopy(doc)
    shuffled["nodes"].reverse()
    shuffled["edges"].reverse()
    assert argmap_to_graphml(doc) == argmap_to_graphml(shuffled)


def test_an_empty_map_is_an_empty_graph():
    doc = validate({**copy.deepcopy(SAMPLE), "nodes": [], "edges": []})
    graph = read(argmap_to_graphml(doc))
    assert graph.number_of_nodes() == 0 and graph.number_of_edges() == 0


@pytest.mark.skipif(not SEED_PATH.exists(), reason="no seed fixture")
def test_the_seed_map_exports_to_graphml():
    doc = load(SEED_PATH.read_bytes())
    graph = read(argmap_to_graphml(doc))
    assert graph.number_of_nodes() == len(doc["nodes"])
    assert graph.number_of_edges() == len(doc["edges"])
    assert {n: a["kind"] for n, a in graph.nodes(data=True)} == {
        n["id"]: n["kind"] for n in doc["nodes"]
    }
