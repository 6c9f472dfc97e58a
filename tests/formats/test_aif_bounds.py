"""AIF import refuses files that would expand past argmap's bounds, before building them.

An S-node with p premises and c conclusions makes p x c edges, so a file of a
few hundred kilobytes can ask for millions of edges (issue 12, item 2). These
tests measure the peak memory of parsing and refusing such files with
tracemalloc.
"""

import json
import tracemalloc

import pytest

from claims.formats import aif
from claims.formats.aif import AifFormatError, aif_to_argmap, title_from_text
from claims.formats.argmap import MAX_EDGES, validate

PEAK_LIMIT = 50_000_000  # bytes: refusing a file must stay under 50 MB
JSON = "application/json"


def i_node(node_id: str, **extra) -> dict:
    return {"nodeID": node_id, "text": f"Claim {node_id}.", "type": "I", **extra}


def s_node(node_id: str, kind: str = "RA", **extra) -> dict:
    return {"nodeID": node_id, "text": "Default Inference", "type": kind, **extra}


def link(source: str, target: str) -> dict:
    return {"edgeID": f"{source}>{target}", "fromID": source, "toID": target}


def one_s_node(premises: int, conclusions: int) -> dict:
    """One RA node "ra" with that many premises and conclusions."""
    nodes = [i_node(f"p{n}") for n in range(premises)]
    nodes += [i_node(f"c{n}") for n in range(conclusions)]
    nodes.append(s_node("ra"))
    edges = [link(f"p{n}", "ra") for n in range(premises)]
    edges += [link("ra", f"c{n}") for n in range(conclusions)]
    return {"nodes": nodes, "edges": edges}


def many_s_nodes(groups: int, size: int) -> dict:
    """groups x groups RA nodes, each with `size` premises x `size` conclusions, no
    two of them making the same edge: groups**2 * size**2 distinct edges in all."""
    nodes = [i_node(f"p{g}-{n}") for g in range(groups) for n in range(size)]
    nodes += [i_node(f"c{g}-{n}") for g in range(groups) for n in range(size)]
    edges = []
    for a in range(groups):
        for b in range(groups):
            ra = f"ra{a}-{b}"
            nodes.append(s_node(ra))
            edges += [link(f"p{a}-{n}", ra) for n in range(size)]
            edges += [link(ra, f"c{b}-{n}") for n in range(size)]
    return {"nodes": nodes, "edges": edges}


def as_file(data: dict) -> bytes:
    return json.dumps(data).encode()


def refused_with_peak(raw: bytes) -> tuple[list[str], int]:
    """(problems, tracemalloc peak in bytes) of parsing raw and importing it, which must fail."""
    tracemalloc.start()
    try:
        with pytest.raises(AifFormatError) as caught:
            aif_to_argmap(json.loads(raw), slug="bounded")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return caught.value.problems, peak


# ------------------------------------------------------------------ one S-node


def test_s_node_expanding_past_the_bound_is_refused_early():
    raw = as_file(one_s_node(1100, 1100))  # the red team's 1.21 M edge file
    problems, peak = refused_with_peak(raw)
    assert problems == [
        "nodes[2200]: RA node 'ra' would make 1210000 edges "
        "(1100 premises x 1100 conclusions); one S-node may make at most 10000"
    ]
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB while refusing a {len(raw)} B file"


def test_s_node_within_max_edges_but_past_the_per_s_node_bound_is_refused():
    data = one_s_node(700, 700)  # 490,000 edges: under MAX_EDGES, still absurd for one S-node
    assert MAX_EDGES >= 700 * 700
    problems, peak = refused_with_peak(as_file(data))
    assert len(problems) == 1
    assert "RA node 'ra' would make 490000 edges (700 premises x 700 conclusions)" in problems[0]
    assert "one S-node may make at most 10000" in problems[0]
    assert peak < PEAK_LIMIT


def test_the_per_s_node_bound_is_generous_for_real_files_and_exact():
    assert aif.MAX_EDGES_PER_SNODE == 10_000  # the AIFdb test files' largest S-node makes 3
    doc, _ = aif_to_argmap(one_s_node(100, 100), slug="at-the-bound")
    assert len(validate(doc)["edges"]) == 10_000
    with pytest.raises(AifFormatError, match=r"would make 10100 edges \(100 premises x 101"):
        aif_to_argmap(one_s_node(100, 101), slug="past-the-bound")


def test_each_premise_and_conclusion_counts_once_however_many_edges_name_it():
    data = one_s_node(100, 100)
    data["edges"] += [link("p0", "ra")] * 5000 + [link("ra", "c0")] * 5000
    doc, skipped = aif_to_argmap(data, slug="repeated-links")
    assert len(doc["edges"]) == 10_000 and skipped == {}


def test_the_bound_names_the_s_node_inside_an_ova3_wrapper_and_counts_ca_and_ma_nodes():
    for kind in ("CA", "MA"):
        data = one_s_node(200, 51)
        data["nodes"][-1]["type"] = kind
        with pytest.raises(AifFormatError) as caught:
            aif_to_argmap({"AIF": data, "OVA": {}}, slug="wrapped")
        assert caught.value.problems[0].startswith(
            f"AIF.nodes[251]: {kind} node 'ra' would make 10200 edges"
        )


# ------------------------------------------------------------- all S-nodes together


def test_s_nodes_that_together_pass_max_edges_are_refused_before_building_edges():
    # 11 x 11 S-nodes of 100 x 100: 1,210,000 distinct edges, each S-node within its bound.
    raw = as_file(many_s_nodes(11, 100))
    problems, peak = refused_with_peak(raw)
    assert len(problems) == 1
    # The 101st S-node takes the total from 1,000,000 to 1,010,000: refused there.
    assert problems[0] == (
        "nodes[2300]: too many edges: with RA node 'ra9-1' (100 premises x 100 conclusions) "
        f"the S-nodes would make 1010000 edges, argmap takes at most {MAX_EDGES}"
    )
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB while refusing a {len(raw)} B file"


def test_the_total_is_refused_as_soon_as_it_would_pass_max_edges(monkeypatch):
    monkeypatch.setattr(aif, "MAX_EDGES", 8)
    data = many_s_nodes(2, 2)  # four S-nodes of 2 x 2: 4, 8, 12, 16 edges so far
    with pytest.raises(AifFormatError) as caught:
        aif_to_argmap(data, slug="total")
    assert caught.value.problems == [
        "nodes[10]: too many edges: with RA node 'ra1-0' (2 premises x 2 conclusions) "
        "the S-nodes would make 12 edges, argmap takes at most 8"
    ]
    data["nodes"] = [n for n in data["nodes"] if n["nodeID"] not in ("ra1-0", "ra1-1")]
    data["edges"] = [e for e in data["edges"] if "ra1-" not in e["fromID"] + e["toID"]]
    doc, _ = aif_to_argmap(data, slug="total")
    assert len(doc["edges"]) == 8


# -------------------------------------------------------------------- API


@pytest.fixture
def api_client(db):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=UserFactory(username="importer"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_refuses_an_s_node_past_the_bound_and_writes_nothing(api_client, counts):
    before = counts()
    response = api_client.post(
        "/api/v1/maps/import/?format=aif&slug=x",
        data=as_file(one_s_node(700, 700)),
        content_type=JSON,
    )
    assert response.status_code in (400, 413), (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert "RA node 'ra' would make 490000 edges" in error["message"]
    assert "one S-node may make at most 10000" in error["message"]
    assert counts() == before


# ------------------------------------------------------- other expansions in the module


def frame(node_id: str) -> dict:
    return i_node(node_id, argmap={"id": node_id, "kind": "frame"})


def subframe_chain(length: int, *, closed: bool) -> dict:
    """Frames f0 -> f1 -> ... as subframe_of MA nodes, written from the far end back
    (the order that makes a naive cycle check walk the whole chain every time);
    closed: and a last MA node f<length-1> -> f0 that closes the ring."""
    nodes = [frame(f"f{n}") for n in range(length)]
    edges = []
    pairs = [(n, n + 1) for n in reversed(range(length - 1))]
    if closed:
        pairs.append((length - 1, 0))
    for a, b in pairs:
        ma = f"m{a}-{b}"
        nodes.append(s_node(ma, "MA", argmap={"kind": "subframe_of"}))
        edges += [link(f"f{a}", ma), link(ma, f"f{b}")]
    return {"nodes": nodes, "edges": edges}


def test_an_acyclic_subframe_hierarchy_costs_no_cycle_check_steps(monkeypatch):
    monkeypatch.setattr(aif, "MAX_CYCLE_CHECK_STEPS", 0)
    doc, skipped = aif_to_argmap(subframe_chain(3000, closed=False), slug="chain")
    assert [e["kind"] for e in doc["edges"]] == ["subframe_of"] * 2999
    assert skipped == {}


def test_a_subframe_ring_is_broken_within_the_step_budget():
    doc, skipped = aif_to_argmap(subframe_chain(200, closed=True), slug="ring")
    validate(doc)
    assert [
        (e["source"], e["target"], e["kind"], e["weight"])
        for e in doc["edges"]
        if e["kind"] != "subframe_of"
    ] == [("f199", "f0", "related", 1.0)]
    assert skipped == {"argmap extension (invalid)": 1}


def test_subframe_cycles_too_tangled_to_check_are_refused(monkeypatch):
    monkeypatch.setattr(aif, "MAX_CYCLE_CHECK_STEPS", 1000)
    # The ring of 200 written from the far end back: checking costs ~20,000 steps.
    with pytest.raises(AifFormatError) as caught:
        aif_to_argmap(subframe_chain(200, closed=True), slug="ring")
    (problem,) = caught.value.problems
    assert problem.startswith("nodes[")
    assert "too many subframe_of cycles to untangle (more than 1000 steps" in problem


def test_a_megabyte_one_line_text_makes_its_title_without_splitting_it_all():
    text = "ab " * 3_000_000 + "end."  # 9 MB, one line, one sentence
    data = {"nodes": [i_node("long", text=text)], "edges": []}
    tracemalloc.start()
    try:
        doc, _ = aif_to_argmap(data, slug="long-text")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc["nodes"][0]["title"] == "ab " * 65 + "ab\u2026"
    assert len(doc["nodes"][0]["text"]) <= 20_000
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("\n\n  \u2028  First. Second.", "First"),
        ("word " * 30 + "end.", " ".join(["word"] * 30) + " end"),
        ("x" * 250 + ". Next.", "x" * 199 + "\u2026"),
        ("a" * 197 + " b.", "a" * 197 + " b"),
        ("a" * 197 + "  b. c", "a" * 197 + " b"),
        ("a" * 199 + " b.", "a" * 199 + "\u2026"),
        ("line one\x85line two", "line one"),
    ],
)
def test_the_title_is_still_the_first_sentence_of_the_first_line(text, title):
    assert title_from_text(text) == title
