"""Aggregation of the voters' credences of a node (docs/RANKING.md, section 1).

Two implementations of the same formulas: ``aggregate_one`` (plain Python, one node: used by
the reference path) and ``aggregate_all`` (numpy, every node at once: used by the fast path).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CRED_MIN = 0.01
CRED_MAX = 0.99
#: The prior counts as this many pseudo-voters (shrinkage of the log-odds mean).
PRIOR_PSEUDO_VOTES = 2.0
HIST_BINS = 10


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


def uncertainty_term(p: float, disagreement: float) -> float:
    """U = 4 p (1 - p) * (1 + d) / 2, in [0, 1]."""
    return 4.0 * p * (1.0 - p) * (1.0 + disagreement) / 2.0


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


def aggregate_one(credences: Sequence[float], prior: float) -> Aggregate:
    """Statistics and aggregated credence of one node (plain Python)."""
    prior_c = clip_credence(prior)
    xs = [clip_credence(x) for x in credences]
    n = len(xs)
    hist = [0] * HIST_BINS
    if n == 0:
        return Aggregate(0, None, None, None, None, hist, prior_c, prior_c, 0.0)
    for x in xs:
        hist[hist_bin(x)] += 1
    mean = sum(xs) / n
    srt = sorted(xs)
    median = (srt[(n - 1) // 2] + srt[n // 2]) / 2.0
    lo = [logit(x) for x in xs]
    lo_mean = sum(lo) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / n)
    z = (sum(lo) + PRIOR_PSEUDO_VOTES * logit(prior_c)) / (n + PRIOR_PSEUDO_VOTES)
    credence = sigmoid(z)
    disagreement = n / (n + PRIOR_PSEUDO_VOTES) * min(1.0, 2.0 * sd)
    return Aggregate(n, mean, median, sigmoid(lo_mean), sd, hist, prior_c, credence, disagreement)


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


def aggregate_all(counts: np.ndarray, values: np.ndarray, prior: np.ndarray) -> Aggregates:
    """Vectorised ``aggregate_one`` for every node.

    ``values`` holds every vote, grouped by node in node order; ``counts[i]`` votes belong
    to node i.
    """
    n_nodes = counts.size
    prior_c = np.clip(prior.astype(float), CRED_MIN, CRED_MAX)
    x = np.clip(values.astype(float), CRED_MIN, CRED_MAX)
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

    z = (lo_sum + PRIOR_PSEUDO_VOTES * np.log(prior_c / (1.0 - prior_c))) / (
        nf + PRIOR_PSEUDO_VOTES
    )
    credence = np.where(has, _sigmoid_arr(z), prior_c)
    disagreement = nf / (nf + PRIOR_PSEUDO_VOTES) * np.minimum(1.0, 2.0 * sd)

    return Aggregates(
        n=counts.astype(np.int64),
        mean=np.where(has, mean, np.nan),
        median=median,
        logodds_mean=np.where(has, _sigmoid_arr(lo_sum / safe_n), np.nan),
        sd=np.where(has, sd, np.nan),
        histogram=hist,
        prior=prior_c,
        credence=credence,
        disagreement=np.where(has, disagreement, 0.0),
    )
