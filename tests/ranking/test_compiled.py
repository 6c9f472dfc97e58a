"""compile_graph + rank_graph: a map compiled once ranks every view exactly as rank() does,
and no run changes the compiled graph (the web processes share one per map version)."""

from __future__ import annotations

import pickle

import pytest

from claims.synthetic import generate_map
from cruxes.ranking import compile_graph, inputs_from_argmap, rank, rank_graph

from .helpers import METHODS


@pytest.fixture(scope="module")
def synthetic():
    return inputs_from_argmap(generate_map(600, seed=3))


@pytest.fixture(scope="module")
def small():
    # The reference method inverts the whole map densely: a small one.
    return inputs_from_argmap(generate_map(120, seed=3))


def _views(nodes) -> list[dict[str, float]]:
    cruxes = [n.key for n in nodes if n.kind == "crux"]
    return [
        {},
        dict.fromkeys(cruxes[:40], 0.9),
        dict.fromkeys(cruxes[20:80], 0.1),
    ]


@pytest.mark.parametrize("method", METHODS)
def test_one_compiled_graph_ranks_every_view_as_rank_does(synthetic, small, method):
    nodes, edges = synthetic if method == "fast" else small
    graph = compile_graph(nodes, edges)
    views = _views(nodes)
    # Several runs from the same compiled graph, in an order that would expose a run
    # writing into it (the community's last, after two views that move many cruxes).
    for credences in views[1:] + views[:1]:
        assert rank_graph(graph, method=method, credences=credences) == rank(
            nodes, edges, method=method, credences=credences
        )


def test_a_pickled_compiled_graph_ranks_the_same(synthetic):
    nodes, edges = synthetic
    graph = pickle.loads(pickle.dumps(compile_graph(nodes, edges)))
    mine = _views(nodes)[1]
    assert rank_graph(graph, min_delta=0.001) == rank(nodes, edges, min_delta=0.001)
    assert rank_graph(graph, credences=mine) == rank(nodes, edges, credences=mine)


def test_a_view_differs_from_the_community_where_it_holds_other_credences(synthetic):
    nodes, edges = synthetic
    graph = compile_graph(nodes, edges)
    key = next(n.key for n in nodes if n.kind == "crux")
    community = {c.key: c for c in rank_graph(graph).cruxes}[key]
    mine = {c.key: c for c in rank_graph(graph, credences={key: 0.97}).cruxes}[key]
    assert mine.credence == pytest.approx(0.97)
    assert community.credence != pytest.approx(0.97)


def test_rank_graph_checks_its_options(synthetic):
    graph = compile_graph(*synthetic)
    with pytest.raises(ValueError, match="method"):
        rank_graph(graph, method="magic")
    with pytest.raises(ValueError, match="min_delta"):
        rank_graph(graph, min_delta=-1)
