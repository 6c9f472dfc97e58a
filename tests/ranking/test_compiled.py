"""compile_graph + rank_graph: a map compiled once ranks every view exactly as rank() does,
and no run changes the compiled graph (the web processes share one per map version)."""

from __future__ import annotations

import pickle

import pytest

from claims.synthetic import generate_map
from cruxes.ranking import compile_graph, inputs_from_argmap, rank, rank_graph, with_node_votes

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


def _same_graph(a, b) -> None:
    import numpy as np

    assert a.keys == b.keys
    for field in ("kind", "prior", "vote_counts", "vote_values", "vote_weights", "src", "weight"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_with_node_votes_is_build_graph_of_the_changed_records(synthetic):
    """Votes changed, added to an unvoted node, withdrawn to none, weighed, and a prior:
    the patched graph is the one compiled from the changed records, and ranks the same."""
    import random

    nodes, edges = synthetic
    rng = random.Random(5)
    voted = [n for n in nodes if n.credences]
    unvoted = [n for n in nodes if not n.credences]
    changed = {}
    for n in rng.sample(voted, 5):
        credences = tuple(sorted(rng.random() for _ in range(rng.randint(1, 6))))
        changed[n.key] = (n.prior, credences, ())
    changed[voted[-1].key] = (0.3, (), ())  # every vote withdrawn, and a new prior
    changed[unvoted[0].key] = (unvoted[0].prior, (0.2, 0.9), (0.1, 1.0))  # weighed votes
    changed[unvoted[1].key] = (0.77, (), ())  # a prior alone
    records = [
        n._replace(prior=changed[n.key][0], credences=changed[n.key][1], weights=changed[n.key][2])
        if n.key in changed
        else n
        for n in nodes
    ]
    patched = with_node_votes(compile_graph(nodes, edges), changed)
    _same_graph(patched, compile_graph(records, edges))
    assert rank_graph(patched) == rank(records, edges)


def test_with_node_votes_refuses_what_build_graph_refuses(synthetic):
    graph = compile_graph(*synthetic)
    key = graph.keys[0]
    for bad, message in [
        ({"no-such-node": (0.5, (), ())}, "unknown node"),
        ({key: (1.5, (), ())}, "prior"),
        ({key: (0.5, (1.2,), ())}, "does not lie"),
        ({key: (0.5, (0.2, 0.3), (1.0,))}, "parallel"),
        ({key: (0.5, (0.2,), (-1.0,))}, "weights"),
    ]:
        with pytest.raises(ValueError, match=message):
            with_node_votes(graph, bad)
    # The graph it was given is untouched.
    _same_graph(graph, compile_graph(*synthetic))
