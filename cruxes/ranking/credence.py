"""Aggregation of the voters' credences of a node (docs/RANKING.md, section 1).

Two implementations of the same formulas: ``aggregate_one`` (plain Python, one node: used by
the reference path) and ``aggregate_all`` (numpy, every node at once: used by the fast path).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CRED_MIN = 0.01
CRED_MAX = 0.99
#: The prior counts as this many full-standing pseudo-voters (shrinkage of the pooled
#: log-odds): a few accounts, or one extremist, cannot carry a node on their own.
PRIOR_PSEUDO_VOTES = 4.0
#: Winsorising of the votes' log-odds around their weighted median: at least this far
#: (logit 0.9), or WINSOR_MADS robust standard deviations (1.4826 * weighted MAD).
WINSOR_MIN = math.log(0.9 / 0.1)
WINSOR_MADS = 3.0
HIST_BINS = 10
#: Cumulative weights this close (relative to the total) to half count as exactly half.
MEDIAN_TIE = 1e-9


def clip_credence(x: float) -> float:
    return min(CRED_MAX, max(CRED_MIN, float(x)))


def logit(x: float) -> float:
    return math.log(x / (1.0 - x))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def hist_bin(x: float) -> int:
    """Bin of x in 10 equal bins over [0, 1]; 1.0 falls in the last bin."""
    return min(HIST_BINS - 1, max(0, math.floor(round(x * HIST_BINS, 9))))


@dataclass(frozen=True, slots=True)
class Aggregate:
    n: int
    mean: float | None
    median: float | None
    logodds_mean: float | None
    sd: float | None
    histogram: list[int]
    prior: float  # clipped to [0.01, 0.99]
    credence: float
    disagreement: float


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    """The value at which the cumulative weight (values ascending) reaches half the total;
    where it reaches exactly half between two values, their midpoint (as the plain median
    of an even number of votes)."""
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(weights)
    half = total / 2.0
    acc = 0.0
    for i, (value, weight) in enumerate(pairs):
        acc += weight
        if acc >= half - MEDIAN_TIE * total:
            if abs(acc - half) <= MEDIAN_TIE * total and i + 1 < len(pairs):
                return (value + pairs[i + 1][0]) / 2.0
            return value
    return pairs[-1][0]


def pooled_logodds(lo: Sequence[float], weights: Sequence[float], prior_lo: float) -> float:
    """Robust, weighted, shrunk log-odds pooling (docs/RANKING.md, section 1).

    Each vote's log-odds is winsorised to median ± tau (weighted median; tau the larger of
    WINSOR_MIN and WINSOR_MADS robust SDs), then averaged with its weight, the prior
    counting as PRIOR_PSEUDO_VOTES full votes.
    """
    med = weighted_median(lo, weights)
    mad = weighted_median([abs(x - med) for x in lo], weights)
    tau = max(WINSOR_MIN, WINSOR_MADS * 1.4826 * mad)
    kept = [min(med + tau, max(med - tau, x)) for x in lo]
    total = sum(weights)
    return (
        sum(w * x for w, x in zip(weights, kept, strict=True)) + PRIOR_PSEUDO_VOTES * prior_lo
    ) / (total + PRIOR_PSEUDO_VOTES)


def aggregate_one(
    credences: Sequence[float], prior: float, weights: Sequence[float] | None = None
) -> Aggregate:
    """Statistics and pooled credence of one node (plain Python).

    ``weights`` (parallel to ``credences``; default all 1.0) are the voters' standing: the
    descriptive statistics (mean, median, SD, histogram) count every vote once; the pooled
    credence and the disagreement weigh them.
    """
    prior_c = clip_credence(prior)
    xs = [clip_credence(x) for x in credences]
    ws = [1.0] * len(xs) if not weights else [float(w) for w in weights]
    if len(ws) != len(xs):
        raise ValueError("weights must be parallel to credences")
    n = len(xs)
    hist = [0] * HIST_BINS
    total = sum(ws)
    if n == 0 or total <= 0.0:
        for x in xs:
            hist[hist_bin(x)] += 1
        stats = _plain_stats(xs) if n else (None, None, None, None)
        return Aggregate(n, *stats, hist, prior_c, prior_c, 0.0)
    for x in xs:
        hist[hist_bin(x)] += 1
    mean, median, lo_mean, sd = _plain_stats(xs)
    lo = [logit(x) for x in xs]
    credence = sigmoid(pooled_logodds(lo, ws, logit(prior_c)))
    w_mean = sum(w * x for w, x in zip(ws, xs, strict=True)) / total
    w_sd = math.sqrt(sum(w * (x - w_mean) ** 2 for w, x in zip(ws, xs, strict=True)) / total)
    disagreement = total / (total + PRIOR_PSEUDO_VOTES) * min(1.0, 2.0 * w_sd)
    return Aggregate(n, mean, median, lo_mean, sd, hist, prior_c, credence, disagreement)


def _plain_stats(xs: list[float]) -> tuple[float, float, float, float]:
    """mean, median, sigma(mean log-odds), population SD of the (clipped) votes."""
    n = len(xs)
    mean = sum(xs) / n
    srt = sorted(xs)
    median = (srt[(n - 1) // 2] + srt[n // 2]) / 2.0
    lo_mean = sum(logit(x) for x in xs) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / n)
    return mean, median, sigmoid(lo_mean), sd


@dataclass(slots=True)
class Aggregates:
    """Column arrays over all nodes (statistics are NaN where n == 0)."""

    n: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    logodds_mean: np.ndarray
    sd: np.ndarray
    histogram: np.ndarray  # (nodes, 10) int
    prior: np.ndarray
    credence: np.ndarray
    disagreement: np.ndarray


def _sigmoid_arr(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _group_weighted_median(
    owner: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    n_nodes: int,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """weighted_median of each node's values (NaN where a node has none), vectorised.

    ``order``: the permutation sorting (owner, value), when the caller has it already.
    """
    out = np.full(n_nodes, np.nan)
    if values.size == 0:
        return out
    if order is None:
        order = np.lexsort((values, owner))
    o, v, w = owner[order], values[order], weights[order]
    starts = np.searchsorted(o, np.arange(n_nodes), side="left")
    ends = np.searchsorted(o, np.arange(n_nodes), side="right")
    has = ends > starts
    cum = np.cumsum(w)
    before = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    total = np.where(has, cum[np.maximum(ends - 1, 0)] - before, 0.0)
    local = cum - before[o]  # running weight inside each group
    reached = local >= (total / 2.0 - MEDIAN_TIE * total)[o]
    # The first position of each group whose running weight reaches half its total.
    first = np.full(n_nodes, v.size - 1, dtype=np.int64)
    hit = np.flatnonzero(reached)
    np.minimum.at(first, o[hit], hit)
    idx = np.minimum(first[has], ends[has] - 1)
    half = total[has] / 2.0
    at_half = (np.abs(local[idx] - half) <= MEDIAN_TIE * total[has]) & (idx + 1 < ends[has])
    upper = v[np.minimum(idx + 1, v.size - 1)]
    out[has] = np.where(at_half, (v[idx] + upper) / 2.0, v[idx])
    return out


def aggregate_all(
    counts: np.ndarray, values: np.ndarray, prior: np.ndarray, weights: np.ndarray | None = None
) -> Aggregates:
    """Vectorised ``aggregate_one`` for every node.

    ``values`` holds every vote, grouped by node in node order; ``counts[i]`` votes belong
    to node i; ``weights`` (parallel to ``values``, default all 1.0) are the voters' standing.
    """
    n_nodes = counts.size
    prior_c = np.clip(prior.astype(float), CRED_MIN, CRED_MAX)
    x = np.clip(values.astype(float), CRED_MIN, CRED_MAX)
    w = np.ones_like(x) if weights is None or weights.size == 0 else weights.astype(float)
    owner = np.repeat(np.arange(n_nodes), counts)
    nf = counts.astype(float)
    has = counts > 0
    safe_n = np.where(has, nf, 1.0)
    nan = np.full(n_nodes, np.nan)

    mean = np.bincount(owner, weights=x, minlength=n_nodes) / safe_n
    lo = np.log(x / (1.0 - x))
    lo_sum = np.bincount(owner, weights=lo, minlength=n_nodes)
    dev = x - mean[owner]
    sd = np.sqrt(np.bincount(owner, weights=dev * dev, minlength=n_nodes) / safe_n)

    # Median: sort values inside each node's group.
    start = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    order = np.lexsort((x, owner))
    xs = x[order]
    lo_i = start + (counts - 1) // 2
    hi_i = start + counts // 2
    median = nan.copy()
    median[has] = (xs[lo_i[has]] + xs[hi_i[has]]) / 2.0

    bins = np.clip(np.floor(np.round(x * HIST_BINS, 9)).astype(np.int64), 0, HIST_BINS - 1)
    hist = np.bincount(owner * HIST_BINS + bins, minlength=n_nodes * HIST_BINS).reshape(
        n_nodes, HIST_BINS
    )

    # Pooled credence: winsorised around the weighted median, weighted, shrunk to the prior.
    w_total = np.bincount(owner, weights=w, minlength=n_nodes)
    pooled = w_total > 0
    # A lone vote is its own median, never clipped: only nodes with two or more votes
    # are looked at.
    kept = lo.copy()
    several = (counts >= 2)[owner]
    if several.any():
        o3, lo3, w3 = owner[several], lo[several], w[several]
        # lo rises with x, so the (owner, x) order of the medians sorts (owner, lo) too.
        rank3 = np.cumsum(several) - 1
        med = _group_weighted_median(o3, lo3, w3, n_nodes, rank3[order[several[order]]])
        mad = _group_weighted_median(o3, np.abs(lo3 - med[o3]), w3, n_nodes)
        tau = np.maximum(WINSOR_MIN, WINSOR_MADS * 1.4826 * np.nan_to_num(mad))
        kept[several] = np.clip(lo3, (med - tau)[o3], (med + tau)[o3])
    prior_lo = np.log(prior_c / (1.0 - prior_c))
    z = (
        np.bincount(owner, weights=w * kept, minlength=n_nodes) + PRIOR_PSEUDO_VOTES * prior_lo
    ) / (w_total + PRIOR_PSEUDO_VOTES)
    credence = np.where(pooled, _sigmoid_arr(z), prior_c)
    safe_w = np.where(pooled, w_total, 1.0)
    w_mean = np.bincount(owner, weights=w * x, minlength=n_nodes) / safe_w
    w_dev = x - w_mean[owner]
    w_sd = np.sqrt(np.bincount(owner, weights=w * w_dev * w_dev, minlength=n_nodes) / safe_w)
    disagreement = w_total / (w_total + PRIOR_PSEUDO_VOTES) * np.minimum(1.0, 2.0 * w_sd)

    return Aggregates(
        n=counts.astype(np.int64),
        mean=np.where(has, mean, np.nan),
        median=median,
        logodds_mean=np.where(has, _sigmoid_arr(lo_sum / safe_n), np.nan),
        sd=np.where(has, sd, np.nan),
        histogram=hist,
        prior=prior_c,
        credence=credence,
        disagreement=np.where(pooled, disagreement, 0.0),
    )


def given_credences(
    keys: Sequence[str], credences: Mapping[str, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """(node indices, credences clipped to [CRED_MIN, CRED_MAX]) of the credences a caller
    gives for some nodes (docs/RANKING.md, section 16): ``keys`` are the sorted node keys.

    A key that is not a node, or a credence that is not a number in [0, 1], is refused.
    """
    if not credences:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    index = dict(zip(keys, range(len(keys)), strict=True))
    pairs = sorted(credences.items())
    missing = [k for k, _ in pairs if k not in index]
    if missing:
        raise ValueError(f"credence given for unknown node {missing[0]!r}")
    try:
        values = np.array([float(x) for _, x in pairs], dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad given credence: {exc}") from None
    bad = ~((values >= 0.0) & (values <= 1.0))
    if bad.any():
        raise ValueError(
            f"the credence given for {pairs[int(np.flatnonzero(bad)[0])][0]!r} "
            "does not lie in [0, 1]"
        )
    idx = np.fromiter((index[k] for k, _ in pairs), np.int64, len(pairs))
    return idx, np.clip(values, CRED_MIN, CRED_MAX)


#: Winsorising of edge-strength votes around their weighted median (strengths are not
#: probabilities of a proposition: they are pooled on their own [0, 1] scale): at least
#: this far, or WINSOR_MADS robust standard deviations.
STRENGTH_WINSOR_MIN = 0.2


def pooled_strength(
    strengths: Sequence[float], weights: Sequence[float] | None, author_weight: float
) -> float:
    """An edge's pooled strength (docs/RANKING.md, "Edge votes").

    Each vote (in [0, 1]) is winsorised to the weighted median ± tau (tau the larger of
    STRENGTH_WINSOR_MIN and WINSOR_MADS robust SDs), then averaged with its voter's standing,
    the author's weight counting as PRIOR_PSEUDO_VOTES full votes: with no votes the
    pooled strength is the author's weight, and a few accounts cannot set it alone.
    """
    xs = [min(1.0, max(0.0, float(x))) for x in strengths]
    ws = [1.0] * len(xs) if not weights else [float(w) for w in weights]
    if len(ws) != len(xs):
        raise ValueError("weights must be parallel to strengths")
    author = min(1.0, max(0.0, float(author_weight)))
    total = sum(ws)
    if not xs or total <= 0.0:
        return author
    med = weighted_median(xs, ws)
    mad = weighted_median([abs(x - med) for x in xs], ws)
    tau = max(STRENGTH_WINSOR_MIN, WINSOR_MADS * 1.4826 * mad)
    kept = [min(med + tau, max(med - tau, x)) for x in xs]
    pooled = (sum(w * x for w, x in zip(ws, kept, strict=True)) + PRIOR_PSEUDO_VOTES * author) / (
        total + PRIOR_PSEUDO_VOTES
    )
    return min(1.0, max(0.0, pooled))
