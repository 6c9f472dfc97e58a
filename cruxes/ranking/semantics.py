"""The semantics and the constants of the formulas (see docs/RANKING.md).

Every node v carries log-odds z_v. Its base log-odds z0_v = logit(b_v) come from its own
pooled credence b_v (votes and prior); each supports / undermines edge u -> v is one
independent piece of evidence that adds a_uv * z_u to z_v::

    z_v = z0_v + sum over edges u -> v of  a_uv * z_u
    a_uv = +-(1 - (1 - EDGE_STRENGTH) ** w_uv)      (+ supports, - undermines)

A source at credence 0.5 (z_u = 0) adds nothing; a source resolved true (z_u = +Z) or
false (-Z) moves the target by +-a_uv * Z in log-odds, whatever the target's own credence
and however many other arguments it has: strength of evidence, not head-room or a share of
the node's in-degree, bounds the movement. |a_uv| < 1, so an effect fades along a chain.

Inside a cycle the same evidence would come back around; the coefficients of the edges
that stay inside a strongly connected component are scaled so that each node's share from
its own component is at most CYCLE_GAIN < 1 (``z = z0 + A z`` then has one finite
solution, found exactly by the fast path and by the reference's dense solves).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .model import EDGE_SUPPORTS

#: |a| of an edge of weight 1: a resolved source moves its target by 0.3 * Z in log-odds
#: (Z = logit 0.99: a likelihood ratio of about 4 either way).
EDGE_STRENGTH = 0.3
#: Largest total |a| a node of a cycle takes from its own strongly connected component.
CYCLE_GAIN = 0.9
#: Resolving a crux sets its credence to 0.99 (true) or 0.01 (false): the vote range.
RESOLVED = 0.99
Z_RESOLVED = math.log(RESOLVED / (1.0 - RESOLVED))
#: A crux "moves" a frame, for its `why`, when resolving it changes the frame's credence by
#: at least this much (half a percentage point, the smallest change the pages show as more
#: than a rounding): smaller effects are scored and listed, but not explained by a route.
WHY_MIN_DELTA = 0.005
#: Weight of the discrimination term in the global score.
DISCRIMINATION_WEIGHT = 0.5
#: Scores closer than this are ties: they share a rank (competition ranking 1, 1, 3).
TIE_DECIMALS = 12


def edge_strength(weight: np.ndarray) -> np.ndarray:
    """|a| of edges of the given weights: 0 at weight 0, EDGE_STRENGTH at 1, below 1 always."""
    return -np.expm1(weight * math.log1p(-EDGE_STRENGTH))


def coefficients(
    n: int,
    src: np.ndarray,
    tgt: np.ndarray,
    ekind: np.ndarray,
    weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries (row=target, col=source, value) of A, one per propagating edge."""
    sign = np.where(ekind == EDGE_SUPPORTS, 1.0, -1.0)
    a = sign * edge_strength(weight)
    if n == 0 or a.size == 0:
        return tgt, src, a
    graph = sp.csr_matrix((np.ones(a.size), (tgt, src)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    inside = label[tgt] == label[src]  # edges of a cycle (self-loops included)
    if inside.any():
        gain = np.bincount(tgt[inside], weights=np.abs(a[inside]), minlength=n)
        scale = np.where(gain > CYCLE_GAIN, CYCLE_GAIN / np.maximum(gain, CYCLE_GAIN), 1.0)
        a = np.where(inside, a * scale[tgt], a)
    return tgt, src, a
