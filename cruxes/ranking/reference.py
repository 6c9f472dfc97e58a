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
    """What each node's credence depends on: the supports / undermines edges, and an
    undercutter -> the conclusion of the edge it undercuts."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(g.n))
    for u, v, k, w in zip(
        g.src.tolist(), g.tgt.tolist(), g.ekind.tolist(), g.weight.tolist(), strict=True
    ):
        if k in (EDGE_SUPPORTS, EDGE_UNDERMINES) and w > 0:
            graph.add_edge(u, v)
    for u, e, w in zip(g.uc_src.tolist(), g.uc_edge.tolist(), g.uc_weight.tolist(), strict=True):
        if w > 0:
            graph.add_edge(u, int(g.tgt[e]))
    return graph


class _Model:
    """The map's equations, edge by edge: z = z0 + A(z) z + added(z) (arguments.py)."""

    def __init__(self, g: Graph) -> None:
        n = g.n
        component = {}
        for number, members in enumerate(nx.strongly_connected_components(_argument_graph(g))):
            for node in members:
                component[node] = number
        inside_gain = [0.0] * n
        self.linear = []  # (u, v, coefficient, edge)
        self.groups: dict[int, dict] = {}
        edges = list(
            zip(g.src.tolist(), g.tgt.tolist(), g.ekind.tolist(), g.weight.tolist(), strict=True)
        )
        for e, (u, v, k, w) in enumerate(edges):
            if k not in (EDGE_SUPPORTS, EDGE_UNDERMINES) or w <= 0:
                continue
            sign = 1.0 if k == EDGE_SUPPORTS else -1.0
            number = int(g.group[e])
            if number >= 0:
                group = self.groups.setdefault(
                    number, {"target": v, "sign": sign, "weakest": w, "premises": []}
                )
                group["weakest"] = min(group["weakest"], w)
                group["premises"].append((u, e))
                continue
            strength = 1.0 - (1.0 - EDGE_STRENGTH) ** w
            inside = component[u] == component[v]
            self.linear.append([u, v, sign * strength, e, inside])
            if inside:
                inside_gain[v] += strength
        for item in self.linear:
            v, inside = item[1], item[4]
            if inside and inside_gain[v] > CYCLE_GAIN:
                item[2] *= CYCLE_GAIN / inside_gain[v]
        self.undercuts = [
            (u, e, w)
            for u, e, w in zip(
                g.uc_src.tolist(), g.uc_edge.tolist(), g.uc_weight.tolist(), strict=True
            )
            if w > 0
        ]
        self.n = n

    def factor(self, z: np.ndarray, edge: int, skip: int = -1) -> float:
        out = 1.0
        for k, (u, e, w) in enumerate(self.undercuts):
            if e == edge and k != skip:
                out *= 1.0 - w * _sigmoid(float(z[u]))
        return out

    def group_factor(self, z: np.ndarray, group: dict, skip: int = -1) -> float:
        out = 1.0
        for _, e in group["premises"]:
            out *= self.factor(z, e, skip)
        return out

    def group_term(self, z: np.ndarray, group: dict, skip: int = -1) -> float:
        strength = 1.0 - (1.0 - EDGE_STRENGTH) ** group["weakest"]
        held = 1.0
        for p, _ in group["premises"]:
            held *= _sigmoid(float(z[p]))
        return group["sign"] * strength * self.group_factor(z, group, skip) * Z_RESOLVED * held

    def system(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.zeros((self.n, self.n))
        for u, v, coef, e, _ in self.linear:
            a[v, u] += coef * self.factor(z, e)
        added = np.zeros(self.n)
        for group in self.groups.values():
            added[group["target"]] += self.group_term(z, group)
        return a, added

    def solve(self, z0: np.ndarray, clamp: tuple[int, float] | None = None) -> np.ndarray:
        """Iterate dense solves until nothing changes (at most one per nesting level)."""
        eye = np.eye(self.n)
        z = z0.copy()
        for _ in range(len(self.groups) + len(self.undercuts) + 2):
            a, added = self.system(z)
            rhs = z0 + added
            if clamp is not None:
                c, x = clamp
                a[c] = 0.0
                rhs[c] = x
            new = np.linalg.solve(eye - a, rhs)
            if np.allclose(new, z, rtol=0.0, atol=1e-13):
                return new
            z = new
        raise RuntimeError("no fixed point")

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """Dense d(A(z) z + added(z)) / dz, term by term."""
        jac, _ = self.system(z)
        for group in self.groups.values():
            term = self.group_term(z, group)
            for p, _ in group["premises"]:
                jac[group["target"], p] += term * (1.0 - _sigmoid(float(z[p])))
        for k, (u, e, w) in enumerate(self.undercuts):
            s_u = _sigmoid(float(z[u]))
            slope = -w * s_u * (1.0 - s_u)
            for a_u, v, coef, edge, _ in self.linear:
                if edge == e:
                    jac[v, u] += coef * self.factor(z, e, skip=k) * slope * float(z[a_u])
            for group in self.groups.values():
                if any(edge == e for _, edge in group["premises"]):
                    strength = 1.0 - (1.0 - EDGE_STRENGTH) ** group["weakest"]
                    held = 1.0
                    for p, _ in group["premises"]:
                        held *= _sigmoid(float(z[p]))
                    rest = self.group_factor(z, group, skip=k)
                    jac[group["target"], u] += (
                        group["sign"] * strength * rest * Z_RESOLVED * held * slope
                    )
        return jac


def system(g: Graph) -> np.ndarray:
    """Dense A[v, u] of a map without linked arguments or undercuts, edge by edge."""
    model = _Model(g)
    a, _ = model.system(np.zeros(g.n))
    return a


def _sigmoid(z: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * z))


def solve(g: Graph):
    """Pooled credences, strengths, clamped frame strengths, connectivity, rivals and the
    (linearised) system the routes follow."""
    aggs = aggregates(g)
    n = g.n
    z0 = np.array([math.log(a.credence / (1.0 - a.credence)) for a in aggs], dtype=float)
    model = _Model(g)
    z = model.solve(z0) if n else np.zeros(0)
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
        if not any(f in reached for f in frames):
            if_true[i] = if_false[i] = strength[frames]
            continue
        z_true = model.solve(z0, (c, Z_RESOLVED))
        z_false = model.solve(z0, (c, -Z_RESOLVED))
        for j, f in enumerate(frames):
            if f in reached:
                if_true[i, j] = _sigmoid(float(z_true[f]))
                if_false[i, j] = _sigmoid(float(z_false[f]))
            else:  # nothing the crux does reaches f: exactly its unclamped strength
                if_true[i, j] = if_false[i, j] = strength[f]
    frame_reached = np.array(
        [any(nx.has_path(graph, c, f) for c in cruxes) for f in frames], dtype=bool
    )
    jac = model.jacobian(z) if n else np.zeros((0, 0))
    return aggs, strength, if_true, if_false, connected, rival_matrix(g, frame_reached), jac
