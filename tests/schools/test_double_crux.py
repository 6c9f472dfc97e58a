"""double_crux: the cruxes whose resolution would bring two views of the frames together."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cruxes.ranking import rank
from cruxes.ranking.double_crux import DEFAULT_THRESHOLD, double_crux
from cruxes.ranking.schools import find_schools
from tests.ranking.helpers import crux, frame, sup

from .electorates import CRUX_KEYS, SPLIT_KEYS, camp_map, camps, random_dag, voter_credences


def _logit(p: float) -> float:
    p = min(1 - 1e-12, max(1e-12, p))
    return math.log(p / (1 - p))


def _frames(nodes, edges, credences) -> dict[str, float]:
    return {f.key: f.strength for f in rank(nodes, edges, credences=credences).frames}


def brute_force(nodes, edges, a, b, threshold=DEFAULT_THRESHOLD) -> dict[str, float]:
    """R(c) for every crux by re-ranking each side with the crux fixed: the arguments into
    it removed and its credence set to 0.99 (true) or 0.01 (false), on an acyclic map."""
    run_a, run_b = rank(nodes, edges, credences=a), rank(nodes, edges, credences=b)
    s_a = {f.key: f.strength for f in run_a.frames}
    s_b = {f.key: f.strength for f in run_b.frames}
    disputed = [f for f in s_a if abs(s_a[f] - s_b[f]) >= threshold]
    p_b = {c.key: c.strength for c in run_b.cruxes}
    out = {}
    for c in run_a.cruxes:
        kept = [e for e in edges if e.target != c.key]
        q = 1 / (1 + math.exp(-(_logit(c.strength) + _logit(p_b[c.key])) / 2))
        worlds = {
            x: (
                _frames(nodes, kept, {**a, c.key: x}),
                _frames(nodes, kept, {**b, c.key: x}),
            )
            for x in (0.99, 0.01)
        }
        total = 0.0
        for f in disputed:
            before = abs(_logit(s_a[f]) - _logit(s_b[f]))
            (ta, tb), (fa, fb) = ((w[0][f], w[1][f]) for w in (worlds[0.99], worlds[0.01]))
            after = q * abs(_logit(ta) - _logit(tb)) + (1 - q) * abs(_logit(fa) - _logit(fb))
            total += before - after
        out[c.key] = total
    return out


def _sides(nodes, seed):
    rng = np.random.default_rng(seed)
    keys = [n.key for n in nodes if n.kind != "frame"]
    a = {k: float(rng.uniform(0.05, 0.95)) for k in keys if rng.uniform() < 0.7}
    b = {k: float(rng.uniform(0.05, 0.95)) for k in keys if rng.uniform() < 0.7}
    return a, b


@pytest.mark.parametrize("seed", range(12))
def test_double_crux_agrees_with_brute_force_on_small_maps(seed):
    nodes, edges = random_dag(seed, n=11)
    a, b = _sides(nodes, seed)
    result = double_crux(nodes, edges, a, b, threshold=0.05)
    expected = brute_force(nodes, edges, a, b, threshold=0.05)
    got = {d.key: d.reduction for d in result.cruxes}
    for key, value in expected.items():
        if value > 1e-9:
            assert got[key] == pytest.approx(value, abs=1e-9)
        else:
            assert key not in got
    assert [d.key for d in result.cruxes] == sorted(got, key=lambda k: (-round(got[k], 12), k))


def test_brute_force_maps_disagree_somewhere():
    found = 0
    for seed in range(12):
        nodes, edges = random_dag(seed, n=11)
        a, b = _sides(nodes, seed)
        found += bool(double_crux(nodes, edges, a, b, threshold=0.05).cruxes)
    assert found >= 6  # the comparison above is not vacuous


def test_the_double_crux_of_two_camp_members_lists_the_five_split_cruxes_first():
    nodes, edges = camp_map()
    for seed in range(3):
        votes = camps(seed)
        a, b = voter_credences(votes, 0), voter_credences(votes, 29)
        result = double_crux(nodes, edges, a, b)
        assert not result.no_frame_disagreement
        assert {"f0", "f1"} <= {f.frame for f in result.frames}
        assert {d.key for d in result.cruxes[:5]} == set(SPLIT_KEYS)
        top = result.cruxes[0]
        assert top.credence_a > 0.75 and top.credence_b < 0.25
        assert top.frames[0].delta_a > 0 and top.frames[0].gap_after < top.frames[0].gap_before
        assert top.reason.startswith(f"you hold {top.credence_a:.2f} and they hold ")
        assert "if it were settled, your views on 'f" in top.reason


def test_a_pair_that_agrees_on_the_frames_gets_an_empty_list_and_the_flag():
    nodes = [frame("f"), crux("c"), crux("d")]
    edges = [sup("c", "f"), sup("d", "f", 0.1)]
    same = double_crux(nodes, edges, {"c": 0.6}, {"c": 0.6})
    assert same.no_frame_disagreement and same.cruxes == [] and same.frames == []
    # they disagree on d, but d barely moves the frame: no frame-level disagreement
    small = double_crux(nodes, edges, {"d": 0.9}, {"d": 0.1})
    assert small.no_frame_disagreement and small.cruxes == []


def test_reasons_use_the_given_names_and_titles():
    nodes = [frame("f"), crux("c")]
    edges = [sup("c", "f", 3.0)]
    result = double_crux(
        nodes, edges, {"c": 0.8}, {"c": 0.2}, names=("you", "group B"), titles={"f": "Deception"}
    )
    (only,) = result.cruxes
    assert only.reason.startswith("you hold 0.80 and group B hold 0.20; if it were settled, ")
    assert "your views on 'Deception' would move" in only.reason


def test_the_double_crux_of_the_two_camps_as_groups_lists_the_five_first():
    nodes, edges = camp_map()
    schools = find_schools(camps(4), node_keys=CRUX_KEYS, min_size=3, seed=0)
    one, two = schools.groups
    result = double_crux(nodes, edges, one.credences, two.credences, names=("group A", "group B"))
    assert {d.key for d in result.cruxes[:5]} == set(SPLIT_KEYS)
    assert result.cruxes[0].reason.startswith("group A hold ")


def test_top_lists_the_first_cruxes_of_the_full_list():
    nodes, edges = camp_map()
    votes = camps(1)
    a, b = voter_credences(votes, 0), voter_credences(votes, 29)
    full = double_crux(nodes, edges, a, b)
    first = double_crux(nodes, edges, a, b, top=3)
    assert first.cruxes == full.cruxes[:3]
