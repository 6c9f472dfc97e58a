"""argmap JSON v1 read, written as v2: parsing, validation, normalisation and canonical output.

Version 2 (edge ids, rationales, sources, groups, undercuts, edge votes) has its own tests
in tests/formats_v2; these keep checking that version-1 files read as they always did.
"""

import copy
import json
import math
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from claims.formats import argmap
from claims.formats.argmap import ArgmapFormatError, dumps, load, load_schema, parse, validate


def minimal_doc() -> dict:
    return {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "alignment", "title": "AI alignment"},
        "nodes": [
            {"id": "distribution-shift", "kind": "frame", "category": "outer", "title": "DS"},
            {"id": "pointers-problem", "kind": "frame", "title": "Pointers problem"},
            {"id": "nah", "kind": "claim", "title": "Natural abstractions"},
            {"id": "crux-1", "kind": "crux", "title": "Does NAH hold?"},
        ],
        "edges": [
            {"source": "nah", "target": "pointers-problem", "kind": "supports", "weight": 0.8},
            {"source": "pointers-problem", "target": "distribution-shift", "kind": "subframe_of"},
        ],
        "votes": [{"node": "nah", "user": "alice", "credence": 0.7}],
    }


def problems_of(doc_or_data) -> list[str]:
    with pytest.raises(ArgmapFormatError) as caught:
        if isinstance(doc_or_data, bytes | str):
            load(doc_or_data)
        else:
            validate(doc_or_data)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def only_problem(doc_or_data) -> str:
    found = problems_of(doc_or_data)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ valid documents


def test_valid_document_is_normalised_with_every_default():
    doc = minimal_doc()
    doc["map"]["title"] = "  AI alignment \n"
    doc["nodes"][0]["sources"] = [{"document": "004_0cb1fd98b658d8c9.txt"}]
    result = validate(doc)
    assert result["format"] == "argmap" and result["version"] == 2  # read as v1, kept as v2
    assert result["map"] == {
        "slug": "alignment",
        "title": "AI alignment",
        "description": "",
        "visibility": "public",
    }
    assert result["nodes"][0] == {
        "id": "distribution-shift",
        "kind": "frame",
        "category": "outer",
        "title": "DS",
        "text": "",
        "prior": 0.5,
        "sources": [{"document": "004_0cb1fd98b658d8c9.txt", "locator": "", "quote": ""}],
    }
    assert result["nodes"][1]["category"] is None  # a frame may have no category
    assert result["nodes"][2]["category"] is None
    assert result["edges"][1]["weight"] == 1.0
    assert isinstance(result["edges"][1]["weight"], float)
    assert result["edges"][0] == {
        "id": "nah--supports--pointers-problem",
        "source": "nah",
        "target": "pointers-problem",
        "target_edge": None,
        "kind": "supports",
        "weight": 0.8,
        "rationale": "",
        "sources": [],
        "group": None,
    }
    assert result["votes"] == [{"node": "nah", "user": "alice", "credence": 0.7}]
    assert result["edge_votes"] == []


def test_validate_does_not_modify_its_argument():
    doc = minimal_doc()
    before = copy.deepcopy(doc)
    validate(doc)
    assert doc == before


def test_votes_are_optional():
    doc = minimal_doc()
    del doc["votes"]
    assert validate(doc)["votes"] == []


def test_unknown_top_level_key_is_ignored_and_dropped():
    doc = minimal_doc()
    doc["ranking"] = {"whatever": [1, 2, {"deep": None}]}
    result = validate(doc)
    assert "ranking" not in result
    assert set(result) == {"format", "version", "map", "nodes", "edges", "votes", "edge_votes"}


def test_supports_undermines_and_related_may_form_cycles():
    doc = minimal_doc()
    doc["edges"] += [
        {"source": "pointers-problem", "target": "nah", "kind": "supports"},
        {"source": "nah", "target": "crux-1", "kind": "undermines"},
        {"source": "crux-1", "target": "nah", "kind": "undermines"},
        {"source": "crux-1", "target": "nah", "kind": "related"},
    ]
    assert len(validate(doc)["edges"]) == 6


def test_load_parses_and_validates_bytes_and_str():
    data = json.dumps(minimal_doc())
    assert load(data) == load(data.encode()) == validate(minimal_doc())


def test_a_leading_byte_order_mark_is_ignored():
    data = "\ufeff" + json.dumps(minimal_doc())
    assert load(data.encode("utf-8"))["map"]["slug"] == "alignment"


def test_tab_newline_and_carriage_return_are_allowed_in_text():
    doc = minimal_doc()
    doc["nodes"][2]["text"] = "one\ttwo\r\nthree\n"
    assert validate(doc)["nodes"][2]["text"] == "one\ttwo\r\nthree\n"


def test_unicode_usernames_are_accepted_like_django_does():
    doc = minimal_doc()
    doc["votes"][0]["user"] = "zoë.b+test@example-1_x"
    assert validate(doc)["votes"][0]["user"] == "zoë.b+test@example-1_x"


# ----------------------------------------------------------------------- bad fields


def _set(path, value):
    """A mutation setting doc[path...] = value."""

    def mutate(doc):
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path):
    def mutate(doc):
        target = doc
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


BAD_FIELDS = [
    # (case, mutation, the one expected problem)
    (
        "bad kind",
        _set(["nodes", 2, "kind"], "frme"),
        "nodes[2].kind: 'frme' is not one of ['frame', 'claim', 'crux']",
    ),
    (
        "credence above range",
        _set(["votes", 0, "credence"], 1.5),
        "votes[0].credence: 1.5 is out of range (must be from 0.01 to 0.99)",
    ),
    (
        "negative weight",
        _set(["edges", 0, "weight"], -1),
        "edges[0].weight: -1 is out of range (must be from 0 to 1)",
    ),
    (
        "prior as a string",
        _set(["nodes", 0, "prior"], "0.5"),
        "nodes[0].prior: expected number, got string '0.5'",
    ),
    (
        "title as a number",
        _set(["nodes", 1, "title"], 5),
        "nodes[1].title: expected string, got integer 5",
    ),
    ("nodes as an object", _set(["nodes"], {"a": {}}), "nodes: expected array, got object"),
    (
        "boolean as a number",
        _set(["nodes", 0, "prior"], True),
        "nodes[0].prior: expected number, got boolean true",
    ),
    (
        "boolean weight",
        _set(["edges", 0, "weight"], False),
        "edges[0].weight: expected number, got boolean false",
    ),
    (
        "category on a claim",
        _set(["nodes", 2, "category"], "outer"),
        "nodes[2].category: only frames have a category; use null or leave it out",
    ),
    (
        "bad category",
        _set(["nodes", 0, "category"], "middle"),
        "nodes[0].category: 'middle' is not one of ['outer', 'inner', 'other', null]",
    ),
    (
        "unknown key inside a node",
        _set(["nodes", 1, "colour"], "red"),
        "nodes[1].colour: unknown key (allowed: id, kind, category, title, text, prior, sources)",
    ),
    (
        "unknown key inside a vote",
        lambda d: d["votes"][0].update(nod=d["votes"][0].pop("node")),
        None,  # two problems, checked below
    ),
    (
        "unknown key inside the map",
        _set(["map", "owner"], "alice"),
        "map.owner: unknown key (allowed: slug, title, description, visibility)",
    ),
    (
        "unknown key inside a source",
        _set(["nodes", 0, "sources"], [{"document": "d.txt", "page": 3}]),
        "nodes[0].sources[0].page: unknown key (allowed: document, locator, quote)",
    ),
    (
        "missing title",
        _delete(["nodes", 3, "title"]),
        "nodes[3].title: required field is missing",
    ),
    ("blank title", _set(["nodes", 3, "title"], " \t "), "nodes[3].title: must not be blank"),
    ("empty map title", _set(["map", "title"], ""), "map.title: must not be blank"),
    (
        "control character",
        _set(["nodes", 2, "text"], "a\x00b"),
        "nodes[2].text: contains a control character (only tab, newline and carriage return "
        "are allowed) or an unpaired surrogate (U+0000 at offset 1)",
    ),
    (
        "escape character in a quote",
        _set(["nodes", 0, "sources"], [{"document": "d.txt", "quote": "\x1b[31m"}]),
        "nodes[0].sources[0].quote: contains a control character (only tab, newline and "
        "carriage return are allowed) or an unpaired surrogate (U+001B at offset 0)",
    ),
    (
        "unpaired surrogate",
        _set(["map", "description"], "x\ud800"),
        "map.description: contains a control character (only tab, newline and carriage return "
        "are allowed) or an unpaired surrogate (U+D800 at offset 1)",
    ),
    (
        "bad slug",
        _set(["map", "slug"], "Alignment!"),
        "map.slug: 'Alignment!' is not a valid id (1-100 characters: a-z, 0-9, '-' or '_', "
        "starting with a letter or digit)",
    ),
    (
        "id with a trailing newline",
        lambda d: d["nodes"].append({"id": "x\n", "kind": "claim", "title": "x"}),
        "nodes[4].id: 'x\\n' is not a valid id (1-100 characters: a-z, 0-9, '-' or '_', "
        "starting with a letter or digit) (U+000A at offset 1)",
    ),
    (
        "bad username",
        _set(["votes", 0, "user"], "alice smith"),
        "votes[0].user: 'alice smith' is not a valid username (1-150 letters, digits or @ . + - _)",
    ),
    (
        "bad visibility",
        _set(["map", "visibility"], "secret"),
        "map.visibility: 'secret' is not one of ['public', 'private']",
    ),
    ("wrong format name", _set(["format"], "argdown"), "format: must be \"argmap\", got 'argdown'"),
    (
        "unsupported version",
        _set(["version"], 3),
        "version: unsupported version 3 (this reader understands versions 1 and 2)",
    ),
    ("version as a string", _set(["version"], "1"), "version: expected integer, got string '1'"),
    (
        "too many sources",
        _set(["nodes", 0, "sources"], [{"document": "d"}] * 51),
        "nodes[0].sources: has too many items (51, maximum 50)",
    ),
    (
        "text too long",
        _set(["nodes", 0, "text"], "x" * 20_001),
        "nodes[0].text: is too long (20001 characters, maximum 20000)",
    ),
    (
        "edge without a kind",
        _delete(["edges", 0, "kind"]),
        "edges[0].kind: required field is missing",
    ),
    ("map missing", _delete(["map"]), "map: required field is missing"),
    ("votes not a list", _set(["votes"], None), "votes: expected array, got null"),
    (
        "node not an object",
        _set(["nodes", 3], "crux"),
        "nodes[3]: expected object, got string 'crux'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=case) for case, m, e in BAD_FIELDS if e is not None],
)
def test_a_bad_field_is_reported_at_its_path(mutate, expected):
    doc = minimal_doc()
    mutate(doc)
    assert only_problem(doc) == expected


def test_unknown_key_in_a_vote_names_the_key_and_the_missing_field():
    doc = minimal_doc()
    doc["votes"][0]["nod"] = doc["votes"][0].pop("node")
    assert problems_of(doc) == [
        "votes[0].nod: unknown key (allowed: node, user, credence)",
        "votes[0].node: required field is missing",
    ]


def test_version_must_be_one_but_a_float_one_is_the_same_json_number():
    doc = minimal_doc()
    doc["version"] = 1.0
    assert validate(doc)["version"] == 2  # read as version 1, normalised to version 2
    doc["version"] = True
    assert only_problem(doc) == "version: expected integer, got boolean true"


def test_priors_and_credences_exclude_the_bounds_of_certainty():
    for value, ok in [(0.01, True), (0.99, True), (0, False), (1, False), (0.009, False)]:
        doc = minimal_doc()
        doc["nodes"][0]["prior"] = value
        doc["votes"][0]["credence"] = value
        if ok:
            validate(doc)
        else:
            assert len(problems_of(doc)) == 2


def test_non_finite_numbers_from_python_are_refused():
    doc = minimal_doc()
    doc["nodes"][0]["prior"] = math.nan
    doc["edges"][0]["weight"] = math.inf
    doc["votes"][0]["credence"] = -math.nan
    found = problems_of(doc)
    assert "nodes[0].prior: must be a finite number" in found
    assert "edges[0].weight: 1.0 is out of range (must be from 0 to 1)" not in found
    assert any(p.startswith("edges[0].weight: ") for p in found)
    assert "votes[0].credence: must be a finite number" in found


def test_huge_strings_are_not_echoed_back():
    doc = minimal_doc()
    doc["nodes"][0]["title"] = "t" * 10_000_000
    doc["map"]["slug"] = "S" * 1_000_000
    found = problems_of(doc)
    assert found == [
        "map.slug: " + repr("S" * 40) + "... (1000000 characters) is not a valid "
        "id (1-100 characters: a-z, 0-9, '-' or '_', starting with a letter or digit)",
        "nodes[0].title: is too long (10000000 characters, maximum 200)",
    ]
    assert all(len(p) < 300 for p in found)


def test_odd_keys_are_quoted_in_paths_without_colon_space():
    doc = minimal_doc()
    doc["nodes"][0]["a key: with colon"] = 1
    problem = only_problem(doc)
    assert problem.startswith('nodes[0]["a key\\u003a with colon"]: unknown key')
    assert problem.partition(": ")[0] == 'nodes[0]["a key\\u003a with colon"]'


# ---------------------------------------------------------------------- graph rules


def test_dangling_edge_endpoint_is_reported():
    doc = minimal_doc()
    doc["edges"][0]["target"] = "foo"
    assert only_problem(doc) == "edges[0].target: unknown node 'foo'"


def test_duplicate_node_id_names_the_first_occurrence():
    doc = minimal_doc()
    doc["nodes"].append({"id": "nah", "kind": "claim", "title": "again"})
    assert only_problem(doc) == "nodes[4].id: duplicate id 'nah' (first at nodes[2])"


def test_self_loop_is_refused():
    doc = minimal_doc()
    doc["edges"].append({"source": "nah", "target": "nah", "kind": "related"})
    assert only_problem(doc) == "edges[2]: self-loop: source and target are both 'nah'"


def test_duplicate_edge_is_refused_but_other_kinds_between_the_same_nodes_are_fine():
    doc = minimal_doc()
    doc["edges"].append({"source": "nah", "target": "pointers-problem", "kind": "related"})
    validate(doc)
    doc["edges"].append(
        {"source": "nah", "target": "pointers-problem", "kind": "supports", "weight": 0.1}
    )
    assert only_problem(doc) == (
        "edges[3]: duplicate edge nah -> pointers-problem (supports) (first at edges[0])"
    )


def test_subframe_of_links_frames_only():
    doc = minimal_doc()
    doc["edges"].append({"source": "nah", "target": "distribution-shift", "kind": "subframe_of"})
    assert only_problem(doc) == (
        "edges[2].source: subframe_of links frames only, but 'nah' is a claim"
    )


def test_subframe_of_cycle_is_reported_once_with_its_path():
    doc = minimal_doc()
    doc["nodes"].append({"id": "third", "kind": "frame", "title": "Third"})
    doc["edges"] += [
        {"source": "distribution-shift", "target": "third", "kind": "subframe_of"},
        {"source": "third", "target": "pointers-problem", "kind": "subframe_of"},
    ]
    assert only_problem(doc) == (
        "edges[1]: subframe_of cycle distribution-shift -> third -> pointers-problem "
        "-> distribution-shift"
    )


def test_two_frame_subframe_cycle():
    doc = minimal_doc()
    doc["edges"].append(
        {"source": "distribution-shift", "target": "pointers-problem", "kind": "subframe_of"}
    )
    assert only_problem(doc) == (
        "edges[1]: subframe_of cycle distribution-shift -> pointers-problem -> distribution-shift"
    )


def test_a_long_subframe_cycle_is_summarised():
    doc = minimal_doc()
    doc["nodes"] = [{"id": f"f{i:03d}", "kind": "frame", "title": "F"} for i in range(500)]
    doc["edges"] = [
        {"source": f"f{i:03d}", "target": f"f{(i + 1) % 500:03d}", "kind": "subframe_of"}
        for i in range(500)
    ]
    doc["votes"] = []
    assert only_problem(doc) == (
        "edges[499]: subframe_of cycle f000 -> f001 -> f002 -> f003 -> "
        "... (500 frames in all) ... -> f498 -> f499 -> f000"
    )


def test_a_subframe_tree_and_a_diamond_are_not_cycles():
    doc = minimal_doc()
    doc["nodes"] = [{"id": n, "kind": "frame", "title": n} for n in "abcd"]
    doc["edges"] = [
        {"source": "b", "target": "a", "kind": "subframe_of"},
        {"source": "c", "target": "a", "kind": "subframe_of"},
        {"source": "d", "target": "b", "kind": "subframe_of"},
        {"source": "d", "target": "c", "kind": "subframe_of"},
    ]
    doc["votes"] = []
    validate(doc)


def test_vote_for_an_unknown_node_is_refused():
    doc = minimal_doc()
    doc["votes"].append({"node": "foo", "user": "bob", "credence": 0.3})
    assert only_problem(doc) == "votes[1].node: unknown node 'foo'"


def test_duplicate_vote_is_refused():
    doc = minimal_doc()
    doc["votes"].append({"node": "nah", "user": "alice", "credence": 0.2})
    assert only_problem(doc) == "votes[1]: duplicate vote by 'alice' on 'nah' (first at votes[0])"


def test_every_problem_is_reported_together():
    doc = minimal_doc()
    doc["version"] = 3
    doc["nodes"][2]["kind"] = "frme"
    doc["nodes"][3]["prior"] = 2
    doc["nodes"].append({"id": "nah", "kind": "claim", "title": "dup"})
    doc["edges"][0]["target"] = "foo"
    doc["edges"][0]["weight"] = -1
    doc["votes"][0]["credence"] = 1.5
    assert problems_of(doc) == [
        # schema problems, in document order
        "version: unsupported version 3 (this reader understands versions 1 and 2)",
        "nodes[2].kind: 'frme' is not one of ['frame', 'claim', 'crux']",
        "nodes[3].prior: 2 is out of range (must be from 0.01 to 0.99)",
        "edges[0].weight: -1 is out of range (must be from 0 to 1)",
        "votes[0].credence: 1.5 is out of range (must be from 0.01 to 0.99)",
        # then the graph rules
        "nodes[4].id: duplicate id 'nah' (first at nodes[2])",
        "edges[0].target: unknown node 'foo'",
    ]


def test_problems_are_capped():
    doc = minimal_doc()
    doc["votes"] = [{"node": "nah", "user": f"u{i}", "credence": 5} for i in range(3000)]
    found = problems_of(doc)
    assert len(found) == argmap.MAX_PROBLEMS + 1
    assert found[-1] == f"$: too many problems; only the first {argmap.MAX_PROBLEMS} are listed"


def test_validate_refuses_a_non_object():
    assert only_problem([1, 2]) == "$: expected an object, got array"


# ---------------------------------------------------------------------------- parse


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b'{"format": "argmap",', "$: invalid JSON: Expecting property name "
                     "enclosed in double quotes at line 1 column 21", id="truncated"),
        pytest.param(b"{\n  'a': 1}", "$: invalid JSON: Expecting property name enclosed in "
                     "double quotes at line 2 column 3", id="single quotes"),
        pytest.param(b"", "$: invalid JSON: Expecting value at line 1 column 1", id="empty"),
        pytest.param(b'{"a": NaN}', "$: invalid JSON: NaN is not a valid JSON number "
                     "(numbers must be finite)", id="NaN"),
        pytest.param(b'{"a": -Infinity}', "$: invalid JSON: -Infinity is not a valid JSON "
                     "number (numbers must be finite)", id="-Infinity"),
        pytest.param(b'{"a": 1e400}', "$: invalid JSON: the number 1e400 is too large "
                     "(numbers must be finite)", id="overflowing float"),
        pytest.param(b'{"a": ' + b"9" * 5000 + b"}", "$: invalid JSON: an integer of 5000 "
                     "digits is too long", id="huge integer"),
        pytest.param(b'{"a": 1, "a": 2}', "$: invalid JSON: duplicate key 'a' in an object",
                     id="duplicate key"),
        pytest.param(b'{"a": "\xff"}', "$: invalid UTF-8 at byte 7 (invalid start byte)",
                     id="invalid UTF-8"),
        pytest.param(b'{"a": "\xed\xa0\x80"}', "$: invalid UTF-8 at byte 7 (invalid "
                     "continuation byte)", id="UTF-8 encoded surrogate"),
        pytest.param(b"[1, 2]", "$: expected an object, got array", id="top-level list"),
        pytest.param(b'"argmap"', "$: expected an object, got string", id="top-level string"),
        pytest.param(b"[" * 100_000, "$: nesting too deep (more than 64 levels of arrays and "
                     "objects)", id="100000-deep"),
        pytest.param('{"a":' * 100_000, "$: nesting too deep (more than 64 levels of arrays and "
                     "objects)", id="100000-deep objects as str"),
    ],
)  # fmt: skip
def test_unparseable_input_is_one_problem_at_the_root(data, expected):
    with pytest.raises(ArgmapFormatError) as caught:
        parse(data)
    assert caught.value.problems == [expected]


def test_nesting_is_allowed_up_to_the_limit():
    limit = argmap.MAX_DEPTH
    deep = "[" * (limit - 1) + "]" * (limit - 1)
    assert parse('{"x": ' + deep + "}")["x"] is not None
    with pytest.raises(ArgmapFormatError, match="nesting too deep"):
        parse('{"x": ' + "[" + deep + "]" + "}")


def test_brackets_and_escaped_quotes_inside_strings_do_not_count_as_nesting():
    tricky = '"' + "[{" * 100 + '\\"' + "[" * 100 + "\\\\" + '"'
    data = '{"a": ' + tricky + ', "b": ' + tricky + ', "c": [[["\\\\"]]]}'
    doc = parse(data)
    assert doc["a"] == "[{" * 100 + '"' + "[" * 100 + "\\"
    assert doc["c"] == [[["\\"]]]


def test_the_nesting_check_handles_escapes_that_end_a_string():
    # A backslash-escaped backslash right before the closing quote must not hide it.
    inner = '"\\\\"'  # the JSON string "\\"
    data = "{" + ",".join(f'"k{i}": [{inner}, "]]]]"]' for i in range(80)) + "}"
    assert len(parse(data)) == 80
    deep = '{"k": ' + "[" * 70 + inner + "]" * 70 + "}"
    with pytest.raises(ArgmapFormatError, match="nesting too deep"):
        parse(deep)


def test_parse_refuses_other_types():
    with pytest.raises(TypeError):
        parse(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- dumps


def test_dumps_is_canonical():
    doc = minimal_doc()
    doc["nodes"][2]["sources"] = [
        {"document": "b.txt", "locator": "§2", "quote": "second"},
        {"document": "a.txt"},
    ]
    data = dumps(validate(doc))
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    text = data.decode("utf-8")
    out = json.loads(text)
    assert list(out) == sorted(out)
    assert [n["id"] for n in out["nodes"]] == sorted(n["id"] for n in doc["nodes"])
    assert [e["id"] for e in out["edges"]] == sorted(
        f"{e['source']}--{e['kind']}--{e['target']}" for e in doc["edges"]
    )
    assert "category" not in out["nodes"][0]  # crux-1: category written for frames only
    frames = {n["id"]: n for n in out["nodes"] if n["kind"] == "frame"}
    assert frames["pointers-problem"]["category"] is None
    assert frames["distribution-shift"]["category"] == "outer"
    nah = next(n for n in out["nodes"] if n["id"] == "nah")
    assert nah["sources"] == [  # sources keep their order; defaults written out
        {"document": "b.txt", "locator": "§2", "quote": "second"},
        {"document": "a.txt", "locator": "", "quote": ""},
    ]
    assert nah["text"] == "" and nah["prior"] == 0.5
    assert out["map"] == {
        "slug": "alignment",
        "title": "AI alignment",
        "description": "",
        "visibility": "public",
    }
    assert text.startswith('{\n  "edge_votes": [],\n  "edges": [\n    {\n      "group": null,\n')


def test_dumps_matches_json_dumps_of_the_canonical_structure():
    doc = minimal_doc()
    doc["map"]["description"] = 'Line\nbreak, "quotes", tab\t, é, 中文, 🙂, \\'
    doc["nodes"][0]["sources"] = [{"document": "d", "locator": "l", "quote": "\u2028"}]
    doc["nodes"][2]["text"] = "\x85\x9f C1 controls are allowed, as in the services"
    doc["nodes"].append({"id": "z", "kind": "frame", "category": "inner", "title": "Z"})
    normal = validate(doc)
    expected = copy.deepcopy(normal)
    expected["nodes"].sort(key=lambda n: n["id"])
    expected["edges"].sort(key=lambda e: e["id"])
    for node in expected["nodes"]:
        if node["kind"] != "frame":
            del node["category"]
    for edge in expected["edges"]:
        del edge["target_edge"]  # written for undercuts only (none here)
    reference = json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert dumps(normal) == reference.encode("utf-8")
    empty = {**normal, "nodes": [], "edges": [], "votes": [], "edge_votes": []}
    assert (
        dumps(empty).decode()
        == json.dumps(empty, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


def test_dumps_removes_float_noise_and_negative_zero():
    doc = minimal_doc()
    doc["nodes"][0]["prior"] = 0.1 + 0.2  # 0.30000000000000004
    doc["edges"][0]["weight"] = -0.0
    doc["votes"][0]["credence"] = 0.7000000000000001
    doc["edges"][1]["weight"] = 0.12345678
    text = dumps(validate(doc)).decode()
    assert '"prior": 0.3,' in text
    assert '"credence": 0.7,' in text
    assert '"weight": 0.0\n' in text and "-0.0" not in text
    assert '"weight": 0.123457\n' in text
    assert "0000000" not in text


def test_dumps_round_trips_byte_identical_with_unicode_and_cycles():
    doc = minimal_doc()
    doc["map"]["title"] = "Alignment — «débat» 🧭"
    doc["nodes"][2]["text"] = "Ünïcödé\nmultiline\ttext 中文"
    doc["votes"].append({"node": "nah", "user": "zoë", "credence": 0.333333333})
    doc["edges"] += [
        {"source": "pointers-problem", "target": "nah", "kind": "supports", "weight": 0.25},
        {"source": "nah", "target": "crux-1", "kind": "undermines"},
        {"source": "crux-1", "target": "pointers-problem", "kind": "related"},
    ]
    first = dumps(validate(doc))
    assert dumps(load(first)) == first
    assert dumps(validate(parse(first.decode("utf-8")))) == first
    shuffled = validate(doc)
    shuffled["nodes"].reverse()
    shuffled["edges"].reverse()
    shuffled["votes"].reverse()
    assert dumps(shuffled) == first


def test_dumps_fills_defaults_of_a_sparse_document():
    doc = minimal_doc()
    assert dumps(doc) == dumps(validate(doc))


def test_dumps_refuses_non_finite_numbers():
    doc = validate(minimal_doc())
    doc["nodes"][0]["prior"] = math.nan
    with pytest.raises(ValueError, match="non-finite"):
        dumps(doc)


ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
FORBIDDEN = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=FORBIDDEN), max_size=30)
titles = text.filter(lambda t: t.strip())
probability = st.floats(min_value=0.01, max_value=0.99)


@st.composite
def documents(draw) -> dict:
    node_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    nodes = []
    for node_id in node_ids:
        kind = draw(st.sampled_from(["frame", "claim", "crux"]))
        node = {"id": node_id, "kind": kind, "title": draw(titles)}
        if kind == "frame" and draw(st.booleans()):
            node["category"] = draw(st.sampled_from(["outer", "inner", "other", None]))
        if draw(st.booleans()):
            node["text"] = draw(text)
        if draw(st.booleans()):
            node["prior"] = draw(probability)
        sources = draw(st.lists(st.fixed_dictionaries({"document": titles}), max_size=3))
        if sources:
            node["sources"] = sources
        nodes.append(node)
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(node_ids),
                st.sampled_from(node_ids),
                st.sampled_from(["supports", "undermines", "related"]),
            ),
            unique=True,
            max_size=12,
        )
    )
    edges = [
        {"source": s, "target": t, "kind": k, "weight": draw(st.floats(0, 1))}
        for s, t, k in pairs
        if s != t
    ]
    users = draw(st.lists(st.from_regex(r"[\w.@+-]{1,10}", fullmatch=True), max_size=4))
    votes = [
        {"node": draw(st.sampled_from(node_ids)), "user": u, "credence": draw(probability)}
        for u in users
    ]
    unique_votes = list({(v["node"], v["user"]): v for v in votes}.values())
    return {
        "format": "argmap",
        "version": 1,
        "map": {"slug": draw(ids), "title": draw(titles), "description": draw(text)},
        "nodes": nodes,
        "edges": edges,
        "votes": unique_votes,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_canonical_output_is_a_fixed_point(doc):
    canonical = dumps(validate(doc))
    assert dumps(validate(parse(canonical))) == canonical


# --------------------------------------------------------- the schema and fast path


def test_the_schema_is_a_valid_2020_12_schema_and_load_schema_copies_it():
    schema = load_schema(1)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://argmap.invalid/schemas/argmap-v1.json"
    schema["$defs"].clear()
    assert load_schema(1)["$defs"]


def test_the_module_constants_agree_with_the_schema():
    schema = load_schema(1)
    props, defs = schema["properties"], schema["$defs"]
    assert props["nodes"]["maxItems"] == argmap.MAX_NODES == 200_000
    assert props["edges"]["maxItems"] == argmap.MAX_EDGES == 1_000_000
    assert props["votes"]["maxItems"] == argmap.MAX_VOTES == 2_000_000
    assert props["format"]["const"] == argmap.FORMAT_NAME == "argmap"
    assert props["version"]["const"] == 1 and 1 in argmap.READ_VERSIONS
    node = defs["node"]["properties"]
    assert node["prior"]["default"] == argmap.DEFAULT_PRIOR
    assert node["text"]["default"] == argmap.DEFAULT_TEXT
    assert node["category"]["default"] == argmap.DEFAULT_CATEGORY
    assert defs["edge"]["properties"]["weight"]["default"] == argmap.DEFAULT_WEIGHT
    assert defs["map"]["properties"]["visibility"]["default"] == argmap.DEFAULT_VISIBILITY
    assert defs["map"]["properties"]["description"]["default"] == argmap.DEFAULT_DESCRIPTION
    assert schema["additionalProperties"] is True
    for name in ("map", "node", "source", "edge", "vote"):
        assert defs[name]["additionalProperties"] is False


def _reference(name: str | None = None) -> Draft202012Validator:
    """jsonschema (Python's re) on the v1 file's schema: for an item list, or the top level."""
    schema = load_schema(1)
    if name is not None:
        return Draft202012Validator(
            {"$defs": schema["$defs"], **schema["properties"][name]["items"]}
        )
    for each in ("nodes", "edges", "votes"):
        del schema["properties"][each]["items"]
    return Draft202012Validator(schema)


def test_a_valid_document_passes_plain_jsonschema_too():
    Draft202012Validator(load_schema(1)).validate(minimal_doc())


def test_patterns_without_an_exact_rust_spelling_are_refused():
    # jsonschema-rs runs the schema's patterns with Rust's regex engine; what the
    # translation cannot spell to match exactly what Python's re matches raises.
    with pytest.raises(ValueError, match="'.'"):
        argmap.schema._for_rust("a.b")
    with pytest.raises(ValueError, match="inside a class"):
        argmap.schema._for_rust(r"[\S]")


def _patterns(schema) -> set[str]:
    if isinstance(schema, list):
        return set().union(*map(_patterns, schema))
    if not isinstance(schema, dict):
        return set()
    found = {schema["pattern"]} if isinstance(schema.get("pattern"), str) else set()
    return found.union(*(_patterns(v) for k, v in schema.items() if k != "errorMessage"))


@pytest.mark.parametrize("pattern", sorted(_patterns(load_schema(1)) | _patterns(load_schema(2))))
def test_the_translated_patterns_match_what_python_matches(pattern):
    import jsonschema_rs

    rust = jsonschema_rs.Draft202012Validator({"pattern": argmap.schema._for_rust(pattern)})
    python = re.compile(pattern)
    for code in [*range(0xD800), *range(0xE000, 0x30000, 7), 0x10FFFF]:
        char = chr(code)
        assert rust.is_valid(char) == bool(python.search(char)), (pattern, hex(code))
    assert rust.is_valid("zoë.b+test@example-1_x") == bool(python.search("zoë.b+test@example-1_x"))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True),
    st.sampled_from(["", " ", "x", "nah", "Nah", "a\n", "a\x00", "frame", "claim", "outer"]),
    st.sampled_from(["supports", "subframe_of", "alice", "bob smith", "\ud800", "x" * 201]),
    st.sampled_from([0.005, 0.01, 0.5, 0.99, 0.995, 1.0, 1, 0, -0.0]),
    st.text(max_size=5),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=2), max_leaves=4)
FIELDS = [
    "id", "kind", "category", "title", "text", "prior", "sources", "document", "locator",
    "quote", "source", "target", "weight", "node", "user", "credence", "extra",
]  # fmt: skip


def _item_variants(base: dict):
    return st.builds(
        lambda drop, changes: {
            **{k: v for k, v in base.items() if k not in drop},
            **changes,
        },
        st.sets(st.sampled_from(sorted(base))),
        st.dictionaries(st.sampled_from(FIELDS), values | st.just(base), max_size=3),
    )


VALID_ITEMS = {
    "nodes": {"id": "a", "kind": "frame", "category": "outer", "title": "T", "prior": 0.5,
              "text": "", "sources": [{"document": "d", "locator": "", "quote": ""}]},
    "edges": {"source": "a", "target": "b", "kind": "supports", "weight": 0.5},
    "votes": {"node": "a", "user": "alice", "credence": 0.5},
}  # fmt: skip


@pytest.mark.parametrize("name", ["nodes", "edges", "votes"])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_fast_validator_agrees_with_jsonschema(name, data):
    validator = _reference(name)
    item = data.draw(
        _item_variants(VALID_ITEMS[name])
        | st.builds(lambda kind: {**VALID_ITEMS["nodes"], "kind": kind},
                    st.sampled_from(["frame", "claim", "crux", "frme"]))
        | values
    )  # fmt: skip
    assert (not argmap.schema.item_problems(name, item, 1)) == validator.is_valid(item)


@pytest.mark.parametrize(
    "mutate", [pytest.param(m, id=case) for case, m, _ in BAD_FIELDS] + [lambda d: None]
)
def test_the_fast_top_level_check_agrees_with_jsonschema(mutate):
    doc = minimal_doc()
    mutate(doc)
    assert (not argmap.schema.top_problems(doc)) == _reference().is_valid(doc)


def test_the_fast_validator_agrees_with_jsonschema_on_edge_cases():
    validator = _reference("nodes")
    base = VALID_ITEMS["nodes"]
    cases = [
        base,
        {**base, "kind": "claim"},
        {**base, "kind": "claim", "category": None},
        {**base, "id": "a\n"},
        {**base, "id": "a" * 100},
        {**base, "id": "a" * 101},
        {**base, "title": "x" * 200},
        {**base, "title": "x" * 201},
        {**base, "title": "\u00a0"},
        {**base, "prior": math.nan},
        {**base, "prior": 0.01},
        {**base, "prior": 1},
        {**base, "sources": [{"document": ""}]},
        {**base, "sources": [{"document": "d"}] * 50},
        {**base, "sources": [{"document": "d"}] * 51},
        {**base, "text": "\ud83d\ude00"},
        {**base, "text": "\ud83d"},
    ]
    for case in cases:
        assert (not argmap.schema.item_problems("nodes", case, 1)) == validator.is_valid(case), case


# ---------------------------------------------------------------------- performance


def test_a_large_map_validates_quickly():
    n = 20_000
    doc = {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "big", "title": "Big"},
        "nodes": [
            {"id": f"n{i}", "kind": "claim", "title": f"Node {i}", "prior": 0.4,
             "sources": [{"document": "d.txt", "locator": "§1"}]}
            for i in range(n)
        ],
        "edges": [
            {"source": f"n{i}", "target": f"n{(i + k) % n}", "kind": "supports"}
            for i in range(n)
            for k in (1, 2, 3)
        ],
        "votes": [{"node": f"n{i}", "user": "alice", "credence": 0.6} for i in range(n)],
    }  # fmt: skip
    data = dumps(doc)
    start = time.perf_counter()
    result = load(data)
    elapsed = time.perf_counter() - start
    assert len(result["edges"]) == 3 * n
    assert elapsed < 10, elapsed  # about 0.5 s on a quiet machine
