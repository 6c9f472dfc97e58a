"""The 4-node worked example of docs/RANKING.md, number for number."""

from __future__ import annotations

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

    # 1. credence of c: log-odds mean shrunk toward the prior, disagreement, uncertainty
    cred = res.credences["c"]
    assert (cred.n, cred.mean, cred.median) == (2, approx(0.5), approx(0.5))
    assert cred.sd == approx(0.3)
    assert cred.logodds_mean == approx(0.5)
    assert cred.credence == approx(0.5)
    assert cred.histogram == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    assert res.credences["k"].credence == 0.7 and res.credences["k"].n == 0

    (c,) = res.cruxes
    assert c.disagreement == approx(0.3)  # 2/(2+2) * min(1, 2 * 0.3)
    assert c.uncertainty == approx(0.65)  # 4 * .5 * .5 * (1 + .3) / 2

    # 2. propagation: M[k,c] = .3 * 1/2 = .15, M[a,k] = .4 * 1/2 = .2, M[b,c] = -.5 * .5/1.5
    strengths = {f.key: f.strength for f in res.frames}
    assert strengths == {"a": approx(0.755), "b": approx(0.5 - 1 / 12)}
    assert c.strength == approx(0.5)

    # 3. clamp deltas and per-frame scores
    per_frame = {x.frame: x for x in c.frames}
    assert [x.frame for x in c.frames] == ["b", "a"]  # by per-frame score
    assert per_frame["a"].delta == approx(0.03)
    assert per_frame["a"].strength_if_true == approx(0.77)
    assert per_frame["a"].strength_if_false == approx(0.74)
    assert per_frame["b"].delta == approx(-1 / 6)
    assert per_frame["b"].strength_if_true == approx(1 / 3)
    assert per_frame["b"].strength_if_false == approx(0.5)
    assert per_frame["a"].score == approx(0.65 * 0.03)
    assert per_frame["b"].score == approx(0.65 / 6)

    # 4. global score: U * (sum |delta| + 1/2 * (max delta - min delta over {a, b}))
    assert c.discrimination == approx(0.03 + 1 / 6)
    assert c.score == approx(0.19175)
    assert c.rank == 1

    assert res.to_json(7)["cruxes"][0]["score"] == 0.19175
