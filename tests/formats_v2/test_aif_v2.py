"""AIF with linked premises and undercuts (claims/formats/aif.py): an RA node with several
premises is a linked group, a CA node attacking an RA node undercuts the edges that RA
stands for, and both are written back the same way."""

import copy
import json
from collections import Counter
from pathlib import Path

import pytest

from claims.formats.aif import aif_to_argmap, argmap_to_aif
from claims.formats.argmap import validate
from tests.conftest import SEED_PATH, SHARED
from tests.formats_v2.samples import linked

CORPUS = sorted((SHARED / "testdata" / "aif").glob("*.json"))
OWN = Path(__file__).parent / "data" / "undercuts.aif.json"
S_NODES = ("RA", "CA", "MA", "PA")


def read(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["AIF"] if "nodes" not in data and "AIF" in data else data


def structures(data: dict) -> dict[str, int]:
    """Counted from the AIF itself with plain json: what argmap should make of it.

    groups: (RA node, I-node conclusion) pairs of the RA nodes with two or more I-node
    premises; attacks: the CA nodes whose target is an S-node; undercuts: one per
    (premise of such a CA, edge the attacked RA stands for), or one per (premise,
    attacked S-node) for a target argmap cannot undercut (a CA, an MA, a PA).
    """
    types = {str(n["nodeID"]): n["type"] for n in data["nodes"]}
    into: dict[str, list[str]] = {}
    out_of: dict[str, list[str]] = {}
    for edge in data["edges"]:
        source, target = str(edge["fromID"]), str(edge["toID"])
        into.setdefault(target, []).append(source)
        out_of.setdefault(source, []).append(target)

    def premises(node):
        return {s for s in into.get(node, ()) if types[s] == "I"}

    def conclusions(node):
        return {t for t in out_of.get(node, ()) if types[t] == "I"}

    groups = sum(
        len(conclusions(n)) for n, t in types.items() if t == "RA" and len(premises(n)) > 1
    )
    attacks = [
        n
        for n, t in types.items()
        if t == "CA" and any(types[x] in S_NODES for x in out_of.get(n, ()))
    ]
    undercuts = 0
    for ca in attacks:
        for target in (x for x in out_of[ca] if types[x] in S_NODES):
            per_premise = (
                len(premises(target)) * len(conclusions(target)) if types[target] == "RA" else 1
            )
            undercuts += len(premises(ca)) * per_premise
    return {"groups": groups, "attacks": len(attacks), "undercuts": undercuts}


def imported(data: dict) -> tuple[dict, dict[str, int]]:
    doc, skipped = aif_to_argmap(copy.deepcopy(data), slug="aif")
    doc = validate(doc)
    groups = {(e["target"], e["kind"], e["group"]) for e in doc["edges"] if e["group"]}
    undercuts = [e for e in doc["edges"] if e["kind"] == "undercuts"]
    return {
        "groups": len(groups),
        "undercuts": len(undercuts),
        "groups skipped": sum(v for k, v in skipped.items() if "linked group" in k),
        "undercuts skipped": sum(v for k, v in skipped.items() if k.startswith("undercut")),
        "doc": doc,
    }, skipped


def test_the_corpus_is_there():
    assert len(CORPUS) == 5


@pytest.mark.parametrize("path", [*CORPUS, OWN], ids=lambda p: p.name)
def test_linked_groups_and_undercuts_match_the_counts_of_the_file(path):
    data = read(path)
    expected = structures(data)
    got, _ = imported(data)
    assert got["groups"] + got["groups skipped"] == expected["groups"]
    assert got["undercuts"] + got["undercuts skipped"] == expected["undercuts"]
    for group in {e["group"] for e in got["doc"]["edges"] if e["group"]}:
        members = [e for e in got["doc"]["edges"] if e["group"] == group]
        assert len(members) >= 2 and len({(e["target"], e["kind"]) for e in members}) == 1


def test_the_corpus_gives_the_known_groups_and_no_undercut():
    found = {}
    for path in CORPUS:
        got, skipped = imported(read(path))
        found[path.name] = (got["groups"], got["undercuts"], skipped)
    assert found == {
        "arguebuf_6064-original.json": (0, 0, {"L": 16, "TA": 8, "YA": 14}),
        "nodeset10.json": (1, 0, {}),
        "nodeset149.json": (1, 0, {}),
        "nodeset59.json": (1, 0, {}),
        "nodeset80.json": (1, 0, {}),
    }
    # nodeset10: the three premises of RA 281 support 277 together
    got, _ = imported(read(CORPUS[1]))
    grouped = sorted(e["source"] for e in got["doc"]["edges"] if e["group"] == "ra-281")
    assert grouped == ["i-278", "i-279", "i-280"]
    assert {e["target"] for e in got["doc"]["edges"] if e["group"] == "ra-281"} == {"i-277"}


def test_undercuts_and_what_argmap_cannot_hold():
    data = read(OWN)
    assert structures(data) == {"groups": 1, "attacks": 5, "undercuts": 7}
    got, skipped = imported(data)
    cuts = sorted(
        (e["source"], e["target_edge"]) for e in got["doc"]["edges"] if e["kind"] == "undercuts"
    )
    assert cuts == [
        ("i-u1", "i-p1--supports--i-c1"),  # CA -> a linked RA: each of its edges
        ("i-u1", "i-p2--supports--i-c1"),
        ("i-u2", "i-p3--supports--i-c1"),  # a CA with two premises: two undercuts
        ("i-u3", "i-p3--supports--i-c1"),
    ]
    assert skipped == {
        "undercut of a CA": 1,  # k2 attacks the conflict k1 -> c1
        "undercut of an MA": 1,
        "undercut (cycle)": 1,  # c1 undercutting an edge into c1
    }
    assert got["groups"] == 1
    assert "1 linked groups" in got["doc"]["map"]["description"]
    assert "4 undercuts" in got["doc"]["map"]["description"]


def test_a_premise_shared_with_another_inference_leaves_the_group_out_and_counts_it():
    data = {
        "nodes": [
            {"nodeID": "a", "type": "I", "text": "A"},
            {"nodeID": "b", "type": "I", "text": "B"},
            {"nodeID": "c", "type": "I", "text": "C"},
            {"nodeID": "r1", "type": "RA", "text": "RA"},
            {"nodeID": "r2", "type": "RA", "text": "RA"},
        ],
        "edges": [
            {"fromID": "a", "toID": "r1"},
            {"fromID": "r1", "toID": "c"},
            {"fromID": "a", "toID": "r2"},
            {"fromID": "b", "toID": "r2"},
            {"fromID": "r2", "toID": "c"},
        ],
    }
    got, skipped = imported(data)
    assert got["groups"] == 0
    assert skipped == {"duplicate edge": 1, "RA linked group (overlaps other edges)": 1}


# ----------------------------------------------------------------------------- export


def test_a_group_is_one_scheme_node_and_an_undercut_a_ca_on_it():
    doc = validate(linked())
    data = argmap_to_aif(doc)
    by_id = {n["nodeID"]: n for n in data["nodes"]}
    into: dict[str, list[str]] = {}
    out_of: dict[str, list[str]] = {}
    for e in data["edges"]:
        into.setdefault(e["toID"], []).append(e["fromID"])
        out_of.setdefault(e["fromID"], []).append(e["toID"])

    def text(node_id):
        return by_id[node_id]["argmap"].get("id")

    schemes = [n for n in data["nodes"] if n["type"] != "I"]
    assert Counter(n["type"] for n in schemes) == {"RA": 2, "CA": 4, "MA": 1}
    g1 = next(n for n in schemes if n["argmap"].get("group") == "g1")
    assert g1["type"] == "RA"
    assert sorted(text(p) for p in into[g1["nodeID"]] if by_id[p]["type"] == "I") == ["p1", "p2"]
    assert [text(p) for p in into[g1["nodeID"]] if by_id[p]["type"] == "CA"] == ["cut"]
    assert [text(c) for c in out_of[g1["nodeID"]]] == ["frame"]
    g2 = next(n for n in schemes if n["argmap"].get("group") == "g2")
    assert g2["type"] == "CA"
    assert sorted(text(p) for p in into[g2["nodeID"]] if by_id[p]["type"] == "I") == ["q1", "q2"]
    cut = next(n for n in schemes if n["argmap"].get("id") == "cut")
    assert cut["type"] == "CA" and cut["argmap"]["kind"] == "undercuts"
    assert [text(p) for p in into[cut["nodeID"]]] == ["u"]
    assert out_of[cut["nodeID"]] == [g1["nodeID"]]  # a CA pointing at the RA of the group
    w_cut = next(
        n for n in schemes if n["argmap"].get("id") == "w--undercuts--q1--undermines--frame"
    )
    assert out_of[w_cut["nodeID"]] == [g2["nodeID"]]


def _edges(doc):
    return sorted(
        (
            e["id"],
            e["source"],
            e["target"],
            e["target_edge"],
            e["kind"],
            e["weight"],
            e["rationale"],
            e["group"],
        )
        for e in doc["edges"]
    )


@pytest.mark.parametrize("source", ["linked", "seed"])
def test_argmap_to_aif_to_argmap_keeps_groups_undercuts_ids_and_rationales(source):
    from claims.formats.argmap import load

    doc = validate(linked()) if source == "linked" else load(SEED_PATH.read_bytes())
    data = json.loads(json.dumps(argmap_to_aif(doc)))
    back, skipped = aif_to_argmap(data, slug=doc["map"]["slug"], title=doc["map"]["title"])
    back = validate(back)
    assert skipped == {}
    assert _edges(back) == _edges(doc)


def test_without_the_extension_groups_and_undercuts_still_come_back():
    data = argmap_to_aif(validate(linked()))
    for node in data["nodes"]:
        node.pop("argmap")
    got, skipped = imported(data)
    # g1 is an RA with two premises; g2, a CA with two, is two undermines edges (AIF has no
    # linked conflicts); u undercuts both edges of g1 and the one of x; w's undercut of a
    # conflict cannot be told from an attack on a CA: skipped.
    assert got["groups"] == 1
    assert got["undercuts"] == 3
    assert skipped == {"undercut of a CA": 1}
