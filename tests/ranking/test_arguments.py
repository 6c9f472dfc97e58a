"""Linked premises, undercuts and voted edge strengths in the engine (issue 14).

docs/RANKING.md, "Linked premises and undercuts": a linked argument counts only insofar as
all its premises hold together; an undercut weakens the inference of the edge it attacks in
proportion to the undercutter's credence and never moves the edge's two ends directly;
the fast path still equals the exact reference; cycles through either are refused.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruxes.ranking import EdgeInput, NodeInput, pooled_strength, rank
from cruxes.ranking.semantics import EDGE_STRENGTH, Z_RESOLVED

TOL = 1e-9


def frame_strength(nodes, edges, frame="f"):
    result = rank(nodes, edges)
    return next(f.strength for f in result.frames if f.key == frame)


def entry(result, crux, frame="f"):
    c = next(c for c in result.cruxes if c.key == crux)
    return next((fs for fs in c.frames if fs.frame == frame), None)


def linked_map(prior_p=0.5, prior_q=0.5):
    nodes = [
        NodeInput("f", "frame", 0.5),
        NodeInput("p", "crux", prior_p),
        NodeInput("q", "crux", prior_q),
    ]
    edges = [
        EdgeInput("p", "f", "supports", 1.0, key="p-f", group="joint"),
        EdgeInput("q", "f", "supports", 1.0, key="q-f", group="joint"),
    ]
    return nodes, edges


def test_a_linked_argument_counts_only_as_far_as_all_its_premises_hold_together():
    nodes, edges = linked_map(0.9, 0.8)
    z = math.log(frame_strength(nodes, edges) / (1 - frame_strength(nodes, edges)))
    # z_f = 0 + a * Z * 0.9 * 0.8 (docs/RANKING.md): a product, not a sum of two edges.
    assert z == pytest.approx(EDGE_STRENGTH * Z_RESOLVED * 0.9 * 0.8, abs=1e-12)


def test_clamping_one_premise_false_removes_the_whole_arguments_effect():
    nodes, edges = linked_map(0.9, 0.9)
    result = rank(nodes, edges)
    without = frame_strength(nodes[:1], [])  # the frame with no argument at all: 0.5
    for premise in ("p", "q"):
        e = entry(result, premise)
        # False = credence 0.01 (the vote range): 1 % of the argument is left.
        assert abs(e.strength_if_false - without) < 0.01 * EDGE_STRENGTH * Z_RESOLVED / 4
        assert e.strength_if_true > without + 0.2
    # The same two premises as independent edges: a false one pushes the frame *down*.
    plain = [EdgeInput(e.source, e.target, e.kind, e.weight) for e in edges]
    assert entry(rank(nodes, plain), "p").strength_if_false < without - 0.1


def test_a_group_mixing_targets_or_kinds_is_refused():
    nodes = [*linked_map()[0], NodeInput("g", "frame", 0.5)]
    mixed_target = [
        EdgeInput("p", "f", "supports", key="a", group="joint"),
        EdgeInput("q", "g", "supports", key="b", group="joint"),
    ]
    with pytest.raises(ValueError, match="mixes targets or kinds"):
        rank(nodes, mixed_target)
    mixed_kind = [
        EdgeInput("p", "f", "supports", key="a", group="joint"),
        EdgeInput("q", "f", "undermines", key="b", group="joint"),
    ]
    with pytest.raises(ValueError, match="mixes targets or kinds"):
        rank(nodes, mixed_kind)


def undercut_map(undercutter_prior=0.5, weight=1.0, undercut_weight=1.0):
    nodes = [
        NodeInput("f", "frame", 0.5),
        NodeInput("c", "crux", 0.9),
        NodeInput("u", "crux", undercutter_prior),
    ]
    edges = [
        EdgeInput("c", "f", "supports", weight, key="c-f"),
        EdgeInput("u", "", "undercuts", undercut_weight, key="u-cf", target_edge="c-f"),
    ]
    return nodes, edges


def test_an_undercut_weakens_the_edge_in_proportion_to_the_undercutters_credence():
    base_nodes, base_edges = undercut_map()
    alone = frame_strength(base_nodes, base_edges[:1])
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    for prior in (0.1, 0.5, 0.9):
        nodes, edges = undercut_map(prior)
        z = logit(frame_strength(nodes, edges))
        assert z == pytest.approx(logit(alone) * (1 - prior), rel=1e-9)


def test_an_undercut_never_moves_the_edges_two_ends_directly():
    nodes, edges = undercut_map(0.9)
    result = rank(nodes, edges)
    source = next(c for c in result.cruxes if c.key == "c")
    assert source.strength == pytest.approx(0.9)  # the undercut does not touch its source
    # An undercut of an edge that carries nothing (weight 0) changes nothing anywhere.
    nodes, edges = undercut_map(0.9, weight=0.0)
    result = rank(nodes, edges)
    assert entry(result, "u") is None
    assert next(f.strength for f in result.frames) == pytest.approx(0.5)


def test_undercutters_are_ranked_like_any_crux():
    nodes, edges = undercut_map(0.5)
    result = rank(nodes, edges)
    u = next(c for c in result.cruxes if c.key == "u")
    assert u.connected and u.score > 0
    e = entry(result, "u")
    assert e.strength_if_true < e.strength_if_false  # an undercut argues against the effect
    assert list(e.path) == ["u", "f"]  # the step runs from the undercutter to the conclusion


def test_a_cycle_through_an_undercut_is_refused_with_the_nodes_named():
    nodes, edges = undercut_map()
    edges.append(EdgeInput("f", "u", "supports", 1.0, key="f-u"))
    with pytest.raises(ValueError, match=r"undercut by 'u' of 'c' -> 'f'.*cycle"):
        rank(nodes, edges)


def test_a_cycle_through_a_linked_argument_is_refused():
    nodes, edges = linked_map()
    edges.append(EdgeInput("f", "p", "supports", 1.0, key="f-p"))
    with pytest.raises(ValueError, match="linked premise 'p'.*cycle"):
        rank(nodes, edges)


def test_undercutting_a_subframe_or_missing_edge_is_refused():
    nodes = [
        NodeInput("f", "frame", 0.5),
        NodeInput("g", "frame", 0.5),
        NodeInput("u", "crux", 0.5),
    ]
    edges = [
        EdgeInput("g", "f", "subframe_of", key="g-f"),
        EdgeInput("u", "", "undercuts", key="u-gf", target_edge="g-f"),
    ]
    with pytest.raises(ValueError, match="only supports and undermines"):
        rank(nodes, edges)
    edges[1] = EdgeInput("u", "", "undercuts", key="u-x", target_edge="missing")
    with pytest.raises(ValueError, match="no such edge"):
        rank(nodes, edges)


def test_voted_strength_replaces_the_authors_weight_shrunk_toward_it():
    nodes = [NodeInput("f", "frame", 0.5), NodeInput("c", "crux", 0.9)]
    author = EdgeInput("c", "f", "supports", 0.2, key="c-f")
    strong_votes = EdgeInput("c", "f", "supports", 0.2, key="c-f", strengths=(1.0,) * 12)
    weak_votes = EdgeInput("c", "f", "supports", 0.2, key="c-f", strengths=(0.0,) * 12)
    s_author = frame_strength(nodes, [author])
    s_strong = frame_strength(nodes, [strong_votes])
    s_weak = frame_strength(nodes, [weak_votes])
    assert s_weak < s_author < s_strong
    pooled = pooled_strength((1.0,) * 12, None, 0.2)
    assert pooled == pytest.approx((12 * 1.0 + 4 * 0.2) / 16)
    same = EdgeInput("c", "f", "supports", pooled, key="c-f")
    assert s_strong == pytest.approx(frame_strength(nodes, [same]), abs=1e-12)
    # Standing: the same votes from non-members (weight 0.1 each) move it far less.
    outsiders = EdgeInput(
        "c", "f", "supports", 0.2, key="c-f", strengths=(1.0,) * 12, strength_weights=(0.1,) * 12
    )
    assert s_author < frame_strength(nodes, [outsiders]) < s_strong


credence = st.sampled_from([0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])


@st.composite
def nonlinear_maps(draw):
    """Acyclic maps (edges from lower to higher index) with linked groups and undercuts."""
    n = draw(st.integers(3, 10))
    kinds = draw(st.lists(st.sampled_from(["frame", "claim", "crux"]), min_size=n, max_size=n))
    kinds[-1] = "frame"
    nodes = [
        NodeInput(f"n{i}", kinds[i], draw(credence), tuple(draw(st.lists(credence, max_size=3))))
        for i in range(n)
    ]
    edges: list[EdgeInput] = []
    seen = set()
    for _ in range(draw(st.integers(1, 3 * n))):
        a = draw(st.integers(0, n - 2))
        b = draw(st.integers(a + 1, n - 1))
        kind = draw(st.sampled_from(["supports", "undermines"]))
        if (a, b, kind) in seen:
            continue
        seen.add((a, b, kind))
        group = draw(st.sampled_from([None, None, f"g{b}{kind[0]}"]))
        edges.append(
            EdgeInput(
                f"n{a}",
                f"n{b}",
                kind,
                draw(st.sampled_from([0.3, 1.0, 2.0])),
                key=f"e{len(edges)}",
                group=group,
            )
        )
    for _ in range(draw(st.integers(0, 3))):
        if not edges:
            break
        target = draw(st.sampled_from([e for e in edges if e.kind != "undercuts"]))
        b = int(target.target[1:])
        u = draw(st.integers(0, n - 1))
        if u >= b or any(
            e.kind == "undercuts" and e.source == f"n{u}" and e.target_edge == target.key
            for e in edges
        ):
            continue  # an undercutter downstream of the conclusion would close a cycle
        edges.append(
            EdgeInput(
                f"n{u}",
                "",
                "undercuts",
                draw(st.sampled_from([0.5, 1.0])),
                key=f"u{len(edges)}",
                target_edge=target.key,
            )
        )
    return nodes, edges


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nonlinear_maps())
def test_fast_matches_reference_with_linked_arguments_and_undercuts(case):
    nodes, edges = case
    fast = rank(nodes, edges)
    ref = rank(nodes, edges, method="reference")
    assert [f.key for f in fast.frames] == [f.key for f in ref.frames]
    for a, b in zip(fast.frames, ref.frames, strict=True):
        assert abs(a.strength - b.strength) < TOL
    by_key = {c.key: c for c in ref.cruxes}
    for c in fast.cruxes:
        r = by_key[c.key]
        assert abs(c.score - r.score) < TOL
        assert c.connected == r.connected
        mine = {fs.frame: fs for fs in c.frames if abs(fs.delta) > TOL}
        theirs = {fs.frame: fs for fs in r.frames if abs(fs.delta) > TOL}
        assert mine.keys() == theirs.keys()
        for frame, fs in mine.items():
            assert abs(fs.delta - theirs[frame].delta) < TOL
            assert abs(fs.strength_if_true - theirs[frame].strength_if_true) < TOL
