"""Exact reference: clamp every crux true, then false, and recompute every strength.

Deliberately simple and independent of the fast path: the coefficients are built with plain
loops, the fixed point is found by the damped iteration of docs/RANKING.md (no strongly
connected components, no topological order, no linear solve), and the scores are summed
with plain loops. It serves as the oracle of the property-based tests.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .credence import Aggregate, aggregate_one, uncertainty_term
from .model import EDGE_SUPPORTS, EDGE_UNDERMINES, Graph, Groups
from .semantics import DAMPING, DISCRIMINATION_WEIGHT, MAX_ITER, TOLERANCE


def aggregates(g: Graph) -> list[Aggregate]:
    out = []
    start = 0
    values = g.vote_values.tolist()
    for i, cnt in enumerate(g.vote_counts.tolist()):
        out.append(aggregate_one(values[start : start + cnt], float(g.prior[i])))
        start += cnt
    return out


def system(g: Graph, base: list[float]) -> sp.csr_matrix:
    """M[v, u] = +-min(b_v, 1 - b_v) * w_uv / (1 + W_v), built edge by edge."""
    n = g.n
    total_in = [0.0] * n
    edges = []
    for u, v, k, w in zip(
        g.src.tolist(), g.tgt.tolist(), g.ekind.tolist(), g.weight.tolist(), strict=True
    ):
        if k in (EDGE_SUPPORTS, EDGE_UNDERMINES) and w > 0:
            edges.append((u, v, k, w))
            total_in[v] += w
    coef: dict[tuple[int, int], float] = {}
    for u, v, k, w in edges:
        sign = 1.0 if k == EDGE_SUPPORTS else -1.0
        h = min(base[v], 1.0 - base[v])
        coef[(v, u)] = coef.get((v, u), 0.0) + sign * h * w / (1.0 + total_in[v])
    items = [(rc, x) for rc, x in coef.items() if x != 0.0]
    rows = [rc[0] for rc, _ in items]
    cols = [rc[1] for rc, _ in items]
    vals = [x for _, x in items]
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def fixed_point(
    m: sp.csr_matrix, base: np.ndarray, start: np.ndarray, clamp: int | None = None
) -> np.ndarray:
    """Damped iteration S <- (1 - eta) S + eta (b + M S), column by column of S.

    With ``clamp`` = c, row c is held at its value in ``start`` (one scenario per column).
    Stops once the certified error q/(1 - q) * step is below TOLERANCE, where q is the
    contraction factor of the damped map in the max-norm.
    """
    q_m = float(np.abs(m).sum(axis=1).max()) if m.nnz else 0.0
    q = (1.0 - DAMPING) + DAMPING * q_m
    s = start.copy()
    b = base[:, None]
    for _ in range(MAX_ITER):
        new = (1.0 - DAMPING) * s + DAMPING * (b + m @ s)
        if clamp is not None:
            new[clamp] = start[clamp]
        step = float(np.abs(new - s).max()) if s.size else 0.0
        s = new
        if step * q / (1.0 - q) <= TOLERANCE:
            break
    return s


def solve(g: Graph, groups: Groups):
    """Everything the result needs, as plain lists/dicts (see engine.assemble)."""
    aggs = aggregates(g)
    base = [a.credence for a in aggs]
    m = system(g, base)
    b = np.asarray(base, dtype=float)
    n = g.n
    strength = fixed_point(m, b, b[:, None].copy())[:, 0] if n else np.zeros(0)
    frames = g.frames().tolist()
    cruxes = g.cruxes().tolist()
    delta = np.zeros((len(cruxes), len(frames)))
    if_true = np.zeros_like(delta)
    if_false = np.zeros_like(delta)
    for i, c in enumerate(cruxes):
        start = np.column_stack([b, b])
        start[c] = [1.0, 0.0]
        s = fixed_point(m, b, start, clamp=c)
        for j, f in enumerate(frames):
            if_true[i, j] = s[f, 0]
            if_false[i, j] = s[f, 1]
            delta[i, j] = s[f, 0] - s[f, 1]

    frame_col = {f: j for j, f in enumerate(frames)}
    unc, disc, score = [], [], []
    for i, c in enumerate(cruxes):
        u = uncertainty_term(aggs[c].credence, aggs[c].disagreement)
        d = 0.0
        for grp in groups.groups:
            ds = [delta[i, frame_col[f]] for f in grp]
            d += max(ds) - min(ds)
        total = sum(abs(x) for x in delta[i])
        unc.append(u)
        disc.append(d)
        score.append(u * (total + DISCRIMINATION_WEIGHT * d))
    return aggs, strength, delta, if_true, if_false, unc, disc, score
