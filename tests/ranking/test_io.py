"""to_json shape, inputs_from_argmap, input validation, vote statistics, synthetic maps."""

from __future__ import annotations

import json
import math
import re

import pytest

from claims.synthetic import generate_map
from cruxes.ranking import ENGINE_VERSION, EdgeInput, NodeInput, inputs_from_argmap, rank

from .helpers import METHODS, claim, crux, frame, sub, sup, und

pytestmark = []

DOC = {
    "format": "argmap",
    "version": 1,
    "map": {"slug": "alignment", "title": "Alignment", "description": "test"},
    "nodes": [
        {"id": "pointers-problem", "kind": "frame", "category": "outer", "title": "P"},
        {
            "id": "distribution-shift",
            "kind": "frame",
            "category": "inner",
            "title": "D",
            "prior": 0.4,
            "text": "t",
            "sources": [{"document": "004.txt", "locator": "Distribution Shift", "quote": "q"}],
        },
        {"id": "inner-alignment", "kind": "frame", "category": "inner", "title": "I"},
        {"id": "nah", "kind": "crux", "title": "Natural abstractions", "prior": 0.5},
        {"id": "goodhart", "kind": "claim", "title": "G", "prior": 0.7},
        {"id": "lonely", "kind": "crux", "title": "L"},
    ],
    "edges": [
        {"source": "nah", "target": "pointers-problem", "kind": "supports", "weight": 0.8},
        {"source": "nah", "target": "goodhart", "kind": "undermines"},
        {"source": "goodhart", "target": "distribution-shift", "kind": "supports", "weight": 0.5},
        {"source": "distribution-shift", "target": "inner-alignment", "kind": "subframe_of"},
        {"source": "lonely", "target": "nah", "kind": "related"},
    ],
    "votes": [
        {"node": "nah", "user": "alice", "credence": 0.7},
        {"node": "nah", "user": "bob", "credence": 0.2},
        {"node": "nah", "user": "alice", "credence": 0.9},  # alice changed her mind
        {"node": "goodhart", "user": "carol", "credence": 0.6},
    ],
}


def test_inputs_from_argmap():
    nodes, edges = inputs_from_argmap(DOC)
    by_key = {n.key: n for n in nodes}
    assert [n.key for n in nodes] == [n["id"] for n in DOC["nodes"]]
    assert by_key["nah"] == NodeInput("nah", "crux", 0.5, (0.9, 0.2))  # later vote wins
    assert by_key["pointers-problem"] == NodeInput("pointers-problem", "frame", 0.5, ())
    assert by_key["distribution-shift"].prior == 0.4
    assert by_key["goodhart"].credences == (0.6,)
    assert edges[0] == EdgeInput("nah", "pointers-problem", "supports", 0.8)
    assert edges[1] == EdgeInput("nah", "goodhart", "undermines", 1.0)  # default weight
    assert edges[3].kind == "subframe_of"
    assert len(edges) == 5


def test_inputs_from_argmap_rejects_unknown_nodes():
    bad = {**DOC, "votes": [{"node": "ghost", "user": "u", "credence": 0.5}]}
    with pytest.raises(ValueError):
        inputs_from_argmap(bad)
    bad = {**DOC, "edges": [{"source": "nah", "target": "ghost", "kind": "supports"}]}
    with pytest.raises(ValueError):
        inputs_from_argmap(bad)
    with pytest.raises(ValueError):
        inputs_from_argmap({"format": "other", "version": 1})


@pytest.mark.parametrize("method", METHODS)
def test_to_json_shape(method):
    res = rank(*inputs_from_argmap(DOC), method=method)
    out = res.to_json(7)
    json.dumps(out)  # serialisable as is
    assert set(out) == {"graph_version", "engine_version", "frames", "cruxes"}
    assert out["graph_version"] == 7 and out["engine_version"] == ENGINE_VERSION
    assert [f["id"] for f in out["frames"]] == [
        "distribution-shift",
        "inner-alignment",
        "pointers-problem",
    ]
    for f in out["frames"]:
        assert set(f) == {"id", "strength", "base", "parent"}
        assert isinstance(f["strength"], float)
    assert out["frames"][0]["parent"] == "inner-alignment"
    assert out["frames"][1]["parent"] is None

    assert [c["id"] for c in out["cruxes"]] == ["nah", "lonely"]
    nah, lonely = out["cruxes"]
    assert set(nah) == {
        "id",
        "rank",
        "score",
        "credence",
        "n_votes",
        "uncertainty",
        "disagreement",
        "discrimination",
        "connected",
        "why",
        "frames",
    }
    assert set(nah["why"]) == {
        "credence",
        "uncertainty",
        "disagreement",
        "discrimination",
        "frames",
    }
    assert (nah["connected"], lonely["connected"]) == (True, False)
    assert (nah["rank"], nah["n_votes"]) == (1, 2)
    assert (lonely["rank"], lonely["score"], lonely["n_votes"], lonely["frames"]) == (2, 0.0, 0, [])
    assert lonely["credence"] == 0.5
    assert [f["frame"] for f in nah["frames"]] == ["pointers-problem", "distribution-shift"]
    for f in nah["frames"]:
        assert set(f) == {"frame", "score", "delta", "strength_if_true", "strength_if_false"}
    assert nah["frames"][1]["delta"] < 0 < nah["frames"][0]["delta"]

    def decimals_ok(x):
        return x is None or not isinstance(x, float) or round(x, 6) == x

    for c in out["cruxes"]:
        assert all(decimals_ok(v) for v in c.values())
        for f in c["frames"]:
            assert all(decimals_ok(v) for v in f.values())
        assert all(decimals_ok(v) for v in c["why"].values())
    assert res.to_json(None)["graph_version"] is None


def test_to_json_lists_only_frames_with_a_visible_delta():
    # c -> k -> m -> f: each hop at least halves the effect; 12 hops make it < 5e-7
    chain = [f"k{i:02d}" for i in range(12)]
    nodes = [frame("f"), frame("g"), crux("c", votes=(0.5,))] + [claim(k) for k in chain]
    edges = [sup("c", chain[0])] + [sup(a, b) for a, b in zip(chain, chain[1:], strict=False)]
    edges += [sup(chain[-1], "f"), und("c", "g", 0.5)]
    res = rank(nodes, edges)
    (c,) = res.cruxes
    assert {x.frame for x in c.frames} == {"f", "g"}  # both deltas != 0 in the records
    tiny = next(x for x in c.frames if x.frame == "f")
    assert 0 < tiny.delta < 5e-7
    out = res.to_json(1)["cruxes"][0]["frames"]
    assert [x["frame"] for x in out] == ["g"]
    assert all(x["delta"] != 0 for x in out)


def test_result_records():
    res = rank(*inputs_from_argmap(DOC))
    assert [f.key for f in res.frames] == sorted(f.key for f in res.frames)
    assert set(res.credences) == {n["id"] for n in DOC["nodes"]}
    nah = res.credences["nah"]
    assert nah.n == 2 and nah.histogram == [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert nah.mean == pytest.approx(0.55) and nah.median == pytest.approx(0.55)
    assert nah.sd == pytest.approx(0.35)
    # log-odds mean: sigmoid((logit .9 + logit .2) / 2); credence shrinks it to the prior
    z = (math.log(9) + math.log(0.25)) / 2
    assert nah.logodds_mean == pytest.approx(1 / (1 + math.exp(-z)))
    # pooled: the two votes' log-odds over 2 votes + 4 prior pseudo-votes (prior 0.5)
    assert nah.credence == pytest.approx(1 / (1 + math.exp(-2 * z / 6)))
    assert res.method == "fast" and res.engine_version == ENGINE_VERSION
    c = res.cruxes[0]
    assert c.frames == sorted(c.frames, key=lambda x: (-x.score, x.frame))


def test_histogram_bins_edges_and_clipping():
    res = rank([claim("k", votes=(0.0, 0.01, 0.1, 0.3, 0.7, 0.99, 1.0))], [])
    h = res.credences["k"]
    # credences are clipped to [0.01, 0.99]; 0.1, 0.3, 0.7 open their bin
    assert h.histogram == [2, 1, 0, 1, 0, 0, 0, 1, 0, 2]
    assert h.n == 7


@pytest.mark.parametrize(
    ("nodes", "edges"),
    [
        ([frame("f")], [sup("f", "ghost")]),  # unknown target
        ([frame("f")], [sup("ghost", "f")]),  # unknown source
        ([frame("f"), frame("f")], []),  # duplicate key
        ([NodeInput("f", "axiom", 0.5)], []),  # unknown kind
        ([frame("f"), claim("k")], [EdgeInput("k", "f", "causes")]),  # unknown edge kind
        ([frame("f"), claim("k")], [sup("k", "f", -1.0)]),  # negative weight
        ([frame("f"), claim("k")], [sup("k", "f", math.nan)]),
        ([frame("f"), claim("k")], [sup("k", "f"), sup("k", "f", 0.5)]),  # duplicate edge
        ([frame("f"), claim("k")], [sub("k", "f")]),  # subframe_of from a claim
        ([frame("f", prior=1.5)], []),
        ([frame("f", votes=(0.5, math.nan))], []),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_invalid_input_raises_value_error(nodes, edges, method):
    with pytest.raises(ValueError):
        rank(nodes, edges, method=method)


def test_unknown_method():
    with pytest.raises(ValueError):
        rank([], [], method="magic")


def test_min_delta_only_trims_the_per_frame_lists():
    nodes = [frame("f"), claim("k"), claim("m"), crux("c", votes=(0.5,))]
    edges = [sup("c", "f"), sup("c", "k"), sup("k", "m"), und("m", "f")]
    full = rank(nodes, edges)
    trimmed = rank(nodes, edges, min_delta=1.0)
    assert [c.score for c in full.cruxes] == [c.score for c in trimmed.cruxes]
    assert full.cruxes[0].frames and trimmed.cruxes[0].frames == []


# --- synthetic generator ----------------------------------------------------------------
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@pytest.mark.parametrize("n", [1, 12, 500, 3000])
def test_generate_map_shape(n):
    doc = generate_map(n, seed=1)
    assert doc["format"] == "argmap" and doc["version"] == 1
    nodes, edges, votes = doc["nodes"], doc["edges"], doc["votes"]
    assert len(nodes) == n
    ids = [x["id"] for x in nodes]
    assert len(set(ids)) == n and all(ID.match(i) for i in ids)
    kinds = [x["kind"] for x in nodes]
    n_frames = kinds.count("frame")
    assert n_frames == min(n, max(10, n // 1000))
    if n >= 500:
        assert kinds.count("crux") == round(0.3 * n)
        assert 2.5 * n <= len(edges) <= 3.5 * n
        assert {e["kind"] for e in edges} == {"supports", "undermines", "subframe_of", "related"}
    frames = {x["id"] for x in nodes if x["kind"] == "frame"}
    for x in nodes:
        assert ("category" in x) == (x["kind"] == "frame")
        if x["kind"] == "frame":
            assert x["category"] in ("outer", "inner", "other")
        assert 0.0 <= x["prior"] <= 1.0
        assert re.fullmatch(r"(Frame|Claim|Crux) \d+", x["title"])
    triples = [(e["source"], e["target"], e["kind"]) for e in edges]
    assert len(set(triples)) == len(triples)
    assert all(s != t for s, t, _ in triples)
    for s, t, k in triples:
        if k == "subframe_of":
            assert s in frames and t in frames
    for v in votes:
        assert 0.01 <= v["credence"] <= 0.99 and round(v["credence"], 2) == v["credence"]
    assert len({(v["node"], v["user"]) for v in votes}) == len(votes)
    assert rank(*inputs_from_argmap(doc)).cruxes is not None


def test_generate_map_is_deterministic_and_seeded():
    assert generate_map(800, seed=5) == generate_map(800, seed=5)
    assert generate_map(800, seed=5) != generate_map(800, seed=6)


def test_generate_map_realistic_structure():
    import networkx as nx

    doc = generate_map(5000, seed=0)
    kinds = {x["id"]: x["kind"] for x in doc["nodes"]}
    g = nx.DiGraph()
    g.add_edges_from(
        (e["source"], e["target"]) for e in doc["edges"] if e["kind"] in ("supports", "undermines")
    )
    assert not nx.is_directed_acyclic_graph(g)  # a few backward edges make cycles
    sccs = [c for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert sccs and max(len(c) for c in sccs) < 100
    # chains several levels deep
    cond = nx.condensation(g)
    assert nx.dag_longest_path_length(cond) >= 4
    # subframes exist, the frame hierarchy is acyclic
    h = nx.DiGraph([(e["source"], e["target"]) for e in doc["edges"] if e["kind"] == "subframe_of"])
    assert h.number_of_edges() > 0 and nx.is_directed_acyclic_graph(h)
    # every crux gets a handful of votes
    per_node = {}
    for v in doc["votes"]:
        per_node[v["node"]] = per_node.get(v["node"], 0) + 1
    crux_votes = [per_node.get(k, 0) for k, kind in kinds.items() if kind == "crux"]
    assert min(crux_votes) >= 2 and max(crux_votes) <= 10
    users = {v["user"] for v in doc["votes"]}
    assert len(users) > 100
