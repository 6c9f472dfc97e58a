"""Linked premises and undercuts: the parts of the model that are not linear in log-odds.

docs/RANKING.md, "Linked premises and undercuts". With Z = logit 0.99 and sigma the logistic:

* A **linked argument** g (premises p_1 .. p_k, k >= 2, one target t, one kind) adds to z_t

      s_g * a_g * F_g * Z * prod_i sigma(z_{p_i})

  (s_g = +1 supports, -1 undermines; a_g = 1 - (1 - EDGE_STRENGTH) ** min_i w_i, the weakest
  premise's weight). It counts only insofar as all its premises hold together: with one
  premise false the product is ~0 and the argument has (almost exactly) no effect, and
  unlike a single premise its failure is not evidence the other way.
* An **undercut** u of an edge e (weight w_u) multiplies e's coefficient, or for a premise
  of a linked argument the whole argument, by (1 - w_u * sigma(z_u)): F_e = prod_u (...).
  It never moves the edge's two ends directly.

Both only depend on nodes upstream of what they bear on (model refuses cycles through
them), so ``solve`` reaches the exact fixed point of ``z = z0 + A(z) z + g(z)`` after as
many linear solves as the deepest chain of such dependencies (plus one that changes
nothing). ``jacobian`` gives the linearisation at the solution: for a crux that reaches
no premise of a linked argument and no undercutter it equals the exact linear system, so
the fast path's one adjoint solve stays exact for it; the other cruxes are clamped and
solved explicitly (``solve(clamp=...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .model import EDGE_SUPPORTS, Graph
from .semantics import Z_RESOLVED, edge_strength

#: forward(rhs, rows, cols, vals) -> z solving z = rhs + A z (A[rows, cols] = vals).
Forward = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True, slots=True)
class Nonlinear:
    n: int
    # The linear arguments: A[rows, cols] = vals0 * F[edge], edge = index into g.src.
    rows: np.ndarray
    cols: np.ndarray
    vals0: np.ndarray
    edge: np.ndarray
    # The linked arguments: target, signed strength; their premises (group, node, edge).
    g_target: np.ndarray
    g_coef: np.ndarray
    m_group: np.ndarray
    m_node: np.ndarray
    m_edge: np.ndarray
    # The undercuts: undercutter, undercut edge, weight.
    u_node: np.ndarray
    u_edge: np.ndarray
    u_weight: np.ndarray
    n_edges: int

    @property
    def depth_bound(self) -> int:
        return int(self.g_target.size + self.u_node.size) + 2

    def sources(self) -> np.ndarray:
        """The nodes a clamp must be re-solved through: premises and undercutters."""
        return np.unique(np.concatenate((self.m_node, self.u_node)))

    def _factors(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(1 - w_u sigma(z_u)) per undercut, and F_e per edge (1 where none)."""
        each = 1.0 - self.u_weight * _sigmoid(z[self.u_node])
        per_edge = np.ones(self.n_edges)
        np.multiply.at(per_edge, self.u_edge, each)
        return each, per_edge

    def _groups(self, z: np.ndarray, per_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(F_g, prod sigma(premises)) per linked argument."""
        n_g = self.g_target.size
        factor = np.ones(n_g)
        np.multiply.at(factor, self.m_group, per_edge[self.m_edge])
        held = np.ones(n_g)
        np.multiply.at(held, self.m_group, _sigmoid(z[self.m_node]))
        return factor, held

    def terms(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values of the linear entries, the linked arguments' additions to each node)."""
        _, per_edge = self._factors(z)
        factor, held = self._groups(z, per_edge)
        added = np.bincount(
            self.g_target, weights=self.g_coef * factor * Z_RESOLVED * held, minlength=self.n
        )
        return self.vals0 * per_edge[self.edge], added

    def solve(
        self, z0: np.ndarray, forward: Forward, clamp: tuple[int, float] | None = None
    ) -> np.ndarray:
        """The fixed point z = z0 + A(z) z + g(z); with ``clamp`` (node, x): z_node := x."""
        keep = np.ones(self.rows.size, dtype=bool)
        if clamp is not None:
            keep = self.rows != clamp[0]
        z = z0.copy()
        if clamp is not None:
            z[clamp[0]] = clamp[1]
        for _ in range(self.depth_bound):
            vals, added = self.terms(z)
            rhs = z0 + added
            if clamp is not None:
                rhs[clamp[0]] = clamp[1]
            new = forward(rhs, self.rows[keep], self.cols[keep], vals[keep])
            if np.array_equal(new, z):
                return new
            z = new
        raise RuntimeError("linked arguments or undercuts did not settle (a cycle through them)")

    def jacobian(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entries (row, col, value) of d(A(z) z + g(z)) / dz at z, duplicates allowed."""
        each, per_edge = self._factors(z)
        factor, held = self._groups(z, per_edge)
        vals = self.vals0 * per_edge[self.edge]
        rows, cols, out = [self.rows], [self.cols], [vals]
        # Premises: d/dz_p of coef F Z prod sigma = (that term) * (1 - sigma(z_p)).
        term = self.g_coef * factor * Z_RESOLVED * held
        rows.append(self.g_target[self.m_group])
        cols.append(self.m_node)
        out.append(term[self.m_group] * (1.0 - _sigmoid(z[self.m_node])))
        # Undercutters: d(1 - w sigma(z_u))/dz_u = -w sigma (1 - sigma), times the rest.
        if self.u_node.size:
            s_u = _sigmoid(z[self.u_node])
            slope = -self.u_weight * s_u * (1.0 - s_u)
            linear_at = {int(e): i for i, e in enumerate(self.edge.tolist())}
            group_of = dict(zip(self.m_edge.tolist(), self.m_group.tolist(), strict=True))
            for k, (u, e) in enumerate(
                zip(self.u_node.tolist(), self.u_edge.tolist(), strict=True)
            ):
                others = np.prod(each[(self.u_edge == e) & (np.arange(each.size) != k)])
                if e in linear_at:  # A[b, a] = vals0 F_e: z_b gains vals0 F_e z_a
                    i = linear_at[e]
                    rows.append(np.array([self.rows[i]]))
                    cols.append(np.array([u]))
                    out.append(np.array([self.vals0[i] * others * slope[k] * z[self.cols[i]]]))
                elif e in group_of:
                    grp = group_of[e]
                    rest = factor[grp] / each[k] if each[k] != 0.0 else _rest(self, grp, k, each)
                    rows.append(np.array([self.g_target[grp]]))
                    cols.append(np.array([u]))
                    out.append(
                        np.array([self.g_coef[grp] * rest * Z_RESOLVED * held[grp] * slope[k]])
                    )
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(out)


def _rest(nl: Nonlinear, grp: int, k: int, each: np.ndarray) -> float:
    """F_g without undercut k (when its own factor is exactly 0)."""
    edges = set(nl.m_edge[nl.m_group == grp].tolist())
    mask = np.array([e in edges for e in nl.u_edge.tolist()]) & (np.arange(each.size) != k)
    return float(np.prod(each[mask]))


def build(
    g: Graph, prop_edges: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray
) -> Nonlinear | None:
    """The nonlinear structure of the map, or None when it has no linked argument and no
    undercut (the model is then linear and the fast path runs as it always did).

    ``prop_edges`` are the edge indices of the (rows, cols, vals) entries of A
    (semantics.coefficients of the propagating edges, cycles scaled).
    """
    live_u = g.uc_weight > 0
    linked = g.group[prop_edges] >= 0
    if not live_u.any() and not linked.any():
        return None
    numbers, m_group = np.unique(g.group[prop_edges][linked], return_inverse=True)
    m_edge = prop_edges[linked]
    n_g = numbers.size
    g_target = np.zeros(n_g, dtype=np.int64)
    g_target[m_group] = g.tgt[m_edge]
    weakest = np.full(n_g, np.inf)
    np.minimum.at(weakest, m_group, g.weight[m_edge])
    sign = np.zeros(n_g)
    sign[m_group] = np.where(g.ekind[m_edge] == EDGE_SUPPORTS, 1.0, -1.0)
    return Nonlinear(
        n=g.n,
        rows=rows[~linked],
        cols=cols[~linked],
        vals0=vals[~linked],
        edge=prop_edges[~linked],
        g_target=g_target,
        g_coef=sign * edge_strength(weakest),
        m_group=m_group.astype(np.int64),
        m_node=g.src[m_edge],
        m_edge=m_edge,
        u_node=g.uc_src[live_u],
        u_edge=g.uc_edge[live_u],
        u_weight=g.uc_weight[live_u],
        n_edges=g.src.size,
    )
