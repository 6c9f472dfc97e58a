"""``rank``: the entry point. Validates, dispatches to a method, assembles the result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from . import fast, reference
from .credence import aggregate_all
from .explain import Routes
from .model import Graph, build_graph, frame_parent, reach, rival_matrix
from .semantics import (
    DISCRIMINATION_WEIGHT,
    TIE_DECIMALS,
    WHY_MIN_DELTA,
    Z_RESOLVED,
    coefficients,
)
from .types import (
    CruxFrameScore,
    CruxResult,
    EdgeInput,
    FrameResult,
    NodeCredence,
    NodeInput,
    RankingResult,
    gc_paused,
)

ENGINE_VERSION = "2.0"
METHODS = ("fast", "reference")


@dataclass(slots=True)
class _Computed:
    base: np.ndarray  # (n,) pooled credences b_v
    strength: np.ndarray  # (n,) propagated credences s_v = sigma(z_v)
    # One entry per (crux, frame) with a non-zero clamp effect: crux row, frame column,
    # strength_if_true - strength_if_false, the two strengths, and the per-frame score.
    ci: np.ndarray
    fj: np.ndarray
    delta: np.ndarray
    if_true: np.ndarray
    if_false: np.ndarray
    frame_score: np.ndarray
    uncertainty: np.ndarray  # (K,)
    discrimination: np.ndarray  # (K,)
    score: np.ndarray  # (K,)
    disagreement: np.ndarray  # (K,)
    connected: np.ndarray  # (K,) bool
    credences: dict[str, NodeCredence]
    routes: Routes | None = None  # the strongest route of each entry (section 6)


def _nan_to_none(values: list[float]) -> list[float | None]:
    return [None if x != x else x for x in values]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _discrimination(delta: np.ndarray, rivals: np.ndarray) -> np.ndarray:
    """D_c = max over competing frames f, g of (delta_f - delta_g), per crux (row).

    The largest and smallest delta of a row are almost always rivals; the rare rows where
    they are not (a frame and its own subframe at the two ends) take the exact O(F^2) max.
    """
    k, n_f = delta.shape
    out = np.zeros(k)
    active = rivals.any(axis=1)
    if k == 0 or active.sum() < 2:
        return out
    d = delta[:, active]
    r = rivals[np.ix_(active, active)]
    hi, lo = d.argmax(axis=1), d.argmin(axis=1)
    rows = np.arange(k)
    ok = r[hi, lo]
    out[ok] = d[rows[ok], hi[ok]] - d[rows[ok], lo[ok]]
    for i in np.flatnonzero(~ok).tolist():
        spread = d[i][:, None] - d[i][None, :]
        out[i] = max(0.0, float(spread[r].max())) if r.any() else 0.0
    return out


def score_entries(
    p: np.ndarray,
    disagreement: np.ndarray,
    s_f: np.ndarray,
    ci: np.ndarray,
    fj: np.ndarray,
    if_true: np.ndarray,
    if_false: np.ndarray,
    rivals: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores from the clamped strengths (docs/RANKING.md, sections 3-4).

    p (K,): each crux's credence; s_f (F,): the frames' strengths; (ci, fj, if_true,
    if_false): the frames' strengths with crux ci resolved true / false, for every pair
    where resolving it moves the frame (elsewhere both equal s_f). Returns (delta per
    entry, frame_score per entry, uncertainty, discrimination, score).
    """
    k, n_f = p.size, s_f.size
    delta = if_true - if_false
    pc = p[ci]
    move = pc * np.abs(if_true - s_f[fj]) + (1.0 - pc) * np.abs(s_f[fj] - if_false)
    factor = 1.0 + disagreement
    frame_score = factor[ci] * move
    uncertainty = 4.0 * p * (1.0 - p) * factor / 2.0
    dense = np.zeros((k, n_f))
    dense[ci, fj] = delta
    disc = _discrimination(dense, rivals)
    moved = np.bincount(ci, weights=move, minlength=k)
    score = factor * (moved + DISCRIMINATION_WEIGHT * 2.0 * p * (1.0 - p) * disc)
    return delta, frame_score, uncertainty, disc, score


def _credences(g: Graph, agg) -> dict[str, NodeCredence]:
    hist = agg.histogram.tolist()
    return {
        key: NodeCredence(n, mean, med, lom, sd, h, pr, cr)
        for key, n, mean, med, lom, sd, h, pr, cr in zip(
            g.keys,
            agg.n.tolist(),
            _nan_to_none(agg.mean.tolist()),
            _nan_to_none(agg.median.tolist()),
            _nan_to_none(agg.logodds_mean.tolist()),
            _nan_to_none(agg.sd.tolist()),
            hist,
            agg.prior.tolist(),
            agg.credence.tolist(),
            strict=True,
        )
    }


def _fast(g: Graph, min_delta: float) -> _Computed:
    agg = aggregate_all(g.vote_counts, g.vote_values, g.prior, g.vote_weights)
    base = agg.credence
    prop = g.propagating()
    rows, cols, vals = coefficients(g.n, g.src[prop], g.tgt[prop], g.ekind[prop], g.weight[prop])
    frames, cruxes = g.frames(), g.cruxes()
    # Routes are walked chunk by chunk while the adjoint solves run (the influence of every
    # node on a chunk of frames exists only then), for every pair a `why` explains:
    # |delta| <= |gain| * Z / 2 (sigma' <= 1/4), so such a pair has |gain| above this.
    routes = Routes(
        n=g.n,
        src=cols,
        tgt=rows,
        coef=vals,
        frame_nodes=frames,
        crux_nodes=cruxes,
        min_gain=0.999 * 2.0 * max(min_delta, WHY_MIN_DELTA) / Z_RESOLVED,
    )
    sol = fast.solve(
        g.n, np.log(base / (1.0 - base)), rows, cols, vals, frames, cruxes, on_influence=routes
    )
    z = sol.strength
    # The frame's log-odds are affine in the crux's: z_f(c := x) = z_f + K (x - z_c),
    # K = N[f, c] / N[c, c] (what fast.solve returns as its "delta").
    gain = sol.delta
    ci, fj = np.nonzero(gain)
    k_nz = gain[ci, fj]
    z_c = z[cruxes][ci]
    z_f = z[frames][fj]
    if_true = sigmoid(z_f + k_nz * (Z_RESOLVED - z_c))
    if_false = sigmoid(z_f + k_nz * (-Z_RESOLVED - z_c))
    to_frame, from_crux = reach(g)
    rivals = rival_matrix(g, from_crux[frames])
    p = sigmoid(z[cruxes])
    d = agg.disagreement[cruxes]
    delta, frame_score, unc, disc, score = score_entries(
        p, d, sigmoid(z[frames]), ci, fj, if_true, if_false, rivals
    )
    return _Computed(
        base,
        sigmoid(z),
        ci,
        fj,
        delta,
        if_true,
        if_false,
        frame_score,
        unc,
        disc,
        score,
        d,
        to_frame[cruxes],
        _credences(g, agg),
        routes,
    )


def _reference(g: Graph) -> _Computed:
    aggs, strength, if_true, if_false, connected, rivals, a = reference.solve(g)
    credences = {
        key: NodeCredence(
            a.n, a.mean, a.median, a.logodds_mean, a.sd, list(a.histogram), a.prior, a.credence
        )
        for key, a in zip(g.keys, aggs, strict=True)
    }
    frames, cruxes = g.frames(), g.cruxes()
    d = np.array([aggs[c].disagreement for c in cruxes.tolist()], dtype=float)
    p = strength[cruxes]
    ci, fj = np.nonzero(if_true != if_false)
    delta, frame_score, unc, disc, score = score_entries(
        p, d, strength[frames], ci, fj, if_true[ci, fj], if_false[ci, fj], rivals
    )
    return _Computed(
        np.array([a.credence for a in aggs], dtype=float),
        strength,
        ci,
        fj,
        delta,
        if_true[ci, fj],
        if_false[ci, fj],
        frame_score,
        unc,
        disc,
        score,
        d,
        connected,
        credences,
        _reference_routes(g, a),
    )


def _reference_routes(g: Graph, a: np.ndarray) -> Routes:
    """The same routes, from the influence N = (I - A)^-1 inverted densely."""
    frames, cruxes = g.frames(), g.cruxes()
    tgt, src = np.nonzero(a)
    routes = Routes(
        n=g.n, src=src, tgt=tgt, coef=a[tgt, src], frame_nodes=frames, crux_nodes=cruxes
    )
    if g.n and frames.size and cruxes.size:
        inverse = np.linalg.inv(np.eye(g.n) - a)
        gain = inverse[np.ix_(frames, cruxes)].T / np.diag(inverse)[cruxes][:, None]
        routes(0, np.ascontiguousarray(inverse[frames].T), gain)
    return routes


def rank(
    nodes: Iterable[NodeInput],
    edges: Iterable[EdgeInput],
    *,
    method: str = "fast",
    min_delta: float = 0.0,
) -> RankingResult:
    """Rank the cruxes of a map; see docs/RANKING.md for the formulas.

    ``min_delta`` (default 0, i.e. every frame with delta != 0) drops the per-frame entries
    with |delta| <= min_delta from ``CruxResult.frames``; scores and ranks are unaffected.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not min_delta >= 0.0:
        raise ValueError("min_delta must be >= 0")
    with gc_paused():
        g = build_graph(nodes, edges)
        comp = _fast(g, float(min_delta)) if method == "fast" else _reference(g)
        return _assemble(g, comp, method, float(min_delta))


def _assemble(g: Graph, comp: _Computed, method: str, min_delta: float) -> RankingResult:
    keys = g.keys
    frames = g.frames()
    cruxes = g.cruxes()
    strength = comp.strength
    parent = frame_parent(g)
    frame_results = [
        FrameResult(
            keys[f],
            float(strength[f]),
            None if parent[f] is None else keys[parent[f]],
            float(comp.base[f]),
        )
        for f in frames.tolist()
    ]

    # Per-frame entries: only frames with |delta| > min_delta, by score desc then frame key.
    keep = np.abs(comp.delta) > min_delta
    ci, fj = comp.ci[keep], comp.fj[keep]
    d = comp.delta[keep]
    fscore = comp.frame_score[keep]
    if_true = comp.if_true[keep]
    if_false = comp.if_false[keep]
    # np.nonzero lists (ci, fj) in row-major order, so two stable sorts give the order
    # (crux, score desc, frame key asc): frame indices ascend with their keys.
    by_score = np.argsort(-np.round(fscore, TIE_DECIMALS), kind="stable")
    order = by_score[np.argsort(ci[by_score], kind="stable")]
    ci, fj = ci[order], fj[order]
    paths = [()] * ci.size
    explained = np.flatnonzero(np.abs(d[order]) >= WHY_MIN_DELTA)
    for k, path in zip(
        explained.tolist(), comp.routes.key_paths(ci[explained], fj[explained], keys), strict=True
    ):
        paths[k] = path
    frame_keys = [keys[f] for f in frames.tolist()]
    entries = [
        CruxFrameScore(frame_keys[j], sc, dl, t, f, path)
        for j, sc, dl, t, f, path in zip(
            fj.tolist(),
            fscore[order].tolist(),
            d[order].tolist(),
            if_true[order].tolist(),
            if_false[order].tolist(),
            paths,
            strict=True,
        )
    ]
    bounds = np.searchsorted(ci, np.arange(cruxes.size + 1)).tolist()

    # Connected cruxes first, then by score; equal scores share a rank (1, 1, 3), and
    # the list shows them by key.
    score = comp.score
    rounded = np.round(score, TIE_DECIMALS)
    ranked = np.lexsort((np.arange(cruxes.size), -rounded, ~comp.connected))
    above = np.sort(-rounded)
    shared_rank = np.searchsorted(above, -rounded, side="left") + 1
    base_c = comp.base[cruxes].tolist()
    n_votes = g.vote_counts[cruxes].tolist()
    crux_results = []
    for i in ranked.tolist():
        c = int(cruxes[i])
        crux_results.append(
            CruxResult(
                key=keys[c],
                rank=int(shared_rank[i]),
                score=float(score[i]),
                credence=base_c[i],
                n_votes=n_votes[i],
                uncertainty=float(comp.uncertainty[i]),
                discrimination=float(comp.discrimination[i]),
                frames=entries[bounds[i] : bounds[i + 1]],
                disagreement=float(comp.disagreement[i]),
                strength=float(strength[c]),
                connected=bool(comp.connected[i]),
            )
        )
    return RankingResult(frame_results, crux_results, comp.credences, method, ENGINE_VERSION)
