"""AIF JSON <-> argmap JSON (claims/formats/aif.py); linked groups and undercuts have their
own tests in tests/formats_v2/test_aif_v2.py."""

import copy
import json
from collections import Counter
from pathlib import Path

import pytest

from claims.formats.aif import AifFormatError, aif_to_argmap, argmap_to_aif, title_from_text
from claims.formats.argmap import load, validate

REPO = Path(__file__).resolve().parents[2]
AIF_DIR = REPO.parent / "shared" / "testdata" / "aif"
AIF_FILES = sorted(AIF_DIR.glob("*.json"))
SEED_PATH = REPO / "fixtures" / "alignment.argmap.json"


def read_aif(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def expected_counts(data: dict) -> dict:
    """What the file holds, computed straight from the AIF: I-nodes, distinct
    (premise, conclusion) pairs through RA and CA nodes, other node types."""
    types = {str(n["nodeID"]): n["type"] for n in data["nodes"]}
    into: dict[str, set[str]] = {}
    out_of: dict[str, set[str]] = {}
    for edge in data["edges"]:
        source, target = str(edge["fromID"]), str(edge["toID"])
        if types[source] == "I":
            into.setdefault(target, set()).add(source)
        if types[target] == "I":
            out_of.setdefault(source, set()).add(target)
    pairs: dict[str, set[tuple[str, str]]] = {"RA": set(), "CA": set(), "MA": set()}
    for node_id, node_type in types.items():
        if node_type in pairs:
            for premise in into.get(node_id, ()):
                for conclusion in out_of.get(node_id, ()):
                    if premise != conclusion:
                        pairs[node_type].add((premise, conclusion))
    return {
        "I": sum(1 for t in types.values() if t == "I"),
        "supports": {(f"i-{p}", f"i-{c}") for p, c in pairs["RA"]},
        "undermines": {(f"i-{p}", f"i-{c}") for p, c in pairs["CA"]},
        "related": {(f"i-{p}", f"i-{c}") for p, c in pairs["MA"]},
        "other types": Counter(t for t in types.values() if t not in ("I", "RA", "CA", "MA")),
    }


PLAIN_FIELDS = ("source", "target", "kind", "weight")


def plain_edges(doc: dict) -> list[dict]:
    """The edges as version 1 had them (no id, rationale or group)."""
    return [{k: e[k] for k in PLAIN_FIELDS} for e in doc["edges"]]


def edge_pairs(doc: dict, kind: str) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in doc["edges"] if e["kind"] == kind}


def aif(nodes: list, edges: list, **extra) -> dict:
    return {"nodes": nodes, "edges": edges, **extra}


def i_node(node_id, text="A claim."):
    return {"nodeID": node_id, "text": text, "type": "I"}


def s_node(node_id, kind):
    return {"nodeID": node_id, "text": kind, "type": kind}


def link(source, target, edge_id=None):
    return {"edgeID": edge_id or f"{source}>{target}", "fromID": source, "toID": target}


# ------------------------------------------------------------------ the real files


def test_the_shared_aif_test_files_are_there():
    assert len(AIF_FILES) >= 5, f"expected the AIF test files in {AIF_DIR}"


@pytest.mark.parametrize("path", AIF_FILES, ids=lambda p: p.name)
def test_every_aif_test_file_imports_into_a_valid_map(path):
    data = read_aif(path)
    doc, skipped = aif_to_argmap(data, slug="imported")
    validated = validate(doc)
    expected = expected_counts(data)

    assert len(validated["nodes"]) == expected["I"]
    assert all(n["kind"] == "claim" and n["category"] is None for n in validated["nodes"])
    assert edge_pairs(validated, "supports") == expected["supports"]
    assert edge_pairs(validated, "undermines") == expected["undermines"]
    assert edge_pairs(validated, "related") == expected["related"]
    assert len(validated["edges"]) == sum(
        len(expected[k]) for k in ("supports", "undermines", "related")
    )
    for node_type, count in expected["other types"].items():
        assert skipped[node_type] == count
    assert validated["map"] == {
        "slug": "imported",
        "title": "Imported AIF map",
        "description": validated["map"]["description"],
        "visibility": "public",
    }
    assert "AIF" in validated["map"]["description"]


@pytest.mark.parametrize("path", AIF_FILES, ids=lambda p: p.name)
def test_imported_nodes_keep_the_full_text_and_a_short_title(path):
    data = read_aif(path)
    doc, _ = aif_to_argmap(data, slug="imported")
    by_id = {n["id"]: n for n in doc["nodes"]}
    for node in data["nodes"]:
        if node["type"] != "I":
            continue
        imported = by_id[f"i-{node['nodeID']}"]
        assert imported["text"] == node["text"]
        assert 0 < len(imported["title"]) <= 200
        assert imported["title"].rstrip("\u2026").rstrip(".") in " ".join(node["text"].split())


def test_the_shared_files_give_the_known_counts():
    results = {}
    for path in AIF_FILES:
        doc, skipped = aif_to_argmap(read_aif(path), slug="imported")
        kinds = Counter(e["kind"] for e in doc["edges"])
        results[path.name] = (
            len(doc["nodes"]),
            kinds["supports"],
            kinds["undermines"],
            kinds["related"],
            skipped,
        )
    assert results == {
        "arguebuf_6064-original.json": (9, 5, 0, 0, {"L": 16, "TA": 8, "YA": 14}),
        "nodeset10.json": (4, 3, 0, 0, {}),
        "nodeset149.json": (7, 6, 0, 0, {}),
        "nodeset59.json": (4, 2, 1, 0, {}),
        "nodeset80.json": (4, 2, 1, 0, {}),
    }


def test_a_conflict_node_makes_its_source_undermine_its_target():
    doc, _ = aif_to_argmap(read_aif(AIF_DIR / "nodeset59.json"), slug="hunger")
    assert edge_pairs(doc, "undermines") == {("i-614", "i-613")}
    assert edge_pairs(doc, "supports") == {("i-615", "i-613"), ("i-616", "i-613")}


def test_anchoring_edges_from_the_dialogue_layer_are_ignored():
    # In the arguebuf file YA nodes point into RA nodes; only I-nodes are premises.
    doc, skipped = aif_to_argmap(read_aif(AIF_DIR / "arguebuf_6064-original.json"), slug="x")
    assert edge_pairs(doc, "supports") == {
        ("i-29053", "i-29054"),
        ("i-111809", "i-111805"),
        ("i-111809", "i-111816"),
        ("i-111816", "i-29053"),
        ("i-111833", "i-111839"),
    }
    assert "RA (incomplete)" not in skipped


# ------------------------------------------------------------------- import rules


def test_integer_node_ids_are_accepted():
    data = aif([i_node(1), i_node(2), s_node(3, "RA")], [link(1, 3), link(3, 2)])
    doc, skipped = aif_to_argmap(data, slug="ints", title="Integer ids")
    validate(doc)
    assert [n["id"] for n in doc["nodes"]] == ["i-1", "i-2"]
    assert edge_pairs(doc, "supports") == {("i-1", "i-2")}
    assert doc["map"]["title"] == "Integer ids"
    assert skipped == {}


def test_an_ova3_file_wrapping_the_aif_is_unwrapped():
    inner = aif([i_node(1), i_node(2), s_node(3, "CA")], [link(1, 3), link(3, 2)])
    doc, _ = aif_to_argmap({"AIF": inner, "OVA": {"nodes": []}, "text": ""}, slug="ova")
    assert edge_pairs(doc, "undermines") == {("i-1", "i-2")}


def test_every_premise_of_an_inference_supports_its_conclusion():
    data = aif(
        [i_node("a"), i_node("b"), i_node("c"), s_node("r", "RA")],
        [link("a", "r"), link("b", "r"), link("r", "c")],
    )
    doc, _ = aif_to_argmap(data, slug="linked")
    assert edge_pairs(doc, "supports") == {("i-a", "i-c"), ("i-b", "i-c")}


def test_a_rephrase_node_becomes_a_related_edge():
    data = aif([i_node("a"), i_node("b"), s_node("m", "MA")], [link("a", "m"), link("m", "b")])
    doc, _ = aif_to_argmap(data, slug="ma")
    assert plain_edges(doc) == [
        {"source": "i-a", "target": "i-b", "kind": "related", "weight": 1.0}
    ]


def test_dialogue_and_preference_nodes_are_skipped_and_counted_by_type():
    data = aif(
        [
            i_node("a"),
            i_node("b"),
            s_node("p", "PA"),
            {"nodeID": "l", "text": "Bob: a", "type": "L"},
            s_node("y", "YA"),
            s_node("t", "TA"),
            s_node("x", "EN"),
        ],
        [link("a", "p"), link("p", "b"), link("l", "y"), link("y", "a"), link("t", "l")],
    )
    doc, skipped = aif_to_argmap(data, slug="dialogue")
    validate(doc)
    assert doc["edges"] == []
    assert skipped == {"EN": 1, "L": 1, "PA": 1, "TA": 1, "YA": 1}


def test_scheme_nodes_without_premise_or_conclusion_are_counted_as_incomplete():
    data = aif(
        [i_node("a"), i_node("b"), s_node("r1", "RA"), s_node("r2", "RA"), s_node("c", "CA")],
        # r1 has no conclusion, r2 no premise, c undercuts r2 (which makes no edge to undercut)
        [link("a", "r1"), link("r2", "b"), link("a", "c"), link("c", "r2")],
    )
    doc, skipped = aif_to_argmap(data, slug="incomplete")
    validate(doc)
    assert doc["edges"] == []
    assert skipped == {"undercut of an incomplete RA": 1, "RA (incomplete)": 2}


def test_duplicate_edges_are_merged_and_self_loops_dropped():
    data = aif(
        [i_node("a"), i_node("b"), s_node("r1", "RA"), s_node("r2", "RA"), s_node("r3", "RA")],
        [
            link("a", "r1"),
            link("r1", "b"),
            link("a", "r2"),
            link("r2", "b"),
            link("a", "r3", "e5"),
            link("r3", "a", "e6"),
        ],
    )
    doc, skipped = aif_to_argmap(data, slug="dups")
    validate(doc)
    assert plain_edges(doc) == [
        {"source": "i-a", "target": "i-b", "kind": "supports", "weight": 1.0}
    ]
    assert skipped == {"duplicate edge": 1, "self-loop": 1}


def test_node_ids_that_slugify_alike_get_distinct_valid_ids():
    data = aif(
        [i_node("A b"), i_node("a-b"), i_node("日本"), i_node("x" * 150), s_node("r", "RA")],
        [link("A b", "r"), link("r", "a-b")],
    )
    doc, _ = aif_to_argmap(data, slug="slugs")
    validate(doc)
    ids = [n["id"] for n in doc["nodes"]]
    assert len(set(ids)) == 4
    assert all(i.startswith("i-") and len(i) <= 100 for i in ids)
    assert ids[0].startswith("i-a-b-") and ids[1].startswith("i-a-b-")
    again, _ = aif_to_argmap(data, slug="slugs")
    assert [n["id"] for n in again["nodes"]] == ids  # stable


def test_long_and_odd_texts_still_make_a_valid_map():
    long_text = "word " * 5000  # 25,000 characters, one sentence
    data = aif(
        [
            i_node("long", long_text),
            i_node("empty", ""),
            i_node("none", None),
            i_node("control", "Bell\x07 and\x00 nul. Second sentence."),
        ],
        [],
    )
    doc, _ = aif_to_argmap(data, slug="odd")
    validated = validate(doc)
    by_id = {n["id"]: n for n in validated["nodes"]}
    assert len(by_id["i-long"]["title"]) <= 200
    assert by_id["i-long"]["title"].endswith("\u2026")
    assert len(by_id["i-long"]["text"]) <= 20000
    assert by_id["i-empty"]["title"] == "(empty)"
    assert by_id["i-none"]["title"] == "(empty)"
    assert by_id["i-control"]["title"] == "Bell and nul"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("One sentence. Another one.", "One sentence"),
        ("Is it? Yes.", "Is it?"),
        ("First line\nsecond line.", "First line"),
        ("  \n  Leading   blank lines.  ", "Leading blank lines"),
        ("v1.5 is out", "v1.5 is out"),
        ("", "(empty)"),
        ("   ", "(empty)"),
    ],
)
def test_the_title_is_the_first_sentence(text, title):
    assert title_from_text(text) == title


def test_a_long_first_sentence_is_cut_on_a_word_boundary():
    text = " ".join(["alignment"] * 40) + "."
    title = title_from_text(text)
    assert len(title) <= 200
    assert title.endswith("alignment\u2026")


def test_the_title_argument_defaults_and_is_kept_within_bounds():
    data = aif([i_node(1)], [])
    assert aif_to_argmap(data, slug="a")[0]["map"]["title"] == "Imported AIF map"
    assert aif_to_argmap(data, slug="a", title="  ")[0]["map"]["title"] == "Imported AIF map"
    long_title = aif_to_argmap(data, slug="a", title="t " * 300)[0]["map"]["title"]
    assert len(long_title) <= 200


# --------------------------------------------------------------------- malformed


def problems_of(data) -> list[str]:
    with pytest.raises(AifFormatError) as caught:
        aif_to_argmap(data, slug="bad")
    assert str(caught.value) == "\n".join(caught.value.problems)
    assert isinstance(caught.value, ValueError)
    return caught.value.problems


def test_an_edge_to_a_missing_node_is_an_error():
    data = aif([i_node("1"), s_node("2", "RA")], [link("1", "2"), link("2", "17")])
    assert problems_of(data) == ["edges[1].toID: unknown node '17'"]


def test_an_edge_from_a_missing_node_is_an_error():
    data = aif([i_node(1)], [link(99, 1)])
    assert problems_of(data) == ["edges[0].fromID: unknown node '99'"]


def test_nodes_that_are_not_a_list_are_an_error():
    assert problems_of({"nodes": {"1": i_node(1)}, "edges": []}) == [
        "nodes: must be a list, got an object"
    ]


def test_a_node_without_a_type_is_an_error():
    data = aif([i_node("1"), {"nodeID": "2", "text": "RA"}], [])
    assert problems_of(data) == ["nodes[1].type: missing"]


def test_a_top_level_that_is_not_an_object_is_an_error():
    assert problems_of([i_node(1)]) == ["$: expected an object, got a list"]
    assert problems_of({"edges": []}) == ["$: missing the 'nodes' list"]


def test_all_problems_are_reported_at_once():
    data = {
        "nodes": [
            {"text": "no id", "type": "I"},
            {"nodeID": True, "type": "I"},
            {"nodeID": "a", "type": 7, "text": 5},
            i_node("b"),
            i_node("b"),
            "not a node",
        ],
        "edges": [{"fromID": "b"}, {"fromID": "b", "toID": None}, "not an edge"],
    }
    assert problems_of(data) == [
        "nodes[0].nodeID: missing",
        "nodes[1].nodeID: must be a non-empty string or an integer, got a boolean",
        "nodes[2].type: must be a non-empty string, got a number",
        "nodes[2].text: must be a string, got a number",
        "nodes[4].nodeID: duplicate nodeID 'b' (first at nodes[3])",
        "nodes[5]: must be an object, got a string",
        "edges[0].toID: missing",
        "edges[1].toID: must be a non-empty string or an integer, got null",
        "edges[2]: must be an object, got a string",
    ]


def test_edges_that_are_not_a_list_are_an_error():
    assert problems_of({"nodes": [], "edges": "none"}) == ["edges: must be a list, got a string"]


def test_an_empty_file_gives_an_empty_map():
    doc, skipped = aif_to_argmap({"nodes": [], "edges": []}, slug="empty")
    assert validate(doc)["nodes"] == [] and skipped == {}


# ---------------------------------------------------------------------- round trip


SAMPLE = {
    "format": "argmap",
    "version": 1,
    "map": {"slug": "alignment", "title": "Alignment", "description": "Test map."},
    "nodes": [
        {
            "id": "distribution-shift",
            "kind": "frame",
            "category": "outer",
            "title": "Distribution shift",
            "text": "Training and deployment differ.\n\nSecond paragraph: ünïcode, émoji 🙂.",
            "prior": 0.35,
            "sources": [{"document": "004.txt", "locator": "Distribution Shift"}],
        },
        {
            "id": "goal-misgen",
            "kind": "frame",
            "category": "inner",
            "title": "Goal misgeneralisation",
        },
        {"id": "frames-misc", "kind": "frame", "title": "Uncategorised frame", "prior": 0.9},
        {"id": "nah", "kind": "claim", "title": "Natural abstractions", "text": "NAH."},
        {"id": "pointers-problem", "kind": "crux", "title": "Pointers problem", "prior": 0.01},
        {"id": "echo", "kind": "claim", "title": "Echo", "text": "Echo and more"},
    ],
    "edges": [
        {"source": "nah", "target": "pointers-problem", "kind": "supports", "weight": 0.8},
        {"source": "echo", "target": "nah", "kind": "undermines", "weight": 0.25},
        {"source": "goal-misgen", "target": "distribution-shift", "kind": "subframe_of"},
        {"source": "frames-misc", "target": "distribution-shift", "kind": "subframe_of"},
        {"source": "nah", "target": "echo", "kind": "related", "weight": 0.0},
        {"source": "nah", "target": "echo", "kind": "supports", "weight": 1.0},
        {"source": "pointers-problem", "target": "goal-misgen", "kind": "undermines"},
    ],
    "votes": [{"node": "nah", "user": "alice", "credence": 0.7}],
}

NODE_FIELDS = ("id", "kind", "category", "title", "text", "prior")


def comparable(doc: dict) -> tuple[list, list]:
    nodes = sorted(tuple(n[f] for f in NODE_FIELDS) for n in doc["nodes"])
    edges = sorted((e["source"], e["target"] or "", e["kind"], e["weight"]) for e in doc["edges"])
    return nodes, edges


def round_trip(doc: dict) -> tuple[dict, dict]:
    data = json.loads(json.dumps(argmap_to_aif(doc)))  # what a file would hold
    back, skipped = aif_to_argmap(data, slug=doc["map"]["slug"], title=doc["map"]["title"])
    return validate(back), skipped


def test_argmap_to_aif_to_argmap_keeps_nodes_and_edges():
    original = validate(copy.deepcopy(SAMPLE))
    back, skipped = round_trip(original)
    assert comparable(back) == comparable(original)
    assert skipped == {}


@pytest.mark.skipif(not SEED_PATH.exists(), reason="no seed fixture")
def test_the_seed_map_survives_a_round_trip_through_aif():
    original = load(SEED_PATH.read_bytes())
    back, skipped = round_trip(original)
    assert comparable(back) == comparable(original)
    assert skipped == {}


def test_the_export_is_aif_with_one_scheme_node_per_edge():
    original = validate(copy.deepcopy(SAMPLE))
    data = argmap_to_aif(original, credences={"nah": 0.62})
    types = Counter(n["type"] for n in data["nodes"])
    assert types == {"I": 6, "RA": 2, "CA": 2, "MA": 3}
    assert len(data["edges"]) == 2 * 7
    ids = [n["nodeID"] for n in data["nodes"]]
    assert len(set(ids)) == len(ids)
    known = set(ids)
    assert all(e["fromID"] in known and e["toID"] in known for e in data["edges"])
    i_nodes = {n["argmap"]["id"]: n for n in data["nodes"] if n["type"] == "I"}
    assert i_nodes["nah"]["argmap"]["credence"] == 0.62
    assert "credence" not in i_nodes["echo"]["argmap"]
    assert i_nodes["distribution-shift"]["text"].startswith("Distribution shift\n\nTraining")
    assert i_nodes["goal-misgen"]["text"] == "Goal misgeneralisation"
    assert i_nodes["echo"]["text"] == "Echo and more"  # the text already starts with the title
    s_kinds = Counter(n["argmap"]["kind"] for n in data["nodes"] if n["type"] != "I")
    assert s_kinds == {"supports": 2, "undermines": 2, "subframe_of": 2, "related": 1}
    assert data["locutions"] == []
    assert argmap_to_aif(original, credences={"nah": 0.62}) == data  # deterministic


def test_an_export_read_without_the_extension_keeps_the_argument_structure():
    original = validate(copy.deepcopy(SAMPLE))
    data = argmap_to_aif(original)
    original_id = {}
    for node in data["nodes"]:
        ext = node.pop("argmap")
        if node["type"] == "I":
            original_id[f"i-{node['nodeID']}"] = ext["id"]
    back, skipped = aif_to_argmap(data, slug="plain")
    back = validate(back)
    assert skipped == {}
    assert all(n["kind"] == "claim" for n in back["nodes"])
    titles = {original_id[n["id"]]: n["title"] for n in back["nodes"]}
    assert titles["distribution-shift"] == "Distribution shift"
    assert titles["echo"] == "Echo and more"
    renamed = {
        (original_id[e["source"]], original_id[e["target"]], e["kind"]) for e in back["edges"]
    }
    assert renamed == {
        ("nah", "pointers-problem", "supports"),
        ("echo", "nah", "undermines"),
        ("goal-misgen", "distribution-shift", "related"),
        ("frames-misc", "distribution-shift", "related"),
        ("nah", "echo", "related"),
        ("nah", "echo", "supports"),
        ("pointers-problem", "goal-misgen", "undermines"),
    }


def test_unusable_extension_values_fall_back_and_are_counted():
    data = aif(
        [
            {**i_node("1"), "argmap": {"id": "Bad Id!", "kind": "frame", "prior": 2}},
            {**i_node("2"), "argmap": {"id": "ok", "kind": "claim", "category": "outer"}},
            {**i_node("3"), "argmap": {"id": "ok", "title": "  "}},
            {**s_node("4", "MA"), "argmap": {"kind": "subframe_of", "weight": 0.5}},
            {**s_node("5", "RA"), "argmap": {"kind": "undermines", "weight": 7}},
        ],
        [link("1", "4"), link("4", "2"), link("3", "5"), link("5", "2")],
    )
    doc, skipped = aif_to_argmap(data, slug="ext")
    validated = validate(doc)
    by_id = {n["id"]: n for n in validated["nodes"]}
    assert by_id["i-1"]["kind"] == "frame" and by_id["i-1"]["prior"] == 0.5
    assert by_id["ok"]["category"] is None
    assert "i-3" in by_id
    # subframe_of between a frame and a claim cannot stand: related instead
    assert comparable(validated)[1] == [
        ("i-1", "ok", "related", 0.5),
        ("i-3", "ok", "supports", 1.0),
    ]
    assert skipped == {"argmap extension (invalid)": 5}  # one per AIF node


def test_a_subframe_cycle_in_the_extension_is_broken():
    frame = {"kind": "frame"}
    data = aif(
        [
            {**i_node("a"), "argmap": {"id": "a", **frame}},
            {**i_node("b"), "argmap": {"id": "b", **frame}},
            {**s_node("m1", "MA"), "argmap": {"kind": "subframe_of"}},
            {**s_node("m2", "MA"), "argmap": {"kind": "subframe_of"}},
        ],
        [link("a", "m1"), link("m1", "b"), link("b", "m2"), link("m2", "a")],
    )
    doc, skipped = aif_to_argmap(data, slug="cycle")
    validate(doc)
    assert sorted((e["source"], e["target"], e["kind"]) for e in doc["edges"]) == [
        ("a", "b", "subframe_of"),
        ("b", "a", "related"),
    ]
    assert skipped == {"argmap extension (invalid)": 1}
