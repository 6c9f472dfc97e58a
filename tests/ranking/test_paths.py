"""The strongest route from a crux to a frame (cruxes.ranking.explain), issue 13 point 6.

A route is the chain of arguments along which the crux's influence on the frame mostly
flows: at each node the argument carrying the largest share |A[v, u] N[f, v]| of it.
Random maps (hypothesis) check that every route is a real chain of the map's arguments,
from the crux to the frame, present exactly when the crux moves the frame, and the same
as a plain one-pair-at-a-time search; hand-made maps check which route is chosen.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cruxes.ranking import fast, rank
from cruxes.ranking.explain import Routes, strongest_paths
from tests.ranking.test_agreement import maps

# ---------------------------------------------------------------- random maps


@st.composite
def argument_maps(draw, cyclic: bool):
    """n nodes, some frames and cruxes, signed arguments u -> v with |A[v, u]| < 1.

    As in the engine's semantics, the arguments inside a cycle are scaled so that no node
    takes more than 0.9 in all from its own strongly connected component: z = z0 + A z
    then has one solution, and cycles are strong enough to lure a greedy walk round them.
    """
    n = draw(st.integers(2, 14))
    kinds = draw(st.lists(st.sampled_from("ffcxx"), min_size=n, max_size=n))  # x: a claim
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    strength = st.sampled_from([0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95])
    raw = draw(
        st.lists(
            st.tuples(pairs, st.sampled_from([1.0, -1.0]), strength), min_size=n, max_size=4 * n
        )
    )
    src, tgt, coef = [], [], []
    for (a, b), sign, size in raw:
        if not cyclic:
            if a == b:
                continue
            a, b = min(a, b), max(a, b)
        src.append(a)
        tgt.append(b)
        coef.append(sign * size)
    src, tgt = np.array(src, dtype=np.int64), np.array(tgt, dtype=np.int64)
    coef = np.array(coef, dtype=float)
    if src.size:
        graph = nx.DiGraph(zip(src.tolist(), tgt.tolist(), strict=True))
        graph.add_nodes_from(range(n))
        component = np.zeros(n, dtype=np.int64)
        for i, members in enumerate(nx.strongly_connected_components(graph)):
            component[list(members)] = i
        inside = component[src] == component[tgt]
        gain = np.bincount(tgt[inside], weights=np.abs(coef[inside]), minlength=n)
        scale = np.where(gain > 0.9, 0.9 / np.maximum(gain, 0.9), 1.0)
        coef = np.where(inside, coef * scale[tgt], coef)
    frames = np.array([i for i in range(n) if kinds[i] == "f"], dtype=np.int64)
    cruxes = np.array([i for i in range(n) if kinds[i] == "c"], dtype=np.int64)
    return n, src, tgt, coef, frames, cruxes


def _solve(n, src, tgt, coef, frames, cruxes, **options):
    return fast.solve(n, np.zeros(n), tgt, src, coef, frames, cruxes, **options)


def _dense_influence(n, src, tgt, coef, frames):
    a = np.zeros((n, n))
    np.add.at(a, (tgt, src), coef)
    return np.linalg.inv(np.eye(n) - a)[frames].T  # (n, F): N[f_j, v]


def _all_pairs(cruxes, frames):
    ci, fj = np.meshgrid(np.arange(cruxes.size), np.arange(frames.size), indexing="ij")
    return ci.ravel(), fj.ravel()


def _net_arguments(src, tgt, coef) -> dict[tuple[int, int], float]:
    net: dict[tuple[int, int], float] = {}
    for u, v, a in zip(src.tolist(), tgt.tolist(), coef.tolist(), strict=True):
        net[u, v] = net.get((u, v), 0.0) + a
    return net


def _one_pair_search(net, influence, start, col, goal) -> list[int]:
    """The definition, one pair at a time: depth-first, largest share first (ties: the
    smaller node), never entering a node twice; [] when the crux does not move the frame."""
    if influence[start, col] == 0.0:
        return []
    out: dict[int, list[tuple[float, int]]] = {}
    for (u, v), a in net.items():
        share = abs(a * influence[v, col])
        if share > 0.0:
            out.setdefault(u, []).append((-share, v))
    route, seen = [start], {start}

    def go(u: int) -> bool:
        if u == goal:
            return True
        for _, v in sorted(out.get(u, [])):
            if v not in seen:
                seen.add(v)
                route.append(v)
                if go(v):
                    return True
                route.pop()
        return False

    return route if go(start) else []


def check_routes(case):
    n, src, tgt, coef, frames, cruxes = case
    sol = _solve(n, src, tgt, coef, frames, cruxes, keep_influence=True)
    influence = sol.influence
    assert influence.shape == (n, frames.size)
    np.testing.assert_allclose(
        influence, _dense_influence(n, src, tgt, coef, frames), rtol=1e-9, atol=1e-12
    )
    ci, fj = _all_pairs(cruxes, frames)
    paths = strongest_paths(
        src=src,
        tgt=tgt,
        coef=coef,
        influence=influence,
        starts=cruxes[ci],
        cols=fj,
        frame_nodes=frames,
    )
    net = _net_arguments(src, tgt, coef)
    graph = nx.DiGraph([uv for uv, a in net.items() if a != 0.0])
    graph.add_nodes_from(range(n))
    dense = _dense_influence(n, src, tgt, coef, frames)
    for c, j, path in zip(ci.tolist(), fj.tolist(), paths, strict=True):
        crux, frame = int(cruxes[c]), int(frames[j])
        moves = sol.delta[c, j] != 0.0
        assert bool(path) == moves, (crux, frame, path, sol.delta[c, j])
        if path:
            assert path[0] == crux and path[-1] == frame
            assert len(set(path)) == len(path)
            for u, v in zip(path, path[1:], strict=False):
                assert net.get((u, v), 0.0) != 0.0, (u, v, path)
        elif not nx.has_path(graph, crux, frame):
            assert dense[crux, j] == pytest.approx(0.0, abs=1e-12)
        else:  # reachable, yet no effect: only when routes of opposite sign cancel
            assert abs(dense[crux, j]) < 1e-9
        assert path == _one_pair_search(net, influence, crux, j, frame)
    return sol, paths


SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@SETTINGS
@given(argument_maps(cyclic=False))
def test_every_route_on_a_map_without_cycles_is_a_chain_of_arguments_from_crux_to_frame(case):
    check_routes(case)


@SETTINGS
@given(argument_maps(cyclic=True))
def test_every_route_on_a_map_with_cycles_is_a_chain_of_arguments_from_crux_to_frame(case):
    check_routes(case)


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(argument_maps(cyclic=True))
def test_routes_are_the_same_on_the_deep_map_strategy(case):
    """The global-LU strategy (forced) hands over the same influence, so the same routes."""
    saved = fast.MAX_LEVELWISE_LEVELS
    fast.MAX_LEVELWISE_LEVELS = 0
    try:
        check_routes(case)
    finally:
        fast.MAX_LEVELWISE_LEVELS = saved


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(argument_maps(cyclic=True))
def test_routes_collected_chunk_by_chunk_equal_routes_from_the_whole_influence(case):
    n, src, tgt, coef, frames, cruxes = case
    _, whole = check_routes(case)
    routes = Routes(n=n, src=src, tgt=tgt, coef=coef, frame_nodes=frames, crux_nodes=cruxes)
    saved = fast.ADJOINT_CHUNK_ENTRIES
    fast.ADJOINT_CHUNK_ENTRIES = 1  # one frame per chunk
    try:
        sol = _solve(n, src, tgt, coef, frames, cruxes, on_influence=routes)
    finally:
        fast.ADJOINT_CHUNK_ENTRIES = saved
    assert sol.influence is None
    ci, fj = _all_pairs(cruxes, frames)
    assert routes.paths(ci, fj) == whole


# ---------------------------------------------------------------- hand-made maps

C, A, B, F, G = range(5)  # crux, two claims, two frames


def route(edges, frames=(F,), crux=C, frame=F, n=5, dense=True):
    src = np.array([e[0] for e in edges], dtype=np.int64)
    tgt = np.array([e[1] for e in edges], dtype=np.int64)
    coef = np.array([e[2] for e in edges], dtype=float)
    frames = np.array(frames, dtype=np.int64)
    if dense:
        influence = _dense_influence(n, src, tgt, coef, frames)
    else:
        influence = _solve(n, src, tgt, coef, frames, np.array([crux]), keep_influence=True)
        influence = influence.influence
    col = int(np.flatnonzero(frames == frame)[0])
    (path,) = strongest_paths(
        src=src,
        tgt=tgt,
        coef=coef,
        influence=influence,
        starts=np.array([crux]),
        cols=np.array([col]),
        frame_nodes=frames,
    )
    return path


def test_the_route_takes_the_stronger_of_two_arguments():
    edges = [(C, A, 0.6), (A, F, 0.5), (C, B, 0.2), (B, F, 0.5)]
    assert route(edges) == [C, A, F]
    edges = [(C, A, 0.2), (A, F, 0.5), (C, B, 0.6), (B, F, 0.5)]
    assert route(edges) == [C, B, F]


def test_the_route_weighs_the_whole_chain_not_only_the_first_argument():
    # Via A: 0.9 * 0.1 = 0.09 of a log-odds unit reaches F; via B: 0.5 * 0.8 = 0.4.
    edges = [(C, A, 0.9), (A, F, 0.1), (C, B, 0.5), (B, F, 0.8)]
    assert route(edges) == [C, B, F]


def test_an_undermining_argument_carries_influence_like_a_supporting_one():
    edges = [(C, A, -0.7), (A, F, -0.7), (C, B, 0.3), (B, F, 0.3)]
    assert route(edges) == [C, A, F]


def test_a_direct_argument_beats_a_weaker_detour():
    edges = [(C, F, 0.5), (C, A, 0.9), (A, F, 0.3)]
    assert route(edges) == [C, F]


def test_equal_routes_go_through_the_smaller_node():
    edges = [(C, B, 0.5), (B, F, 0.5), (C, A, 0.5), (A, F, 0.5)]
    assert route(edges) == [C, A, F]


def test_a_crux_that_moves_no_frame_has_no_route():
    # C reaches A only; A bears on nothing; the frame F is argued by B alone.
    edges = [(C, A, 0.5), (B, F, 0.5), (F, C, 0.5)]
    assert route(edges) == []
    assert route(edges, dense=False) == []


def test_the_route_to_each_frame_is_its_own():
    edges = [(C, A, 0.5), (A, F, 0.5), (C, B, 0.5), (B, G, 0.5), (A, G, 0.1)]
    assert route(edges, frames=(F, G), frame=F) == [C, A, F]
    assert route(edges, frames=(F, G), frame=G) == [C, B, G]


def test_a_route_through_a_cycle_never_enters_a_node_twice_and_still_reaches_the_frame():
    # From A the largest share leads round the cycle A -> B -> A (0.9 * 0.9 * N[F, A]
    # against 0.1 straight to F), and from B only back to A: a dead end. The route backs
    # up to A and takes its next argument, to F.
    edges = [(C, A, 0.5), (A, B, 0.9), (B, A, 0.9), (A, F, 0.1)]
    influence_b = 0.9 * 0.1 / (1 - 0.81)
    assert 0.9 * influence_b > 0.1  # the walk alone would turn to B first
    assert route(edges) == [C, A, F]


def test_a_route_can_pass_through_a_cycle():
    edges = [(C, A, 0.5), (A, B, 0.6), (B, A, 0.3), (B, F, 0.6), (A, F, 0.05)]
    assert route(edges) == [C, A, B, F]
    assert route(edges, dense=False) == [C, A, B, F]


def test_parallel_arguments_count_as_their_net_effect():
    # A supports and undermines F equally: together they carry nothing.
    edges = [(C, A, 0.6), (A, F, 0.4), (A, F, -0.4), (C, B, 0.1), (B, F, 0.1)]
    assert route(edges) == [C, B, F]


def test_keep_influence_stops_at_its_budget(monkeypatch):
    n, frames = 5, np.array([F, G])
    src, tgt, coef = np.array([C]), np.array([F]), np.array([0.5])
    monkeypatch.setattr(fast, "INFLUENCE_MAX_ENTRIES", n * frames.size - 1)
    sol = _solve(n, src, tgt, coef, frames, np.array([C]), keep_influence=True)
    assert sol.influence is None
    assert sol.delta[0, 0] == pytest.approx(0.5)


# ---------------------------------------------------------------- through the engine


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(maps(cyclic=True))
def test_every_why_path_of_a_ranking_is_a_chain_of_the_maps_arguments(case):
    """Acceptance (f): rank_map's why names, for each frame a crux moves, a route of
    supports/undermines edges from the crux to that frame."""
    nodes, edges = case
    arguments = {
        (e.source, e.target) for e in edges if e.kind in ("supports", "undermines") and e.weight > 0
    }
    out = rank(nodes, edges).to_json(None)
    for crux in out["cruxes"]:
        for move in crux["why"]["frames"]:
            path = move["path"]
            assert path[0] == crux["id"] and path[-1] == move["frame"], (crux["id"], move)
            assert len(set(path)) == len(path)
            assert all(hop in arguments for hop in zip(path, path[1:], strict=False)), path
