"""The gradual semantics and the constants of the formulas (see docs/RANKING.md).

Strength of node v, given the strengths s_u of its parents (supports / undermines edges)::

    s_v = b_v + h_v * (P_v - C_v)
    h_v = min(b_v, 1 - b_v)                        symmetric head-room
    P_v = sum over supporters u of   w_uv / (1 + W_v) * s_u
    C_v = sum over underminers u of  w_uv / (1 + W_v) * s_u
    W_v = sum of the weights of all supports / undermines edges into v

i.e. ``s = b + M s`` with the sparse matrix ``M[v, u] = +-h_v w_uv / (1 + W_v)``. Every row of
``|M|`` sums to ``h_v W_v / (1 + W_v) < 1/2``, so the map is a contraction of [0, 1]^n in the
max-norm: one fixed point, found by a damped iteration (reference) or directly (fast path).
"""

from __future__ import annotations

import numpy as np

from .model import EDGE_SUPPORTS

#: Weight of the discrimination term in the global score (0 < lambda < 1).
DISCRIMINATION_WEIGHT = 0.5
#: Relaxation of the damped fixed-point iteration: s <- (1 - eta) s + eta (b + M s).
DAMPING = 0.5
#: Certified max-norm error of an iterated fixed point.
TOLERANCE = 1e-12
#: Iteration cap (never reached: the damped map contracts by <= 3/4 per step).
MAX_ITER = 10_000
#: Scores closer than this are ties for the ranking (then key ascending decides).
TIE_DECIMALS = 12


def headroom(b: np.ndarray) -> np.ndarray:
    return np.minimum(b, 1.0 - b)


def coefficients(
    n: int,
    base: np.ndarray,
    src: np.ndarray,
    tgt: np.ndarray,
    ekind: np.ndarray,
    weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries (row=target, col=source, value) of M, one per propagating edge."""
    total_in = np.bincount(tgt, weights=weight, minlength=n)
    omega = weight / (1.0 + total_in[tgt])
    sign = np.where(ekind == EDGE_SUPPORTS, 1.0, -1.0)
    return tgt, src, sign * headroom(base)[tgt] * omega
