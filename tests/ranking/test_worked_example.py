"""The 4-node worked example of docs/RANKING.md, number for number."""

from __future__ import annotations

import math

import pytest

from cruxes.ranking import rank

from .helpers import METHODS, claim, crux, frame, sup, und

pytestmark = []

NODES = [
    frame("a", prior=0.6),
    frame("b", prior=0.5),
    claim("k", prior=0.7),
    crux("c", prior=0.5, votes=(0.2, 0.8)),
]
EDGES = [sup("c", "k", 1.0), sup("k", "a", 1.0), und("c", "b", 0.5)]


@pytest.mark.parametrize("method", METHODS)
def test_worked_example_numbers(method):
    res = rank(NODES, EDGES, method=method)
    approx = pytest.approx
    sigma = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    z_res = logit(0.99)

    # 1. credence of c: the two votes' log-odds pool to 0 (shrunk toward the 0.5 prior)
    cred = res.credences["c"]
    assert (cred.n, cred.mean, cred.median) == (2, approx(0.5), approx(0.5))
    assert cred.sd == approx(0.3)
    assert cred.credence == approx(0.5)
    assert cred.histogram == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    (c,) = res.cruxes
    assert c.disagreement == approx(0.2)  # 2/(2+4) * min(1, 2 * 0.3)
    assert c.uncertainty == approx(0.6)  # 4 * .5 * .5 * (1 + .2) / 2

    # 2. coefficients: weight 1 -> 0.3; weight 0.5 -> 1 - 0.7 ** 0.5, negative (undermines)
    a_half = 1 - 0.7**0.5
    z_k = logit(0.7)
    z_a = logit(0.6) + 0.3 * z_k
    strengths = {f.key: f.strength for f in res.frames}
    assert strengths == {"a": approx(sigma(z_a)), "b": approx(0.5)}

    # 3. clamps: c := 0.99 / 0.01 moves z_k by +-0.3 Z, z_a by +-0.09 Z, z_b by -+a_half Z
    per_frame = {x.frame: x for x in c.frames}
    assert [x.frame for x in c.frames] == ["b", "a"]  # by per-frame score
    t_a, f_a = sigma(z_a + 0.09 * z_res), sigma(z_a - 0.09 * z_res)
    t_b, f_b = sigma(-a_half * z_res), sigma(a_half * z_res)
    assert per_frame["a"].strength_if_true == approx(t_a)
    assert per_frame["a"].strength_if_false == approx(f_a)
    assert per_frame["b"].strength_if_true == approx(t_b)
    assert per_frame["b"].strength_if_false == approx(f_b)
    assert per_frame["a"].delta == approx(0.183993, abs=1e-6)
    assert per_frame["b"].delta == approx(-0.358604, abs=1e-6)

    # 4. per-frame score: (1 + d) * expected movement, p = 0.5
    move_a = 0.5 * (t_a - sigma(z_a)) + 0.5 * (sigma(z_a) - f_a)
    move_b = 0.5 * (0.5 - t_b) + 0.5 * (f_b - 0.5)
    assert per_frame["a"].score == approx(1.2 * move_a)
    assert per_frame["b"].score == approx(1.2 * move_b)

    # 5. discrimination (a and b compete) and the global score
    disc = (t_a - f_a) - (t_b - f_b)
    assert c.discrimination == approx(disc)
    assert c.score == approx(1.2 * (move_a + move_b + 0.5 * 2 * 0.25 * disc))
    assert c.rank == 1 and c.connected
    assert res.to_json(7)["cruxes"][0]["score"] == 0.488338
