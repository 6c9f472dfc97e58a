"""The double crux of two views of a map (docs/RANKING.md, section 17).

Two credence assignments A and B (two people, a person and a group, two groups) each rank
the map once (``rank(..., credences=...)``: the community's credences where a side gave
none). The frames they **disagree on** are those whose strengths differ by at least the
threshold. A crux c is **resolved** for both sides at once: true with probability q_c, false
otherwise, where it is clamped to ±Z on both sides as the engine does (section 4), so
each side's frame f goes to its own T_f(c) or F_f(c), read off that side's run. The
disagreement on a frame is measured in log-odds (evidence), g_f = z_f(A) - z_f(B):

    q_c    = σ((logit p_c(A) + logit p_c(B)) / 2)
    R_f(c) = |g_f| - ( q_c·|logit T_f^A - logit T_f^B|
                       + (1 - q_c)·|logit F_f^A - logit F_f^B| )
    R(c)   = Σ over the disagreed frames f of R_f(c)

Cruxes are ranked by R(c), the expected reduction of the disagreement; only R(c) > 0 are
listed. Log-odds, not probability: a piece of evidence both sides accept moves both by the
same log-odds, which leaves g_f as it was, while near 0 or 1 it would narrow a probability
gap without settling anything between them. For the reasons in words the remaining gap
|g_f| - R_f(c) is shown as a probability gap around the sides' log-odds midpoint
m_f = (z_f(A) + z_f(B)) / 2: gap_after = σ(m_f + (|g_f| - R_f)/2) - σ(m_f - (|g_f| - R_f)/2),
which is |s_f(A) - s_f(B)| when R_f = 0 and shrinks exactly when R_f > 0.

Two engine runs in all, however many cruxes: the clamped strengths T and F are the engine's
per-crux sensitivities (its Sherman-Morrison clamps), and the comparison is vectorised over
crux × disputed frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .engine import rank
from .types import EdgeInput, NodeInput, RankingResult, gc_paused

#: Frames whose strengths differ by at least this (ten percentage points) are disagreed on.
DEFAULT_THRESHOLD = 0.1
#: Strengths are kept this far from 0 and 1 before taking log-odds (a frame pushed past
#: 1 - 1e-12 by many arguments would otherwise have infinite log-odds).
_EDGE = 1e-12
#: Expected reductions below this are rounding, not a double crux.
_MIN_REDUCTION = 1e-9
#: A frame's gap closing by less than this (half a percentage point) is not worth a reason.
_MIN_CLOSER = 0.005


@dataclass(frozen=True, slots=True)
class FrameGap:
    frame: str
    a: float  # the frame's strength for side A
    b: float
    gap: float  # a - b (probability)
    logodds_gap: float  # logit a - logit b


@dataclass(frozen=True, slots=True)
class FrameMove:
    frame: str
    delta_a: float  # T_f - F_f for side A: how far resolving the crux moves A's frame
    delta_b: float
    gap_before: float  # |a - b| (probability)
    #: the expected gap once the crux is resolved, in probability: the remaining log-odds
    #: gap (|g_f| - R_f) laid around the two sides' log-odds midpoint (module docstring)
    gap_after: float
    reduction: float  # R_f(c), log-odds


@dataclass(frozen=True, slots=True)
class DoubleCrux:
    key: str
    credence_a: float  # p_c for side A (the crux's propagated credence in A's run)
    credence_b: float
    probability: float  # q_c, the probability it would be settled true
    reduction: float  # R(c), log-odds, summed over the disagreed frames
    closer: float  # the same in probability: sum of gap_before - gap_after
    frames: tuple[FrameMove, ...]  # the disagreed frames it moves, most reduced first
    reason: str


@dataclass(frozen=True, slots=True)
class DoubleCruxResult:
    #: True when no frame differs by the threshold: nothing to resolve, ``cruxes`` is empty
    no_frame_disagreement: bool
    frames: list[FrameGap]  # the disagreed frames, largest gap first
    cruxes: list[DoubleCrux]  # largest expected reduction first
    threshold: float


def _logit(p: float) -> float:
    p = min(1.0 - _EDGE, max(_EDGE, p))
    return math.log(p / (1.0 - p))


def double_crux(
    nodes: Iterable[NodeInput],
    edges: Iterable[EdgeInput],
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    names: tuple[str, str] = ("you", "they"),
    titles: Mapping[str, str] | None = None,
    top: int | None = None,
) -> DoubleCruxResult:
    """The cruxes whose resolution would most reduce the disagreement between A and B on the
    frames they disagree on (module docstring). ``names`` and ``titles`` (node key -> title)
    only word the reasons. Credences on nodes the map does not have are ignored."""
    nodes = list(nodes)
    edges = list(edges)
    known = {n.key for n in nodes}
    run_a = rank(nodes, edges, credences={k: v for k, v in a.items() if k in known})
    run_b = rank(nodes, edges, credences={k: v for k, v in b.items() if k in known})
    return compare(run_a, run_b, threshold=threshold, names=names, titles=titles, top=top)


def compare(
    run_a: RankingResult,
    run_b: RankingResult,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    names: tuple[str, str] = ("you", "they"),
    titles: Mapping[str, str] | None = None,
    top: int | None = None,
) -> DoubleCruxResult:
    """``double_crux`` from the two sides' rankings of the same graph (e.g. cached ones).
    ``top``: list only the first ``top`` cruxes (a page of them); None: every one."""
    if not threshold > 0.0:
        raise ValueError("threshold must be > 0")
    # Thousands of small records next to two rankings' ~10^5 objects: without the pause
    # the cyclic collector rescans those over and over (types.gc_paused).
    with gc_paused():
        return _compare(run_a, run_b, threshold, names, titles or {}, top)


def _compare(
    run_a: RankingResult,
    run_b: RankingResult,
    threshold: float,
    names: tuple[str, str],
    titles: Mapping[str, str],
    top: int | None,
) -> DoubleCruxResult:
    s_b = {f.key: f.strength for f in run_b.frames}
    gaps = [
        FrameGap(f.key, f.strength, s_b[f.key], f.strength - s_b[f.key], 0.0)
        for f in run_a.frames
        if abs(f.strength - s_b[f.key]) >= threshold
    ]
    gaps = [
        FrameGap(g.frame, g.a, g.b, g.gap, _logit(g.a) - _logit(g.b))
        for g in sorted(gaps, key=lambda g: (-abs(g.gap), g.frame))
    ]
    if not gaps:
        return DoubleCruxResult(True, [], [], threshold)
    col = {g.frame: j for j, g in enumerate(gaps)}
    keys = [c.key for c in run_a.cruxes]
    row = {key: i for i, key in enumerate(keys)}
    p_b = {c.key: c.strength for c in run_b.cruxes}
    s_a = np.array([g.a for g in gaps])
    s_b = np.array([g.b for g in gaps])
    # Each side's frame strengths with each crux resolved true / false (crux × disputed
    # frame); a crux that does not move a frame on a side leaves it where it is.
    shape = (len(keys), len(gaps))
    t_a, f_a = np.broadcast_to(s_a, shape).copy(), np.broadcast_to(s_a, shape).copy()
    t_b, f_b = np.broadcast_to(s_b, shape).copy(), np.broadcast_to(s_b, shape).copy()
    moved = np.zeros(shape, dtype=bool)
    for run, t, f in ((run_a, t_a, f_a), (run_b, t_b, f_b)):
        entries = [
            (row[c.key], col[fs.frame], fs.strength_if_true, fs.strength_if_false)
            for c in run.cruxes
            for fs in c.frames
            if fs.frame in col
        ]
        if entries:
            i, j, if_true, if_false = (np.array(x) for x in zip(*entries, strict=True))
            t[i, j], f[i, j], moved[i, j] = if_true, if_false, True
    p_a = np.array([c.strength for c in run_a.cruxes])
    q = _sigmoid_arr((_logit_arr(p_a) + _logit_arr(np.array([p_b[k] for k in keys]))) / 2.0)
    g = np.abs(_logit_arr(s_a) - _logit_arr(s_b))
    after = q[:, None] * np.abs(_logit_arr(t_a) - _logit_arr(t_b)) + (1.0 - q[:, None]) * np.abs(
        _logit_arr(f_a) - _logit_arr(f_b)
    )
    reduction = np.where(moved, g - after, 0.0)  # R_f(c)
    middle = (_logit_arr(s_a) + _logit_arr(s_b)) / 2.0
    gap_after = _sigmoid_arr(middle + after / 2.0) - _sigmoid_arr(middle - after / 2.0)
    total = reduction.sum(axis=1)  # R(c)
    listed = np.flatnonzero(total > _MIN_REDUCTION)
    # Largest R(c) first (equal to 12 decimals: by key); only the first ``top`` are built.
    order = np.lexsort((np.array(keys, dtype=str)[listed], -np.round(total[listed], 12)))
    listed = listed[order][:top]
    frames = [gp.frame for gp in gaps]
    before = [abs(gp.gap) for gp in gaps]
    # Python lists of the listed rows: reading numpy scalars one by one is far slower.
    columns = zip(
        listed.tolist(),
        moved[listed].tolist(),
        (t_a - f_a)[listed].tolist(),
        (t_b - f_b)[listed].tolist(),
        gap_after[listed].tolist(),
        reduction[listed].tolist(),
        strict=True,
    )
    out = []
    for i, moved_i, delta_a, delta_b, after_i, reduction_i in columns:
        moves = sorted(
            (
                FrameMove(frames[j], delta_a[j], delta_b[j], before[j], after_i[j], r)
                for j, r in enumerate(reduction_i)
                if moved_i[j]
            ),
            key=lambda m: (-m.reduction, m.frame),
        )
        credence_a, credence_b = float(p_a[i]), p_b[keys[i]]
        out.append(
            DoubleCrux(
                keys[i],
                credence_a,
                credence_b,
                float(q[i]),
                float(total[i]),
                sum(m.gap_before - m.gap_after for m in moves),
                tuple(moves),
                _reason(credence_a, credence_b, moves, names, titles),
            )
        )
    return DoubleCruxResult(False, gaps, out, threshold)


def _logit_arr(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EDGE, 1.0 - _EDGE)
    return np.log(p / (1.0 - p))


def _sigmoid_arr(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _reason(
    p_a: float,
    p_b: float,
    moves: list[FrameMove],
    names: tuple[str, str],
    titles: Mapping[str, str],
) -> str:
    """'you hold 0.80 and they hold 0.20; if it were settled, your views on 'Deception'
    would move 0.15 closer' (the frame it brings closest; the others counted)."""
    first = moves[0]
    title = titles.get(first.frame, first.frame)
    closer = first.gap_before - first.gap_after
    if closer >= _MIN_CLOSER:
        effect = f"would move {closer:.2f} closer"
    else:  # near 0 or 1 a large change of odds is a small change of probability
        effect = f"would come {math.exp(first.reduction):.1f} times closer in odds"
    more = sum(1 for m in moves[1:] if m.reduction > _MIN_REDUCTION)
    tail = f" (and on {more} more frame{'s' if more > 1 else ''})" if more else ""
    return (
        f"{names[0]} hold {p_a:.2f} and {names[1]} hold {p_b:.2f}; if it were settled, "
        f"your views on '{title}' {effect}{tail}"
    )
