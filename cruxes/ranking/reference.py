"""Exact reference: clamp every crux true, then false, and solve the whole map again.

Deliberately simple and independent of the fast path: the coefficients are built with plain
loops (the cycles found with networkx, not scipy), and each clamped map is solved directly
with a dense linear solve (no Sherman-Morrison, no strongly connected components ordering,
no sparse LU). Nodes the crux cannot reach keep their unclamped value exactly. It serves as
the oracle of the property-based tests; it is meant for maps of a few hundred nodes.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from .credence import Aggregate, aggregate_one
from .model import EDGE_SUPPORTS, EDGE_UNDERMINES, Graph, rival_matrix
from .semantics import CYCLE_GAIN, EDGE_STRENGTH, Z_RESOLVED


def aggregates(g: Graph) -> list[Aggregate]:
    out = []
    start = 0
    values = g.vote_values.tolist()
    weights = g.vote_weights.tolist()
    for i, cnt in enumerate(g.vote_counts.tolist()):
        out.append(
            aggregate_one(
                values[start : start + cnt], float(g.prior[i]), weights[start : start + cnt]
            )
        )
        start += cnt
    return out


def _argument_graph(g: Graph) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(g.n))
    for u, v, k, w in zip(
        g.src.tolist(), g.tgt.tolist(), g.ekind.tolist(), g.weight.tolist(), strict=True
    ):
        if k in (EDGE_SUPPORTS, EDGE_UNDERMINES) and w > 0:
            graph.add_edge(u, v)
    return graph


def system(g: Graph) -> np.ndarray:
    """Dense A[v, u]: z_v = z0_v + sum_u A[v, u] z_u, built edge by edge."""
    n = g.n
    a = np.zeros((n, n))
    component = {}
    for number, members in enumerate(nx.strongly_connected_components(_argument_graph(g))):
        for node in members:
            component[node] = number
    inside_gain = [0.0] * n
    edges = []
    for u, v, k, w in zip(
        g.src.tolist(), g.tgt.tolist(), g.ekind.tolist(), g.weight.tolist(), strict=True
    ):
        if k not in (EDGE_SUPPORTS, EDGE_UNDERMINES) or w <= 0:
            continue
        strength = 1.0 - (1.0 - EDGE_STRENGTH) ** w
        sign = 1.0 if k == EDGE_SUPPORTS else -1.0
        inside = component[u] == component[v]
        edges.append((u, v, sign * strength, inside))
        if inside:
            inside_gain[v] += strength
    for u, v, coef, inside in edges:
        if inside and inside_gain[v] > CYCLE_GAIN:
            coef *= CYCLE_GAIN / inside_gain[v]
        a[v, u] += coef
    return a


def _sigmoid(z: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * z))


def solve(g: Graph):
    """Pooled credences, strengths, clamped frame strengths, connectivity, rivals and A."""
    aggs = aggregates(g)
    n = g.n
    z0 = np.array([math.log(a.credence / (1.0 - a.credence)) for a in aggs], dtype=float)
    a = system(g)
    eye = np.eye(n)
    z = np.linalg.solve(eye - a, z0) if n else np.zeros(0)
    strength = np.array([_sigmoid(x) for x in z.tolist()], dtype=float)
    frames = g.frames().tolist()
    cruxes = g.cruxes().tolist()
    graph = _argument_graph(g)
    if_true = np.zeros((len(cruxes), len(frames)))
    if_false = np.zeros_like(if_true)
    connected = np.zeros(len(cruxes), dtype=bool)
    for i, c in enumerate(cruxes):
        reached = nx.descendants(graph, c)
        connected[i] = any(f in reached for f in frames)
        clamped = eye - a
        clamped[c] = 0.0
        clamped[c, c] = 1.0
        rhs = np.column_stack([z0, z0])
        rhs[c] = [Z_RESOLVED, -Z_RESOLVED]
        zz = np.linalg.solve(clamped, rhs)
        for j, f in enumerate(frames):
            if f in reached:
                if_true[i, j] = _sigmoid(float(zz[f, 0]))
                if_false[i, j] = _sigmoid(float(zz[f, 1]))
            else:  # nothing the crux does reaches f: exactly its unclamped strength
                if_true[i, j] = if_false[i, j] = strength[f]
    frame_reached = np.array(
        [any(nx.has_path(graph, c, f) for c in cruxes) for f in frames], dtype=bool
    )
    return aggs, strength, if_true, if_false, connected, rival_matrix(g, frame_reached), a
