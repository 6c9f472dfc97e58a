"""The 11 required properties of the crux ranking, on small hand-built maps.

Every property is checked with both methods ("fast" and "reference").
"""

from __future__ import annotations

import math
import random

import pytest

from claims.synthetic import generate_map
from cruxes.ranking import EdgeInput, NodeInput, inputs_from_argmap, rank

from .helpers import METHODS, claim, crux, crux_result, frame, ranks, rel, scores, sub, sup, und

pytestmark = []

method_param = pytest.mark.parametrize("method", METHODS)


# 1. A crux with no path to any frame scores exactly 0 ------------------------------------
@method_param
def test_1_unlinked_crux_scores_exactly_zero(method):
    nodes = [
        frame("f"),
        claim("k"),
        crux("linked", votes=(0.3, 0.7)),
        crux("isolated", votes=(0.1, 0.9)),
        crux("dead-end", votes=(0.1, 0.9)),  # supports a claim that reaches no frame
        crux("only-related", votes=(0.1, 0.9)),  # related edges do not propagate
        crux("downstream", votes=(0.1, 0.9)),  # the frame supports it, not the reverse
    ]
    edges = [
        sup("linked", "f"),
        sup("dead-end", "k"),
        rel("only-related", "f"),
        sup("f", "downstream"),
    ]
    res = rank(nodes, edges, method=method)
    sc = scores(res)
    assert sc["linked"] > 0
    for key in ("isolated", "dead-end", "only-related", "downstream"):
        assert sc[key] == 0.0
        c = crux_result(res, key)
        assert c.frames == []
        assert c.discrimination == 0.0
    assert [c.key for c in res.cruxes][0] == "linked"
    assert len(res.cruxes) == 5  # every crux appears


# 2. Mirror images score equally; renaming / shuffling changes no score ---------------------
@method_param
def test_2_mirror_image_cruxes_score_equally(method):
    nodes = [
        frame("a", prior=0.6, votes=(0.5, 0.7)),
        frame("b", prior=0.6, votes=(0.5, 0.7)),
        claim("ka", prior=0.4),
        claim("kb", prior=0.4),
        crux("x", votes=(0.2, 0.6, 0.9)),
        crux("y", votes=(0.9, 0.2, 0.6)),  # same votes, another order
    ]
    edges = [
        sup("x", "ka", 0.7),
        und("ka", "a", 0.4),
        sup("x", "b", 0.2),
        sup("y", "kb", 0.7),
        und("kb", "b", 0.4),
        sup("y", "a", 0.2),
        sup("a", "ka", 0.3),  # a cycle on each side
        sup("b", "kb", 0.3),
    ]
    res = rank(nodes, edges, method=method)
    sc = scores(res)
    assert sc["x"] > 0
    assert sc["x"] == pytest.approx(sc["y"], abs=1e-12)
    # ties are broken by key
    assert [c.key for c in res.cruxes] == ["x", "y"]


def _renamed(nodes, edges, mapping):
    return (
        [NodeInput(mapping[n.key], n.kind, n.prior, n.credences) for n in nodes],
        [EdgeInput(mapping[e.source], mapping[e.target], e.kind, e.weight) for e in edges],
    )


@method_param
def test_2_renaming_and_shuffling_change_no_score(method):
    nodes, edges = inputs_from_argmap(generate_map(120, seed=3))
    base = rank(nodes, edges, method=method)
    rng = random.Random(7)

    shuffled_nodes, shuffled_edges = nodes[:], edges[:]
    rng.shuffle(shuffled_nodes)
    rng.shuffle(shuffled_edges)
    again = rank(shuffled_nodes, shuffled_edges, method=method)
    assert again.to_json(1) == base.to_json(1)
    assert scores(again) == scores(base)  # canonical order: bit-identical

    keys = [n.key for n in nodes]
    new_names = [f"n{i:04d}" for i in range(len(keys))]
    rng.shuffle(new_names)  # a renaming that scrambles the sort order
    mapping = dict(zip(keys, new_names, strict=True))
    renamed = rank(*_renamed(nodes, edges, mapping), method=method)
    sc, sc_renamed = scores(base), scores(renamed)
    for key, value in sc.items():
        assert sc_renamed[mapping[key]] == pytest.approx(value, rel=1e-9, abs=1e-12)
    strengths = {f.key: f.strength for f in renamed.frames}
    for f in base.frames:
        assert strengths[mapping[f.key]] == pytest.approx(f.strength, abs=1e-12)


# 3. Split voters beat consensus at the same mean -----------------------------------------
@method_param
def test_3_split_voters_beat_consensus(method):
    nodes = [
        frame("f"),
        crux("split", votes=(0.1, 0.9, 0.1, 0.9)),
        crux("consensus", votes=(0.5, 0.5, 0.5, 0.5)),
    ]
    edges = [sup("split", "f"), sup("consensus", "f")]
    res = rank(nodes, edges, method=method)
    split, cons = crux_result(res, "split"), crux_result(res, "consensus")
    assert split.credence == pytest.approx(cons.credence)  # same mean, same p
    assert split.frames[0].delta == pytest.approx(cons.frames[0].delta)
    assert split.score > cons.score
    assert split.rank == 1


# 4. A near-certain crux scores below one held at 0.5 ------------------------------------
@method_param
def test_4_near_certain_crux_scores_below_uncertain(method):
    nodes = [
        frame("f"),
        crux("certain", votes=(0.99,) * 5),
        crux("unsure", votes=(0.5,) * 5),
    ]
    edges = [sup("certain", "f"), sup("unsure", "f")]
    res = rank(nodes, edges, method=method)
    assert crux_result(res, "certain").score < crux_result(res, "unsure").score
    assert ranks(res) == {"unsure": 1, "certain": 2}


# 5. Linked to two frames outranks linked to one ------------------------------------------
@method_param
@pytest.mark.parametrize("layout", ["two-top-level", "three-top-level", "different-groups"])
def test_5_two_frames_outrank_one(method, layout):
    nodes = [frame("f1"), frame("f2"), crux("c", votes=(0.3, 0.6))]
    edges = []
    if layout == "three-top-level":
        nodes.append(frame("f3"))
    if layout == "different-groups":
        nodes += [frame("p1"), frame("p2"), frame("g1"), frame("g2")]
        edges += [sub("f1", "p1"), sub("g1", "p1"), sub("f2", "p2"), sub("g2", "p2")]
    one = rank(nodes, [*edges, sup("c", "f1")], method=method)
    two = rank(nodes, [*edges, sup("c", "f1"), sup("c", "f2")], method=method)
    assert scores(two)["c"] > scores(one)["c"]

    # and inside one map: "wide" links to both, "narrow" (identical otherwise) to one
    both = [
        *[n for n in nodes if n.kind == "frame"],
        crux("narrow", votes=(0.3, 0.6)),
        crux("wide", votes=(0.3, 0.6)),
    ]
    res = rank(
        both, [*edges, sup("wide", "f1"), sup("wide", "f2"), sup("narrow", "f1")], method=method
    )
    assert ranks(res) == {"wide": 1, "narrow": 2}


# 6. Heavier edge weight, higher score ---------------------------------------------------
@method_param
def test_6_heavier_edge_scores_higher(method):
    def score(w: float, via_claim: bool) -> float:
        nodes = [frame("f"), claim("k", 0.6), claim("other", 0.7), crux("c", votes=(0.4, 0.8))]
        edges = [sup("other", "f", 0.5)]
        if via_claim:
            edges += [und("c", "k", w), sup("k", "f", 0.6)]
        else:
            edges += [und("c", "f", w)]
        return scores(rank(nodes, edges, method=method))["c"]

    for via_claim in (False, True):
        ws = [0.1, 0.5, 1.0, 2.0, 5.0]
        got = [score(w, via_claim) for w in ws]
        assert all(a < b for a, b in zip(got, got[1:], strict=False)), got

    nodes = [frame("f"), crux("heavy", votes=(0.5,)), crux("light", votes=(0.5,))]
    res = rank(nodes, [sup("heavy", "f", 0.9), sup("light", "f", 0.3)], method=method)
    assert ranks(res) == {"heavy": 1, "light": 2}


# 7. Through an intermediate claim scores below a direct link ------------------------------
@method_param
def test_7_indirect_link_scores_below_direct(method):
    votes = (0.2, 0.5, 0.7)
    direct = rank([frame("f"), crux("c", votes=votes)], [sup("c", "f", 0.8)], method=method)
    chain = rank(
        [frame("f"), claim("k", 0.5), crux("c", votes=votes)],
        [sup("c", "k", 0.8), sup("k", "f", 0.8)],
        method=method,
    )
    assert 0 < scores(chain)["c"] < scores(direct)["c"]

    # in one map, same weights everywhere
    res = rank(
        [frame("f"), claim("k"), crux("near", votes=votes), crux("far", votes=votes)],
        [sup("near", "f", 0.8), sup("far", "k", 0.8), sup("k", "f", 0.8)],
        method=method,
    )
    assert ranks(res) == {"near": 1, "far": 2}


# 8. Polarity does not change the magnitude -----------------------------------------------
# Engine 2.0 (log-odds): swapping supports <-> undermines negates the edge's coefficient, so
# an underminer is the exact mirror of a supporter whose votes are mirrored (x -> 1 - x):
# same score, opposite delta. (In probability the effect on a frame away from even odds is
# not symmetric: a frame at 0.8 has more room to fall than to rise, as Bayes' rule says.)
@method_param
@pytest.mark.parametrize("frame_prior", [0.5, 0.8, 0.15])
def test_8_polarity_keeps_magnitude(method, frame_prior):
    def run(edge, votes):
        nodes = [
            frame("f", prior=frame_prior, votes=(0.6, 0.9)),
            claim("other", 0.3),
            crux("c", votes=votes),
        ]
        return rank(nodes, [edge("c", "f", 0.7), sup("other", "f", 0.4)], method=method)

    pos, neg = run(sup, (0.2, 0.7)), run(und, (0.8, 0.3))
    cp, cn = crux_result(pos, "c"), crux_result(neg, "c")
    assert cp.score == pytest.approx(cn.score, rel=1e-12)
    assert cp.frames[0].delta == pytest.approx(-cn.frames[0].delta, rel=1e-12)
    assert cp.frames[0].delta > 0 > cn.frames[0].delta

    # at even odds, a crux that supports a frame and another that undermines it score alike
    nodes = [frame("f", prior=0.5), crux("pro", votes=(0.4,)), crux("con", votes=(0.4,))]
    res = rank(nodes, [sup("pro", "f", 0.6), und("con", "f", 0.6)], method=method)
    assert scores(res)["pro"] == pytest.approx(scores(res)["con"], rel=1e-12)


# 9. Cycles finish with finite scores ------------------------------------------------------
@method_param
def test_9_cycles_give_finite_scores(method):
    nodes = [
        frame("f1", prior=0.9),
        frame("f2", prior=0.1),
        claim("a", 0.99),
        claim("b", 0.01),
        crux("c", votes=(0.01, 0.99)),
        crux("d", votes=(0.99,)),
    ]
    edges = [
        sup("a", "b", 5.0),
        sup("b", "a", 5.0),
        und("a", "c", 3.0),
        und("c", "a", 3.0),
        sup("c", "c", 1.0),  # a self-loop
        sup("a", "f1", 2.0),
        und("b", "f2", 2.0),
        sup("f1", "c", 1.0),  # a frame on a cycle
        und("f2", "f1", 1.0),
        und("f1", "f2", 1.0),
        sup("d", "d", 9.0),
        und("d", "f1", 1.0),
    ]
    res = rank(nodes, edges, method=method)
    assert all(math.isfinite(c.score) and c.score > 0 for c in res.cruxes)
    for f in res.frames:
        assert 0.0 <= f.strength <= 1.0
    for c in res.cruxes:
        for fs in c.frames:
            assert all(
                math.isfinite(x) for x in (fs.delta, fs.strength_if_true, fs.strength_if_false)
            )
            assert 0.0 <= fs.strength_if_false <= 1.0
            assert 0.0 <= fs.strength_if_true <= 1.0


def test_9_long_support_ring_is_finite_and_methods_agree():
    n = 60
    nodes = [frame("f")] + [claim(f"k{i:02d}", 0.9) for i in range(n)] + [crux("c", votes=(0.5,))]
    edges = [sup(f"k{i:02d}", f"k{(i + 1) % n:02d}", 10.0) for i in range(n)]
    edges += [sup("c", "k00"), sup("k30", "f"), und("k59", "c", 4.0)]
    fast = rank(nodes, edges)
    ref = rank(nodes, edges, method="reference")
    assert math.isfinite(scores(fast)["c"]) and scores(fast)["c"] > 0
    assert scores(fast)["c"] == pytest.approx(scores(ref)["c"], abs=1e-9)


# 10. Empty map, map without frames -------------------------------------------------------
@method_param
def test_10_empty_map(method):
    res = rank([], [], method=method)
    assert res.frames == [] and res.cruxes == [] and res.credences == {}
    assert res.to_json(None) == {
        "graph_version": None,
        "engine_version": res.engine_version,
        "frames": [],
        "cruxes": [],
    }


@method_param
def test_10_map_without_frames(method):
    nodes = [claim("k"), crux("c", votes=(0.1, 0.9)), crux("d")]
    res = rank(nodes, [sup("c", "k"), und("k", "d")], method=method)
    assert res.frames == []
    # both score 0 and share the rank (competition ranking); neither reaches a frame
    assert [(c.key, c.rank, c.score, c.frames, c.connected) for c in res.cruxes] == [
        ("c", 1, 0.0, [], False),
        ("d", 1, 0.0, [], False),
    ]
    assert set(res.credences) == {"k", "c", "d"}
    only_claims = rank([claim("k")], [], method=method)
    assert only_claims.frames == [] and only_claims.cruxes == []


# 11. Discrimination: support one sibling and undermine the other > support both -----------
@method_param
@pytest.mark.parametrize("under_parent", [False, True])
def test_11_discriminating_crux_outranks_non_discriminating(method, under_parent):
    nodes = [
        frame("s1"),
        frame("s2"),
        crux("discriminating", votes=(0.3, 0.8)),
        crux("common", votes=(0.3, 0.8)),
    ]
    edges = [
        sup("discriminating", "s1", 0.7),
        und("discriminating", "s2", 0.7),
        sup("common", "s1", 0.7),
        sup("common", "s2", 0.7),
    ]
    if under_parent:
        nodes += [frame("parent"), frame("rival")]
        edges += [sub("s1", "parent"), sub("s2", "parent")]
    res = rank(nodes, edges, method=method)
    d, c = crux_result(res, "discriminating"), crux_result(res, "common")
    assert d.discrimination > 0
    if under_parent:
        # engine 2.0: "rival" (top level, not a container) competes with s1 and s2, so
        # raising both separates them from it; lowering one separates more
        assert d.discrimination > c.discrimination > 0
    else:
        assert c.discrimination == pytest.approx(0.0, abs=1e-15)
    assert d.score > c.score
    assert d.rank == 1
    # same per-frame magnitudes: the difference is the discrimination alone
    assert sorted(abs(x.delta) for x in d.frames) == pytest.approx(
        sorted(abs(x.delta) for x in c.frames)
    )
