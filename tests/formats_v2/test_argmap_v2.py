"""argmap JSON v2: edge ids, rationales, sources, linked groups, undercuts and edge votes
(no database). Version 1 keeps its own tests in tests/formats/test_argmap_format.py."""

import copy
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from claims.edge_keys import default_edge_key
from claims.formats import argmap
from claims.formats.argmap import ArgmapFormatError, dump_chunks, dumps, load, load_schema, validate
from tests.formats_v2.samples import linked


def problems_of(doc) -> list[str]:
    with pytest.raises(ArgmapFormatError) as caught:
        validate(doc)
    return caught.value.problems


def only_problem(doc) -> str:
    found = problems_of(doc)
    assert len(found) == 1, found
    return found[0]


def edge(doc, edge_id):
    return next(e for e in doc["edges"] if argmap.edge_id(e) == edge_id)


# ------------------------------------------------------------------ reading version 2


def test_a_version_2_document_is_normalised_with_every_field():
    result = validate(linked())
    assert result["version"] == 2
    assert edge(result, "g1-b") == {
        "id": "g1-b",
        "source": "p2",
        "target": "frame",
        "target_edge": None,
        "kind": "supports",
        "weight": 0.6,
        "rationale": "",
        "sources": [],
        "group": "g1",
    }
    assert edge(result, "cut") == {
        "id": "cut",
        "source": "u",
        "target": None,
        "target_edge": "g1-a",
        "kind": "undercuts",
        "weight": 0.4,
        "rationale": "The inference fails when u holds.",
        "sources": [{"document": "003 Alignment", "locator": "footnote 34", "quote": ""}],
        "group": None,
    }
    # An edge without an id gets the default one, undercuts included.
    assert edge(result, "q1--undermines--frame")["group"] == "g2"
    assert edge(result, "u--undercuts--x--supports--frame")["target_edge"] == ("x--supports--frame")
    assert result["edge_votes"][1] == {"edge": "g1-a", "user": "bob", "strength": 1.0}
    assert isinstance(result["edge_votes"][1]["strength"], float)


def test_validating_a_normalised_document_again_changes_nothing():
    once = validate(linked())
    assert validate(copy.deepcopy(once)) == once


def test_null_target_on_an_undercut_and_null_target_edge_elsewhere_mean_absent():
    doc = linked()
    edge(doc, "cut")["target"] = None
    edge(doc, "g1-b")["target_edge"] = None
    assert validate(doc) == validate(linked())


def test_strengths_of_zero_and_one_are_allowed():
    doc = linked()
    doc["edge_votes"][0]["strength"] = 0
    doc["edge_votes"][1]["strength"] = 1.0
    assert [v["strength"] for v in validate(doc)["edge_votes"][:2]] == [0.0, 1.0]


def test_a_version_1_file_reads_unchanged_with_default_edge_ids():
    doc = {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "old", "title": "Old"},
        "nodes": [
            {"id": "a", "kind": "claim", "title": "A"},
            {"id": "b", "kind": "frame", "title": "B"},
        ],
        "edges": [{"source": "a", "target": "b", "kind": "supports", "weight": 0.5}],
        "votes": [{"node": "a", "user": "alice", "credence": 0.4}],
        "ranking": "an unknown top-level key, ignored as before",
    }
    result = validate(doc)
    assert result["version"] == 2
    assert result["edges"] == [
        {
            "id": "a--supports--b",
            "source": "a",
            "target": "b",
            "target_edge": None,
            "kind": "supports",
            "weight": 0.5,
            "rationale": "",
            "sources": [],
            "group": None,
        }
    ]
    assert result["edge_votes"] == []
    assert "ranking" not in result


def test_long_default_ids_are_shortened_like_the_database_does():
    long_a, long_b = "a" * 90, "b" * 90
    doc = {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "long", "title": "Long"},
        "nodes": [
            {"id": long_a, "kind": "claim", "title": "A"},
            {"id": long_b, "kind": "claim", "title": "B"},
        ],
        "edges": [{"source": long_a, "target": long_b, "kind": "undermines"}],
    }
    (only,) = validate(doc)["edges"]
    assert only["id"] == default_edge_key(long_a, "undermines", long_b)
    assert len(only["id"]) <= 100


# ------------------------------------------------------------------------- writing


def test_every_export_is_version_2_with_every_field():
    out = json.loads(dumps(linked()))
    assert out["version"] == 2
    assert list(out) == sorted(out) and list(out)[0] == "edge_votes"
    assert [e["id"] for e in out["edges"]] == sorted(e["id"] for e in out["edges"])
    for item in out["edges"]:
        common = {"group", "id", "kind", "rationale", "source", "sources", "weight"}
        end = {"target_edge"} if item["kind"] == "undercuts" else {"target"}
        assert set(item) == common | end, item
    assert [(v["edge"], v["user"]) for v in out["edge_votes"]] == sorted(
        (v["edge"], v["user"]) for v in out["edge_votes"]
    )
    lone = next(e for e in out["edges"] if e["id"] == "x--supports--frame")
    assert lone["group"] is None and lone["sources"] == [] and lone["rationale"] == "On its own."


def test_dumps_is_json_dumps_of_the_canonical_structure():
    normal = validate(linked())
    expected = copy.deepcopy(normal)
    expected["nodes"].sort(key=lambda n: n["id"])
    expected["edges"].sort(key=lambda e: e["id"])
    expected["votes"].sort(key=lambda v: (v["node"], v["user"]))
    expected["edge_votes"].sort(key=lambda v: (v["edge"], v["user"]))
    for item in expected["nodes"]:
        if item["kind"] != "frame":
            del item["category"]
    for item in expected["edges"]:
        del item["target" if item["kind"] == "undercuts" else "target_edge"]
    reference = json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert dumps(normal) == reference.encode("utf-8")


def test_the_canonical_form_is_a_fixed_point_whatever_the_input_order():
    first = dumps(linked())
    assert dumps(load(first)) == first
    shuffled = validate(linked())
    for section in ("nodes", "edges", "votes", "edge_votes"):
        shuffled[section].reverse()
    assert dumps(shuffled) == first


def test_dump_chunks_writes_the_same_bytes_as_dumps_edge_votes_included():
    doc = load(dumps(linked()))
    for size in (1, 200, 1 << 20):
        pieces = dump_chunks(
            map=doc["map"],
            nodes=doc["nodes"],
            edges=doc["edges"],
            votes=doc["votes"],
            edge_votes=doc["edge_votes"],
            chunk_chars=size,
        )
        assert b"".join(pieces) == dumps(doc)
    with pytest.raises(ValueError, match="out of canonical order"):
        b"".join(
            dump_chunks(map=doc["map"], nodes=[], edges=[], edge_votes=reversed(doc["edge_votes"]))
        )


# -------------------------------------------------------------------------- schema


def test_the_v2_schema_is_a_valid_2020_12_schema_that_the_documents_pass():
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://argmap.invalid/schemas/argmap-v2.json"
    assert argmap.SCHEMA_PATH.name == "argmap-v2.schema.json"
    Draft202012Validator(schema).validate(json.loads(dumps(linked())))
    Draft202012Validator(schema).validate(linked())


def test_the_module_constants_agree_with_the_v2_schema():
    schema = load_schema(2)
    props, defs = schema["properties"], schema["$defs"]
    assert props["version"]["const"] == argmap.FORMAT_VERSION == 2
    assert argmap.READ_VERSIONS == (1, 2)
    assert props["edge_votes"]["maxItems"] == argmap.MAX_EDGE_VOTES == 2_000_000
    assert props["edges"]["maxItems"] == argmap.MAX_EDGES
    edge_props = defs["edge"]["properties"]
    assert edge_props["rationale"]["maxLength"] == argmap.MAX_RATIONALE_CHARS == 2000
    assert edge_props["rationale"]["default"] == argmap.DEFAULT_RATIONALE
    assert edge_props["group"]["default"] == argmap.DEFAULT_GROUP
    assert edge_props["weight"]["default"] == argmap.DEFAULT_WEIGHT
    assert edge_props["sources"]["maxItems"] == 50
    assert edge_props["kind"]["enum"][-1] == "undercuts"
    v1 = load_schema(1)["$defs"]
    # Moderation and merges (issues 16, 17) add optional node fields in v2 only.
    v2_only = {"node": {"hidden", "hidden_reason", "merged_into"}}
    for name in ("map", "node", "vote", "username", "title", "safeText", "key", "source"):
        # v2 only adds to v1: the same rules (descriptions aside)
        v2 = {k: v for k, v in defs[name].items() if k != "description"}
        extra = v2_only.get(name, set())
        if "properties" in v2:
            assert set(v2["properties"]) - set(v1[name]["properties"]) <= extra
            v2["properties"] = {k: v for k, v in v2["properties"].items() if k not in extra}
        assert v2 == {k: v for k, v in v1[name].items() if k != "description"}
    assert defs["edgeVote"]["additionalProperties"] is False


def _reference(name: str) -> Draft202012Validator:
    schema = load_schema(2)
    return Draft202012Validator({"$defs": schema["$defs"], **schema["properties"][name]["items"]})


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 0.5, 1.5, 2, "", "a", "b", "A!", "x\n", "supports", "undercuts"]),
    st.sampled_from(["related", "undermines", "g", "alice", "bob smith", "\ud800", "x" * 2001]),
    st.text(max_size=4),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=2), max_leaves=4)
FIELDS = [
    "id", "source", "target", "target_edge", "kind", "weight", "rationale", "sources",
    "group", "edge", "user", "strength", "extra",
]  # fmt: skip
VALID = {
    "edges": {
        "id": "e", "source": "a", "target": "b", "kind": "supports", "weight": 0.5,
        "rationale": "why", "sources": [{"document": "d"}], "group": "g",
    },
    "edge_votes": {"edge": "e", "user": "alice", "strength": 0.5},
}  # fmt: skip
UNDERCUT = {"source": "a", "target_edge": "e", "kind": "undercuts"}


@pytest.mark.parametrize("name", ["edges", "edge_votes"])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_fast_validator_agrees_with_jsonschema_on_v2_items(name, data):
    base = data.draw(st.sampled_from([VALID[name], UNDERCUT] if name == "edges" else [VALID[name]]))
    item = data.draw(
        st.builds(
            lambda drop, changes: {
                **{k: v for k, v in base.items() if k not in drop},
                **changes,
            },
            st.sets(st.sampled_from(sorted(base))),
            st.dictionaries(st.sampled_from(FIELDS), values, max_size=3),
        )
        | values
    )
    assert (not argmap.schema.item_problems(name, item)) == _reference(name).is_valid(item)


# ------------------------------------------------------------------- field problems


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda d: edge(d, "cut").update(target="frame"),
            "edges[6].target: an undercuts edge has no target node: it names the edge it "
            "attacks in target_edge",
            id="undercut with a target",
        ),
        pytest.param(
            lambda d: edge(d, "cut").pop("target_edge"),
            "edges[6].target_edge: required field is missing",
            id="undercut without target_edge",
        ),
        pytest.param(
            lambda d: edge(d, "g1-b").update(target_edge="g1-a"),
            "edges[1].target_edge: only an undercuts edge has a target_edge",
            id="target_edge on a supports edge",
        ),
        pytest.param(
            lambda d: edge(d, "x--supports--frame").update(target=None),
            "edges[4].target: needs a target node (only an undercuts edge has none)",
            id="supports edge without target",
        ),
        pytest.param(
            lambda d: edge(d, "g1-a").update(rationale="x" * 2001),
            "edges[0].rationale: is too long (2001 characters, maximum 2000)",
            id="rationale over 2000",
        ),
        pytest.param(
            lambda d: edge(d, "g1-a").update(rationale="tab\tok but NUL \x00 is not"),
            "edges[0].rationale: contains a control character (only tab, newline and carriage "
            "return are allowed) or an unpaired surrogate (U+0000 at offset 15)",
            id="control character in a rationale",
        ),
        pytest.param(
            lambda d: edge(d, "g1-a").update(sources=[{"document": ""}]),
            "edges[0].sources[0].document: must not be empty",
            id="empty source document",
        ),
        pytest.param(
            lambda d: edge(d, "g1-a").update(sources=[{"document": "d"}] * 51),
            "edges[0].sources: has too many items (51, maximum 50)",
            id="too many sources",
        ),
        pytest.param(
            lambda d: edge(d, "g1-a").update(id="Not An Id"),
            "edges[0].id: 'Not An Id' is not a valid id (1-100 characters: a-z, 0-9, '-' or "
            "'_', starting with a letter or digit)",
            id="bad edge id",
        ),
        pytest.param(
            lambda d: d["edge_votes"][0].update(strength=1.5),
            "edge_votes[0].strength: 1.5 is out of range (must be from 0 to 1)",
            id="strength above 1",
        ),
        pytest.param(
            lambda d: d["edge_votes"][0].update(strength=-0.1),
            "edge_votes[0].strength: -0.1 is out of range (must be from 0 to 1)",
            id="negative strength",
        ),
        pytest.param(
            lambda d: d["edge_votes"][0].update(strength="0.5"),
            "edge_votes[0].strength: expected number, got string '0.5'",
            id="strength as a string",
        ),
        pytest.param(
            lambda d: d["edge_votes"][0].update(strength=True),
            "edge_votes[0].strength: expected number, got boolean true",
            id="strength as a boolean",
        ),
        pytest.param(
            lambda d: d["edge_votes"][0].update(weight=0.5),
            "edge_votes[0].weight: unknown key (allowed: edge, user, strength)",
            id="unknown key in an edge vote",
        ),
        pytest.param(
            lambda d: d.update(version=3),
            "version: unsupported version 3 (this reader understands versions 1 and 2)",
            id="version 3",
        ),
    ],
)
def test_a_bad_v2_field_is_named_at_its_path(mutate, expected):
    doc = linked()
    mutate(doc)
    assert only_problem(doc) == expected


# --------------------------------------------------------------------- graph rules


def test_duplicate_edge_ids_are_refused_given_or_default():
    doc = linked()
    edge(doc, "g1-b")["id"] = "g1-a"
    assert only_problem(doc) == "edges[1].id: duplicate edge id 'g1-a' (first at edges[0])"
    doc = linked()
    edge(doc, "g1-b")["id"] = "x--supports--frame"
    assert only_problem(doc) == (
        "edges[4]: duplicate edge id 'x--supports--frame' (this edge's default id; first at "
        "edges[1])"
    )


def test_an_undercut_of_a_missing_edge_is_refused():
    doc = linked()
    edge(doc, "cut")["target_edge"] = "no-such-edge"
    assert only_problem(doc) == "edges[6].target_edge: unknown edge 'no-such-edge'"


def test_only_supports_and_undermines_edges_can_be_undercut():
    doc = linked()
    edge(doc, "cut")["target_edge"] = "x--related--p1"
    assert only_problem(doc) == (
        "edges[6].target_edge: 'x--related--p1' is a 'related' edge: only supports and "
        "undermines edges can be undercut"
    )
    doc = linked()
    edge(doc, "cut")["target_edge"] = "w--undercuts--q1--undermines--frame"
    assert only_problem(doc) == (
        "edges[6].target_edge: 'w--undercuts--q1--undermines--frame' is a 'undercuts' edge: "
        "only supports and undermines edges can be undercut"
    )


def test_one_undercut_per_source_and_attacked_edge():
    doc = linked()
    doc["edges"].append(
        {"id": "cut-again", "source": "u", "target_edge": "g1-a", "kind": "undercuts"}
    )
    assert only_problem(doc) == (
        "edges[9]: duplicate undercut: u already undercuts g1-a (first at edges[6])"
    )


def test_an_undercut_from_an_unknown_node_is_refused():
    doc = linked()
    edge(doc, "cut")["source"] = "nobody"
    assert only_problem(doc) == "edges[6].source: unknown node 'nobody'"


def test_a_group_must_share_target_and_kind():
    doc = linked()
    edge(doc, "g1-b")["kind"] = "undermines"
    assert only_problem(doc) == (
        "edges[1].group: group 'g1' mixes targets or kinds: this edge is p2 -> frame "
        "(undermines), the group's first (edges[0]) is p1 -> frame (supports)"
    )
    doc = linked()
    edge(doc, "g1-b")["target"] = "x"
    assert only_problem(doc) == (
        "edges[1].group: group 'g1' mixes targets or kinds: this edge is p2 -> x "
        "(supports), the group's first (edges[0]) is p1 -> frame (supports)"
    )


def test_a_group_of_one_edge_is_refused():
    doc = linked()
    edge(doc, "g1-b")["group"] = None
    assert only_problem(doc) == (
        "edges[0].group: group 'g1' has only this edge: a linked group needs at least two "
        "premises (use null for an edge on its own)"
    )


def test_groups_are_for_supports_and_undermines_edges_only():
    doc = linked()
    edge(doc, "x--related--p1")["group"] = "g3"
    edge(doc, "cut")["group"] = "g3"
    assert problems_of(doc) == [
        "edges[5].group: only supports and undermines edges can be in a group (this is a "
        "related edge)",
        "edges[6].group: only supports and undermines edges can be in a group (this is a "
        "undercuts edge)",
    ]


def test_a_cycle_through_undercuts_is_refused_and_named():
    doc = linked()
    # frame -> x, and x undercuts-supports frame: u -> frame, frame -> ... -> u closes it.
    doc["edges"].append({"source": "frame", "target": "u", "kind": "supports"})
    assert problems_of(doc) == [
        "edges[6]: undercut u on g1-a would close a cycle: frame -> u",
        "edges[8]: undercut u on x--supports--frame would close a cycle: frame -> u",
    ]


def test_a_cycle_through_two_undercuts_is_refused():
    doc = linked()
    doc["edges"] += [
        {"source": "p2", "target": "u", "kind": "supports"},
        # u undercuts p2 -> u ... no: w undercuts p2 -> u and u undercuts a w edge
        {"source": "x", "target": "w", "kind": "supports"},
        {"id": "u-on-x-w", "source": "u", "target_edge": "x--supports--w", "kind": "undercuts"},
        {"id": "w-on-p2-u", "source": "w", "target_edge": "p2--supports--u", "kind": "undercuts"},
    ]
    found = problems_of(doc)
    assert "edges[11]: undercut u on x--supports--w would close a cycle: w -> u" in found
    assert "edges[12]: undercut w on p2--supports--u would close a cycle: u -> w" in found


def test_an_undercut_by_the_attacked_edges_own_target_is_a_cycle():
    doc = linked()
    edge(doc, "cut")["source"] = "frame"
    assert (
        only_problem(doc) == "edges[6]: undercut frame on g1-a would close a cycle: frame -> frame"
    )


def test_supports_cycles_without_undercuts_are_still_allowed():
    doc = linked()
    doc["edges"] += [
        {"source": "frame", "target": "p1", "kind": "supports"},
        {"source": "p1", "target": "p2", "kind": "undermines"},
    ]
    assert len(validate(doc)["edges"]) == 11


def test_edge_votes_name_existing_edges_once_per_user():
    doc = linked()
    doc["edge_votes"] += [
        {"edge": "nope", "user": "alice", "strength": 0.5},
        {"edge": "cut", "user": "alice", "strength": 0.9},
    ]
    assert problems_of(doc) == [
        "edge_votes[4].edge: unknown edge 'nope'",
        "edge_votes[5]: duplicate edge vote by 'alice' on 'cut' (first at edge_votes[0])",
    ]


def test_every_v2_problem_is_listed_together_fields_first():
    doc = linked()
    edge(doc, "g1-a")["rationale"] = "x" * 2001
    edge(doc, "cut")["target_edge"] = "missing"
    doc["edge_votes"][0]["strength"] = 2
    edge(doc, "g1-b")["group"] = None
    assert problems_of(doc) == [
        "edges[0].rationale: is too long (2001 characters, maximum 2000)",
        "edge_votes[0].strength: 2 is out of range (must be from 0 to 1)",
        "edges[0].group: group 'g1' has only this edge: a linked group needs at least two "
        "premises (use null for an edge on its own)",
        "edges[6].target_edge: unknown edge 'missing'",
    ]


# ---------------------------------------------------------- v2 fields in a v1 file


def test_version_2_fields_in_a_version_1_file_are_named_as_such():
    doc = linked()
    doc["version"] = 1
    found = problems_of(doc)
    hint = 'is a version 2 field: declare "version": 2 to use it)'
    assert f"edges[0].id: unknown key in a version 1 file ('id' {hint}" in found
    assert f"edges[0].rationale: unknown key in a version 1 file ('rationale' {hint}" in found
    assert f"edges[0].sources: unknown key in a version 1 file ('sources' {hint}" in found
    assert f"edges[0].group: unknown key in a version 1 file ('group' {hint}" in found
    assert f"edges[6].target_edge: unknown key in a version 1 file ('target_edge' {hint}" in found
    assert (
        "edges[6].kind: 'undercuts' is a version 2 kind: declare \"version\": 2 to use it" in found
    )
    assert (
        'edge_votes: a version 2 section in a version 1 file (declare "version": 2 to use it)'
        in found
    )


# ----------------------------------------------------------------- generated maps


ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,8}", fullmatch=True)


@st.composite
def v2_documents(draw) -> dict:
    node_ids = draw(st.lists(ids, min_size=2, max_size=7, unique=True))
    nodes = [{"id": n, "kind": draw(st.sampled_from(["claim", "crux"])), "title": n.upper()}
             for n in node_ids]  # fmt: skip
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(node_ids),
                st.sampled_from(node_ids),
                st.sampled_from(["supports", "undermines", "related"]),
            ),
            unique=True,
            max_size=10,
        )
    )
    edges = []
    for source, target, kind in pairs:
        if source == target:
            continue
        item = {"source": source, "target": target, "kind": kind,
                "weight": draw(st.floats(0, 1)), "rationale": draw(st.text(max_size=8)
                .filter(lambda t: t.isprintable()))}  # fmt: skip
        if draw(st.booleans()):
            item["id"] = f"e-{len(edges)}"
        edges.append(item)
    # Pair up same-target same-kind argument edges into groups.
    seen: dict[tuple, dict] = {}
    for n, item in enumerate(edges):
        if item["kind"] == "related":
            continue
        key = (item["target"], item["kind"])
        if key in seen and draw(st.booleans()):
            seen.pop(key)["group"] = item["group"] = f"g{n}"
        else:
            seen[key] = item
    arguments = [e for e in edges if e["kind"] != "related"]
    undercuts = []
    if arguments:
        for source in draw(st.lists(st.sampled_from(node_ids), max_size=3, unique=True)):
            attacked = draw(st.sampled_from(arguments))
            attacked_id = attacked.get("id") or default_edge_key(
                attacked["source"], attacked["kind"], attacked["target"]
            )
            undercuts.append({"source": source, "target_edge": attacked_id, "kind": "undercuts"})
    doc = {
        "format": "argmap",
        "version": 2,
        "map": {"slug": "gen", "title": "Generated"},
        "nodes": nodes,
        "edges": edges + undercuts,
        "edge_votes": [],
    }
    doc["edge_votes"] = [
        {"edge": (e.get("id") or argmap.edge_id(e)), "user": "u1", "strength": 0.5}
        for e in doc["edges"][:3]
    ]
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v2_documents())
def test_the_canonical_form_of_any_valid_v2_map_is_a_fixed_point(doc):
    try:
        normal = validate(doc)
    except ArgmapFormatError as exc:  # an undercut closing a cycle, say: refused, and named
        assert all(": " in problem for problem in exc.problems)
        return
    canonical = dumps(normal)
    assert dumps(load(canonical)) == canonical
    assert load(canonical) == load(dumps(load(canonical)))


def test_a_large_v2_map_with_groups_and_undercuts_validates_quickly():
    n = 20_000
    nodes = [{"id": f"n{i}", "kind": "claim", "title": f"Node {i}"} for i in range(n)]
    edges = []
    for i in range(0, n - 2, 2):
        edges.append({"source": f"n{i}", "target": f"n{i + 2}", "kind": "supports",
                      "group": f"g{i}", "rationale": "Linked."})  # fmt: skip
        edges.append({"source": f"n{i + 1}", "target": f"n{i + 2}", "kind": "supports",
                      "group": f"g{i}"})  # fmt: skip
    for i in range(0, n - 4, 4):
        edges.append({"source": f"n{i + 3}", "kind": "undercuts",
                      "target_edge": f"n{i}--supports--n{i + 2}"})  # fmt: skip
    doc = {"format": "argmap", "version": 2, "map": {"slug": "big", "title": "Big"},
           "nodes": nodes, "edges": edges}  # fmt: skip
    data = dumps(doc)
    start = time.perf_counter()
    result = load(data)
    elapsed = time.perf_counter() - start
    assert len(result["edges"]) == len(edges)
    assert elapsed < 10, elapsed
