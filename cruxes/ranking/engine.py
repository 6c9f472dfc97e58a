"""``rank``: the entry point. Validates, dispatches to a method, assembles the result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from . import fast, reference
from .credence import aggregate_all
from .model import Graph, Groups, build_graph, competitor_groups
from .semantics import DISCRIMINATION_WEIGHT, TIE_DECIMALS, coefficients
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

ENGINE_VERSION = "1.0"
METHODS = ("fast", "reference")


@dataclass(slots=True)
class _Computed:
    base: np.ndarray  # (n,) aggregated credences
    strength: np.ndarray  # (n,)
    delta: np.ndarray  # (K, F)
    if_true: np.ndarray | None  # (K, F) or None: derived from strength and delta
    if_false: np.ndarray | None
    uncertainty: np.ndarray  # (K,)
    discrimination: np.ndarray  # (K,)
    score: np.ndarray  # (K,)
    disagreement: np.ndarray  # (K,)
    credences: dict[str, NodeCredence]


def _nan_to_none(values: list[float]) -> list[float | None]:
    return [None if x != x else x for x in values]


def _fast(g: Graph, groups: Groups) -> _Computed:
    agg = aggregate_all(g.vote_counts, g.vote_values, g.prior)
    base = agg.credence
    prop = g.propagating()
    rows, cols, vals = coefficients(
        g.n, base, g.src[prop], g.tgt[prop], g.ekind[prop], g.weight[prop]
    )
    frames, cruxes = g.frames(), g.cruxes()
    sol = fast.solve(g.n, base, rows, cols, vals, frames, cruxes)
    delta = sol.delta
    p = base[cruxes]
    d = agg.disagreement[cruxes]
    unc = 4.0 * p * (1.0 - p) * (1.0 + d) / 2.0
    disc = np.zeros(cruxes.size)
    col = {f: j for j, f in enumerate(frames.tolist())}
    for grp in groups.groups:
        sub = delta[:, [col[f] for f in grp]]
        disc += sub.max(axis=1) - sub.min(axis=1)
    score = unc * (np.abs(delta).sum(axis=1) + DISCRIMINATION_WEIGHT * disc)

    hist = agg.histogram.tolist()
    credences = {
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
            base.tolist(),
            strict=True,
        )
    }
    return _Computed(base, sol.strength, delta, None, None, unc, disc, score, d, credences)


def _reference(g: Graph, groups: Groups) -> _Computed:
    aggs, strength, delta, if_true, if_false, unc, disc, score = reference.solve(g, groups)
    credences = {
        key: NodeCredence(
            a.n, a.mean, a.median, a.logodds_mean, a.sd, list(a.histogram), a.prior, a.credence
        )
        for key, a in zip(g.keys, aggs, strict=True)
    }
    cr = g.cruxes().tolist()
    return _Computed(
        np.array([a.credence for a in aggs], dtype=float),
        np.clip(strength, 0.0, 1.0),
        delta,
        if_true,
        if_false,
        np.asarray(unc, dtype=float),
        np.asarray(disc, dtype=float),
        np.asarray(score, dtype=float),
        np.array([aggs[c].disagreement for c in cr], dtype=float),
        credences,
    )


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
        groups = competitor_groups(g)
        comp = _fast(g, groups) if method == "fast" else _reference(g, groups)
        return _assemble(g, groups, comp, method, float(min_delta))


def _assemble(
    g: Graph, groups: Groups, comp: _Computed, method: str, min_delta: float
) -> RankingResult:
    keys = g.keys
    frames = g.frames()
    cruxes = g.cruxes()
    strength = comp.strength
    frame_results = [
        FrameResult(
            keys[f],
            float(strength[f]),
            None if groups.parent_of[f] is None else keys[groups.parent_of[f]],
            float(comp.base[f]),
        )
        for f in frames.tolist()
    ]

    # Per-frame entries: only frames with delta != 0, by score desc then frame key.
    delta = comp.delta
    ci, fj = np.nonzero(np.abs(delta) > min_delta)
    d = delta[ci, fj]
    fscore = comp.uncertainty[ci] * np.abs(d)
    if comp.if_true is None:
        s_f = strength[frames[fj]]
        s_c = strength[cruxes[ci]]
        if_true = np.clip(s_f + (1.0 - s_c) * d, 0.0, 1.0)
        if_false = np.clip(s_f - s_c * d, 0.0, 1.0)
    else:
        if_true = comp.if_true[ci, fj]
        if_false = comp.if_false[ci, fj]
    # np.nonzero lists (ci, fj) in row-major order, so two stable sorts give the order
    # (crux, score desc, frame key asc): frame indices ascend with their keys.
    by_score = np.argsort(-np.round(fscore, TIE_DECIMALS), kind="stable")
    order = by_score[np.argsort(ci[by_score], kind="stable")]
    ci, fj = ci[order], fj[order]
    frame_keys = [keys[f] for f in frames.tolist()]
    entries = [
        CruxFrameScore(frame_keys[j], sc, dl, t, f)
        for j, sc, dl, t, f in zip(
            fj.tolist(),
            fscore[order].tolist(),
            d[order].tolist(),
            if_true[order].tolist(),
            if_false[order].tolist(),
            strict=True,
        )
    ]
    bounds = np.searchsorted(ci, np.arange(cruxes.size + 1)).tolist()

    score = comp.score
    ranked = np.lexsort((np.arange(cruxes.size), -np.round(score, TIE_DECIMALS)))
    base_c = comp.base[cruxes].tolist()
    n_votes = g.vote_counts[cruxes].tolist()
    crux_results = []
    for r, i in enumerate(ranked.tolist(), start=1):
        c = int(cruxes[i])
        crux_results.append(
            CruxResult(
                key=keys[c],
                rank=r,
                score=float(score[i]),
                credence=base_c[i],
                n_votes=n_votes[i],
                uncertainty=float(comp.uncertainty[i]),
                discrimination=float(comp.discrimination[i]),
                frames=entries[bounds[i] : bounds[i + 1]],
                disagreement=float(comp.disagreement[i]),
                strength=float(strength[c]),
            )
        )
    return RankingResult(frame_results, crux_results, comp.credences, method, ENGINE_VERSION)
