"""Schools of thought: groups of voters who vote alike (docs/RANKING.md, section 18).

``find_schools`` takes the voters' credences (voters × nodes, NaN where a voter did not
vote) and

1. works in log-odds, ℓ_ij = logit clip(x_ij), centred on each node's mean μ_j over its
   voters; nodes with fewer than MIN_NODE_VOTERS votes are left out (nothing to compare);
2. **completes the missing votes** by a low-rank fit (hard impute): start from the node's
   mean (0 after centring), then COMPLETION_PASSES times fit a rank-COMPONENTS truncated SVD
   and put its values in the missing cells (the votes cast stay as they are). A missing
   vote is predicted from how the voter voted on the nodes that vote alike, so a voter who
   voted on a few nodes lands next to the people who voted like them on those, not at the
   centre;
3. **reduces** the completed matrix to its first COMPONENTS principal components (k groups
   have centroids spanning at most k - 1 ≤ 5 directions): each voter's coordinates; the
   first two are the anonymous scatter;
4. **clusters** them with k-means for k = 2..MAX_GROUPS and keeps the k of the best mean
   silhouette among those whose every group has at least ``min_size`` members, but only when
   that silhouette is at least SILHOUETTE_MIN = 0.3 **and** beats, by NULL_MARGIN, the best
   silhouette of every one of NULL_PERMUTATIONS null electorates (each node's votes shuffled
   among the voters who cast them: the same nodes, votes and gaps, no schools). Otherwise
   k = 1: a random electorate does not invent schools.

``separating_cruxes`` ranks, for each group, the cruxes by

    sep_g(c) = |ℓ̄_gc - ℓ̄_rest,c| × impact(c)

the gap between the group's mean (completed) log-odds and everyone else's, times the crux's
impact on the frames (its global score in a RankingResult). Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.utils.extmath import randomized_svd
from threadpoolctl import threadpool_limits

from .credence import CRED_MAX, CRED_MIN
from .types import RankingResult

#: Principal components kept: k ≤ MAX_GROUPS groups' centroids span at most k - 1 of them.
COMPONENTS = 5
#: Passes of the low-rank completion (each one SVD); the missing cells settle in a few.
COMPLETION_PASSES = 5
#: Largest number of groups looked for.
MAX_GROUPS = 6
#: A node with fewer voters tells nothing about who votes alike.
MIN_NODE_VOTERS = 2
#: Mean silhouette a grouping needs at the least: clear of 0.25, below which Kaufman and
#: Rousseeuw find no substantial structure (k-means finds 0.14-0.25 in uniform random
#: electorates of 30 voters; at 0.25 one in 40 of them slipped past the null below).
SILHOUETTE_MIN = 0.3
#: Null electorates (each node's votes shuffled among its voters) to beat ...
NULL_PERMUTATIONS = 5
#: ... by at least this much silhouette, every one of them.
NULL_MARGIN = 0.05
#: k-means restarts per k.
KMEANS_INIT = 4


@dataclass(frozen=True, slots=True)
class School:
    index: int
    members: np.ndarray  # voter indices (row numbers of ``votes``); the caller hides them
    size: int
    #: per node (in node_keys order): the members' mean completed log-odds, and as a credence
    logodds: np.ndarray
    credences: dict[str, float]
    n_votes: np.ndarray  # per node: how many members voted on it


@dataclass(frozen=True, slots=True)
class Schools:
    k: int
    groups: list[School]  # by size, largest first
    labels: np.ndarray  # (voters,) group index of each voter
    coordinates: np.ndarray  # (voters, 2): the first two principal components
    silhouette: float  # of the chosen grouping (0.0 for k = 1)
    #: the best silhouette among the null electorates (-1.0: not needed, the observed one
    #: was below SILHOUETTE_MIN; the permutations stop at the first one it does not beat)
    null_silhouette: float
    silhouettes: dict[int, float]  # per eligible k >= 2, the observed silhouette
    node_keys: tuple[str, ...]
    completed: np.ndarray  # (voters, nodes) completed log-odds (NaN on nodes left out)


@dataclass(frozen=True, slots=True)
class Separation:
    key: str
    gap: float  # group's mean log-odds minus everyone else's (signed)
    impact: float
    score: float  # |gap| × impact
    group: float  # the group's credence
    others: float  # everyone else's


def _logodds(votes: np.ndarray) -> np.ndarray:
    x = np.clip(votes, CRED_MIN, CRED_MAX)
    return np.log(x / (1.0 - x))


def _complete(centred: np.ndarray, missing: np.ndarray, rank: int, seed: int) -> np.ndarray:
    """Hard impute: missing cells (0 to start: the node's mean) take the rank-``rank`` SVD
    fit's values, COMPLETION_PASSES times; the votes cast never change."""
    x = np.where(missing, 0.0, centred)
    if not missing.any():
        return x
    for _ in range(COMPLETION_PASSES):
        # Two power iterations a pass: the passes themselves refine the same subspace.
        u, s, vt = randomized_svd(x, rank, n_iter=2, random_state=seed)
        x[missing] = ((u * s) @ vt)[missing]
    return x


def _components(x: np.ndarray, rank: int, seed: int) -> np.ndarray:
    """The voters' first ``rank`` principal-component scores (signs fixed: each
    component's largest loading positive, so a seed gives one picture)."""
    centred = x - x.mean(axis=0)
    u, s, vt = randomized_svd(centred, rank, random_state=seed, flip_sign=False)
    sign = np.sign(vt[np.arange(vt.shape[0]), np.abs(vt).argmax(axis=1)])
    sign[sign == 0] = 1.0
    return u * s * sign


def _best_grouping(
    y: np.ndarray, min_size: int, seed: int
) -> tuple[int, float, np.ndarray | None, dict[int, float]]:
    """(k, silhouette, labels, silhouette per eligible k) of the best k-means grouping."""
    best = (1, -1.0, None)
    per_k: dict[int, float] = {}
    n = y.shape[0]
    distances = pairwise_distances(y)  # once for every k's silhouette
    for k in range(2, MAX_GROUPS + 1):
        if k * max(min_size, 1) > n or k >= n:
            break
        labels = KMeans(k, n_init=KMEANS_INIT, random_state=seed).fit_predict(y)
        sizes = np.bincount(labels, minlength=k)
        if sizes.min() < max(min_size, 1) or np.unique(labels).size < 2:
            continue
        score = float(silhouette_score(distances, labels, metric="precomputed"))
        per_k[k] = score
        if score > best[1]:
            best = (k, score, labels)
    return best[0], best[1], best[2], per_k


def _embed(centred: np.ndarray, missing: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(completed centred log-odds, principal-component scores) of an electorate."""
    rank = max(1, min(COMPONENTS, centred.shape[0] - 1, centred.shape[1]))
    completed = _complete(centred, missing, rank, seed)
    return completed, _components(completed, rank, seed)


def _shuffled(centred: np.ndarray, missing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A null electorate: each node's votes shuffled among the voters who cast them."""
    out = centred.copy()
    for j in range(centred.shape[1]):
        cast = np.flatnonzero(~missing[:, j])
        out[cast, j] = centred[rng.permutation(cast), j]
    return out


def find_schools(
    votes: np.ndarray,
    *,
    node_keys: Sequence[str],
    min_size: int,
    seed: int = 0,
) -> Schools:
    """Group the voters (rows of ``votes``, credences in [0, 1], NaN = no vote) into schools
    of thought (module docstring). ``min_size``: the smallest group worth showing (the
    privacy floor); a grouping with a smaller group is not considered."""
    votes = np.asarray(votes, dtype=float)
    if votes.ndim != 2 or votes.shape[1] != len(node_keys):
        raise ValueError("votes must be voters × nodes, one column per node key")
    cast = votes[~np.isnan(votes)]
    if not np.all((cast >= 0.0) & (cast <= 1.0)):
        raise ValueError("credences must lie in [0, 1] (NaN for no vote)")
    # One thread: the matrices are small (10^5-10^6 cells), and on a shared worker BLAS and
    # OpenMP threads fighting over the cores made it 10-30 times slower, not faster.
    with threadpool_limits(limits=1):
        return _find_schools(votes, tuple(node_keys), min_size, seed)


def _find_schools(
    votes: np.ndarray, node_keys: tuple[str, ...], min_size: int, seed: int
) -> Schools:
    n_voters, n_nodes = votes.shape
    missing_all = np.isnan(votes)
    lo = _logodds(np.where(missing_all, 0.5, votes))
    counts = (~missing_all).sum(axis=0)
    used = counts >= MIN_NODE_VOTERS
    mean = np.where(
        counts > 0, np.where(missing_all, 0.0, lo).sum(axis=0) / np.maximum(counts, 1), 0.0
    )
    missing = missing_all[:, used]
    centred = np.where(missing, 0.0, lo[:, used] - mean[used])

    completed_full = np.full((n_voters, n_nodes), np.nan)
    if n_voters >= 2 and used.any():
        completed, y = _embed(centred, missing, seed)
        completed_full[:, used] = completed + mean[used]
        k, score, labels, per_k = _best_grouping(y, min_size, seed)
        rng = np.random.default_rng(seed)
        null = -1.0
        if k > 1 and score >= SILHOUETTE_MIN:
            for _ in range(NULL_PERMUTATIONS):
                _, y_null = _embed(_shuffled(centred, missing, rng), missing, seed)
                null = max(null, _best_grouping(y_null, min_size, seed)[1])
                if score < null + NULL_MARGIN:
                    break
        if k == 1 or score < SILHOUETTE_MIN or score < null + NULL_MARGIN:
            k, score, labels = 1, 0.0, None
        coords = np.zeros((n_voters, 2))
        coords[:, : min(2, y.shape[1])] = y[:, :2]
    else:
        k, score, labels, per_k, null = 1, 0.0, None, {}, -1.0
        coords = np.zeros((n_voters, 2))
    if labels is None:
        labels = np.zeros(n_voters, dtype=np.int64)
    # Groups by size (largest first), then by their smallest member: stable numbering.
    order = sorted(range(k), key=lambda g: (-int((labels == g).sum()), int(np.argmax(labels == g))))
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(k)
    labels = relabel[labels]
    groups = [
        _school(i, np.flatnonzero(labels == i), votes, completed_full, node_keys) for i in range(k)
    ]
    return Schools(
        k,
        groups,
        labels,
        coords,
        score,
        null,
        per_k,
        tuple(node_keys),
        completed_full,
    )


def _school(
    index: int,
    members: np.ndarray,
    votes: np.ndarray,
    completed: np.ndarray,
    node_keys: Sequence[str],
) -> School:
    """One group: its members' mean completed log-odds per node. A node left out of the
    completion (fewer than MIN_NODE_VOTERS votes) takes the mean of the members' own votes,
    or is absent from ``credences`` when none of them voted."""
    sub = votes[members]
    cast = ~np.isnan(sub)
    n_votes = cast.sum(axis=0)
    lo = completed[members].mean(axis=0) if members.size else np.full(len(node_keys), np.nan)
    own = _logodds(np.where(cast, sub, 0.5))
    own_mean = np.where(cast, own, 0.0).sum(axis=0) / np.maximum(n_votes, 1)
    lo = np.where(np.isnan(lo) & (n_votes > 0), own_mean, lo)
    cred = 1.0 / (1.0 + np.exp(-lo))
    credences = {
        key: float(c) for key, c in zip(node_keys, cred.tolist(), strict=True) if not np.isnan(c)
    }
    return School(index, members, int(members.size), lo, credences, n_votes)


def separating_cruxes(
    groups: Schools,
    impact: RankingResult | Mapping[str, float],
    *,
    top: int = 10,
) -> dict[int, list[Separation]]:
    """Per group, the ``top`` cruxes that best separate it from the others (module
    docstring): |group's mean log-odds - everyone else's| × impact, largest first; ties by
    key. ``impact``: a RankingResult (each crux's global score) or crux key -> impact; only
    those nodes count. With one group nothing separates: an empty list."""
    if isinstance(impact, RankingResult):
        impact = {c.key: c.score for c in impact.cruxes}
    out: dict[int, list[Separation]] = {g.index: [] for g in groups.groups}
    if groups.k < 2:
        return out
    cols = np.array([j for j, key in enumerate(groups.node_keys) if key in impact], dtype=int)
    if cols.size == 0:
        return out
    weight = np.array([float(impact[groups.node_keys[j]]) for j in cols.tolist()])
    completed = groups.completed[:, cols]
    total = completed.sum(axis=0)  # NaN on the nodes left out of the completion
    for g in groups.groups:
        mine = g.logodds[cols]
        n_rest = groups.labels.size - g.size
        theirs = (total - completed[g.members].sum(axis=0)) / max(n_rest, 1)
        gap = mine - theirs
        score = np.abs(gap) * weight
        ok = np.flatnonzero(~np.isnan(score))
        order = ok[np.lexsort((np.array(groups.node_keys)[cols[ok]], -np.round(score[ok], 12)))][
            :top
        ]
        out[g.index] = [
            Separation(
                groups.node_keys[cols[j]],
                float(gap[j]),
                float(weight[j]),
                float(score[j]),
                float(1.0 / (1.0 + np.exp(-mine[j]))),
                float(1.0 / (1.0 + np.exp(-theirs[j]))),
            )
            for j in order.tolist()
        ]
    return out
