"""personal_view and differences: my frames and cruxes next to the community's."""

from __future__ import annotations

import pytest

from cruxes.ranking import rank
from cruxes.ranking.personal import differences, personal_view
from tests.ranking.helpers import crux, frame, sup, und


def _map():
    nodes = [
        frame("alpha"),
        frame("beta"),
        frame("gamma", votes=(0.5, 0.5, 0.5)),
        crux("big", votes=(0.5, 0.5)),
        crux("small", votes=(0.5, 0.5)),
        crux("loose", votes=(0.5,)),
    ]
    edges = [
        sup("big", "alpha", 2.0),
        und("big", "beta", 2.0),
        sup("small", "beta", 0.3),
    ]
    return nodes, edges


def test_without_my_credences_my_view_is_the_communitys():
    nodes, edges = _map()
    view = personal_view(nodes, edges, {})
    assert view.mine is view.community
    diff = differences(view.community, view.mine)
    assert diff.frames == [] and diff.cruxes == []


def test_my_credences_rank_the_map_once_and_my_gaps_are_listed():
    nodes, edges = _map()
    community = rank(nodes, edges)
    view = personal_view(
        nodes, edges, {"big": 0.9, "small": 0.9, "gamma": 0.8, "gone": 0.1}, community=community
    )
    assert view.community is community
    assert "gone" not in view.my_credences  # a node the map no longer has is ignored
    assert view.mine == rank(nodes, edges, credences=view.my_credences)
    diff = differences(community, view.mine)
    # the same gap on two cruxes: the one that matters more (moves two frames) comes first
    assert [d.key for d in diff.cruxes] == ["big", "small"]
    big = diff.cruxes[0]
    assert big.mine == pytest.approx(0.9) and big.community == pytest.approx(0.5)
    assert big.gap == pytest.approx(0.4)
    mine_score = {c.key: c.score for c in view.mine.cruxes}["big"]
    community_score = {c.key: c.score for c in community.cruxes}["big"]
    assert big.weight == pytest.approx(0.4 * max(mine_score, community_score))
    # every frame moved by my credences is listed, with the gap in its strength
    mine_frames = {f.key: f.strength for f in view.mine.frames}
    community_frames = {f.key: f.strength for f in community.frames}
    assert {d.key for d in diff.frames} == {"alpha", "beta", "gamma"}
    for d in diff.frames:
        assert d.gap == pytest.approx(mine_frames[d.key] - community_frames[d.key])
    # gamma: no crux reaches it, weight (1 + 0) / 2 of its gap
    gamma = next(d for d in diff.frames if d.key == "gamma")
    assert gamma.weight == pytest.approx(abs(gamma.gap) / 2)


def test_differences_keep_the_top_ones_by_weight():
    nodes, edges = _map()
    view = personal_view(nodes, edges, {"big": 0.99, "small": 0.2, "loose": 0.9})
    diff = differences(view.community, view.mine, top=1)
    assert len(diff.cruxes) == 1 and diff.cruxes[0].key == "big"
    assert len(diff.frames) == 1
