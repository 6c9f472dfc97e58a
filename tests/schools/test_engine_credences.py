"""rank(..., credences=...): given credences replace the pooled ones, nothing else changes."""

from __future__ import annotations

import math

import pytest

from cruxes.ranking import rank
from tests.ranking.helpers import crux, frame, sup, und

from .electorates import random_dag


def _cruxes(nodes):
    return [n.key for n in nodes if n.kind == "crux"]


@pytest.mark.parametrize("method", ["fast", "reference"])
@pytest.mark.parametrize("seed", range(6))
def test_no_given_credences_is_bit_for_bit_the_community_ranking(seed, method):
    nodes, edges = random_dag(seed)
    plain = rank(nodes, edges, method=method)
    for given in (None, {}):
        other = rank(nodes, edges, method=method, credences=given)
        assert other.to_json(3) == plain.to_json(3)
        assert other.cruxes == plain.cruxes
        assert other.frames == plain.frames


def test_a_given_credence_is_used_as_is():
    nodes = [frame("f"), crux("c", votes=(0.1, 0.2, 0.3)), crux("d", votes=(0.9,))]
    edges = [sup("c", "f"), und("d", "f")]
    result = rank(nodes, edges, credences={"c": 0.77, "d": 1.0})
    by_key = {c.key: c for c in result.cruxes}
    assert by_key["c"].credence == 0.77
    assert by_key["c"].strength == pytest.approx(0.77, abs=1e-15)
    assert result.credences["c"].credence == 0.77
    assert by_key["d"].credence == 0.99  # clipped to the vote range
    # the votes' statistics and disagreement stay the real votes'
    plain = rank(nodes, edges)
    assert result.credences["c"].mean == plain.credences["c"].mean
    assert by_key["c"].disagreement == {c.key: c for c in plain.cruxes}["c"].disagreement


@pytest.mark.parametrize("seed", range(8))
def test_a_crux_set_true_moves_its_frames_as_the_engines_delta_says(seed):
    nodes, edges = random_dag(seed)
    plain = rank(nodes, edges)
    targets = {e.target for e in edges}
    strengths = {f.key: f.strength for f in plain.frames}
    for c in plain.cruxes:
        if c.key in targets:  # set it by its credence only where nothing argues into it
            continue
        moved = {fs.frame: fs for fs in c.frames}
        for value, field in ((0.99, "strength_if_true"), (0.01, "strength_if_false")):
            now = {f.key: f.strength for f in rank(nodes, edges, credences={c.key: value}).frames}
            for key, s in now.items():
                expected = getattr(moved[key], field) if key in moved else strengths[key]
                assert s == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_fast_and_reference_agree_with_given_credences(seed):
    nodes, edges = random_dag(seed)
    given = {key: 0.1 + 0.8 * (i % 3) / 2 for i, key in enumerate(_cruxes(nodes))}
    fast = rank(nodes, edges, credences=given)
    ref = rank(nodes, edges, credences=given, method="reference")
    for a, b in zip(fast.cruxes, ref.cruxes, strict=True):
        assert a.key == b.key
        assert a.score == pytest.approx(b.score, abs=1e-9)
        assert a.credence == pytest.approx(b.credence, abs=1e-12)
    for a, b in zip(fast.frames, ref.frames, strict=True):
        assert a.strength == pytest.approx(b.strength, abs=1e-9)


def test_a_credence_for_an_unknown_node_or_out_of_range_is_refused():
    nodes, edges = [frame("f"), crux("c")], [sup("c", "f")]
    with pytest.raises(ValueError, match="unknown node"):
        rank(nodes, edges, credences={"nope": 0.5})
    with pytest.raises(ValueError, match="does not lie in"):
        rank(nodes, edges, credences={"c": 1.5})
    with pytest.raises(ValueError, match="does not lie in"):
        rank(nodes, edges, credences={"c": math.nan})
