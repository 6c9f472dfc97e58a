"""``rank``: the entry point. Validates, dispatches to a method, assembles the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from . import arguments, fast, reference
from .credence import aggregate_all, given_credences
from .explain import Routes
from .model import (
    Graph,
    as_given,
    build_graph,
    dependencies,
    frame_parent,
    reach,
    rival_matrix,
    upstream,
)
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


def _none_where(values: np.ndarray, missing: np.ndarray) -> list[float | None]:
    """values as Python floats, None where ``missing`` (C-level: no Python loop)."""
    out = values.astype(object)
    out[missing] = None
    return out.tolist()


def _records(cls, *columns: list) -> list:
    """Named tuples of ``cls`` from parallel columns, built at C speed."""
    return list(map(tuple.__new__, repeat(cls), zip(*columns, strict=True)))


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
    rest = np.flatnonzero(~ok)
    if rest.size and r.any():
        # The exact max over rival pairs (a, b) of d[a] - d[b], a chunk of rows at a time.
        a, b = np.nonzero(r)
        step = max(1, 4_000_000 // a.size)
        for i0 in range(0, rest.size, step):
            rows_ = rest[i0 : i0 + step]
            spread = d[rows_][:, a] - d[rows_][:, b]
            out[rows_] = np.maximum(spread.max(axis=1), 0.0)
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
    unvoted = agg.n == 0  # exactly where the statistics are NaN
    records = _records(
        NodeCredence,
        agg.n.tolist(),
        _none_where(agg.mean, unvoted),
        _none_where(agg.median, unvoted),
        _none_where(agg.logodds_mean, unvoted),
        _none_where(agg.sd, unvoted),
        agg.histogram.tolist(),
        agg.prior.tolist(),
        agg.credence.tolist(),
    )
    return dict(zip(g.keys, records, strict=True))


def _forward(rhs: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """z solving z = rhs + A z (A[rows, cols] = vals), through the fast path's solver."""
    none = np.zeros(0, dtype=np.int64)
    return fast.solve(rhs.size, rhs, rows, cols, vals, none, none).strength


def _fast(g: Graph, min_delta: float, given: tuple[np.ndarray, np.ndarray]) -> _Computed:
    agg = aggregate_all(g.vote_counts, g.vote_values, g.prior, g.vote_weights)
    idx, values = given
    if idx.size:  # given credences replace the pooled ones (section 16)
        agg.credence[idx] = values
    base = agg.credence
    z0 = np.log(base / (1.0 - base))
    prop = g.propagating()
    rows, cols, vals = coefficients(g.n, g.src[prop], g.tgt[prop], g.ekind[prop], g.weight[prop])
    frames, cruxes = g.frames(), g.cruxes()
    nl = arguments.build(g, np.flatnonzero(prop), rows, cols, vals)
    bent = np.zeros(cruxes.size, dtype=bool)  # cruxes upstream of a nonlinear argument
    if nl is not None:
        # Solve the nonlinear map, then linearise it there (arguments.py): exact for every
        # crux that reaches no linked premise and no undercutter; the others are clamped
        # and solved below.
        z_star = nl.solve(z0, _forward)
        rows, cols, vals = nl.jacobian(z_star)
        bent = upstream(g, nl.sources())[cruxes]
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
        always=bent if bent.any() else None,
    )
    sol = fast.solve(g.n, z0, rows, cols, vals, frames, cruxes, on_influence=routes)
    z = sol.strength if nl is None else z_star
    # The frame's log-odds are affine in the crux's: z_f(c := x) = z_f + K (x - z_c),
    # K = N[f, c] / N[c, c] (what fast.solve returns as its "delta").
    gain = sol.delta
    gain[bent] = 0.0
    ci, fj = np.nonzero(gain)
    k_nz = gain[ci, fj]
    z_c = z[cruxes][ci]
    z_f = z[frames][fj]
    if_true = sigmoid(z_f + k_nz * (Z_RESOLVED - z_c))
    if_false = sigmoid(z_f + k_nz * (-Z_RESOLVED - z_c))
    if bent.any():
        ci, fj, if_true, if_false = _clamped(
            g, nl, z0, z, frames, cruxes, bent, (ci, fj, if_true, if_false)
        )
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


def _clamped(g, nl, z0, z, frames, cruxes, bent, entries):
    """The entries of the cruxes in ``bent``, by clamping each true and false and solving
    the nonlinear map again; merged with ``entries`` in (crux, frame) order.

    Only what the crux reaches can change: each clamped solve runs on that part of the map
    (the rest keeps its unclamped log-odds z and enters as a constant), densely while it is
    small, so a crux near the frames costs a few small solves, not passes over the map.
    """
    ci, fj, if_true, if_false = entries
    more = [(ci, fj, if_true, if_false)]
    reach_of = _downstream(g)
    for i in np.flatnonzero(bent).tolist():
        c = int(cruxes[i])
        part = reach_of(c)
        solve_part = _partial_forward(part, z)
        hi = sigmoid(nl.solve(z0, solve_part, clamp=(c, Z_RESOLVED))[frames])
        lo = sigmoid(nl.solve(z0, solve_part, clamp=(c, -Z_RESOLVED))[frames])
        # Frames the crux cannot reach keep their strength exactly (as the reference).
        moved = np.flatnonzero(part[frames] & (hi != lo))
        more.append((np.full(moved.size, i), moved, hi[moved], lo[moved]))
    ci, fj, if_true, if_false = (np.concatenate(col) for col in zip(*more, strict=True))
    order = np.lexsort((fj, ci))
    return ci[order], fj[order], if_true[order], if_false[order]


#: Largest part of a map a clamped solve takes densely (then a sparse LU).
DENSE_PART_MAX = 1500


def _downstream(g: Graph):
    """node -> mask of the nodes it reaches along the dependencies (itself included)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    frm, to = dependencies(g)
    graph = csr_matrix((np.ones(frm.size), (frm, to)), shape=(g.n, g.n))

    def reach_of(node: int) -> np.ndarray:
        seen = np.zeros(g.n, dtype=bool)
        seen[breadth_first_order(graph, node, directed=True, return_predecessors=False)] = True
        return seen

    return reach_of


def _partial_forward(part: np.ndarray, z_rest: np.ndarray):
    """A forward solver (arguments.Forward) for the nodes of ``part`` only: the others keep
    ``z_rest`` and their arguments into ``part`` enter the right-hand side."""
    idx = np.flatnonzero(part)
    local = np.full(part.size, -1, dtype=np.int64)
    local[idx] = np.arange(idx.size)

    def forward(rhs: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray):
        into = part[rows]
        rows, cols, vals = rows[into], cols[into], vals[into]
        inside = part[cols]
        b = rhs[idx].copy()
        np.add.at(b, local[rows[~inside]], vals[~inside] * z_rest[cols[~inside]])
        r, c, v = local[rows[inside]], local[cols[inside]], vals[inside]
        if idx.size <= DENSE_PART_MAX:
            m = np.eye(idx.size)
            np.add.at(m, (r, c), -v)
            x = np.linalg.solve(m, b)
        else:
            m = sp.identity(idx.size, format="csc") - sp.csc_matrix(
                (v, (r, c)), shape=(idx.size, idx.size)
            )
            x = splu(m.tocsc()).solve(b)
        out = z_rest.copy()
        out[idx] = x
        return out

    return forward


def _reference(g: Graph, given: tuple[np.ndarray, np.ndarray]) -> _Computed:
    idx, values = given
    if idx.size:
        # The reference solves the map whose given nodes are unvoted at that prior (their
        # pooled credence is then exactly the given value); the votes' statistics and
        # disagreement stay those of the real votes (section 16).
        _, strength, if_true, if_false, connected, rivals, a = reference.solve(
            as_given(g, idx, values)
        )
        aggs = reference.aggregates(g)
        for i, value in zip(idx.tolist(), values.tolist(), strict=True):
            aggs[i] = replace(aggs[i], credence=value)
    else:
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


def compile_graph(nodes: Iterable[NodeInput], edges: Iterable[EdgeInput]) -> Graph:
    """The map in the engine's validated, indexed form: what ``rank`` builds first.

    Built once, it ranks any number of views of the same map (``rank_graph`` with other
    ``credences``) without reading and validating the records again (about a third of a
    run on a 10k-node map). Plain numpy arrays and a list of keys: it pickles small and
    fast. Read-only: no run writes to it.
    """
    with gc_paused():
        return build_graph(nodes, edges)


def rank(
    nodes: Iterable[NodeInput],
    edges: Iterable[EdgeInput],
    *,
    method: str = "fast",
    min_delta: float = 0.0,
    credences: Mapping[str, float] | None = None,
) -> RankingResult:
    """Rank the cruxes of a map; see docs/RANKING.md for the formulas.

    ``min_delta`` (default 0, i.e. every frame with delta != 0) drops the per-frame entries
    with |delta| <= min_delta from ``CruxResult.frames``; scores and ranks are unaffected.

    ``credences`` (node key -> credence in [0, 1]): for those nodes the pooled credence
    b_v is exactly the given value, clipped to [0.01, 0.99], instead of the voters' pooled
    one; everything else (votes' statistics, disagreement, arguments) is unchanged. One
    person's or one group's view of the map (docs/RANKING.md, section 16). None or empty:
    the community's ranking, bit for bit.
    """
    _check_options(method, min_delta)
    with gc_paused():
        return rank_graph(
            build_graph(nodes, edges), method=method, min_delta=min_delta, credences=credences
        )


def rank_graph(
    g: Graph,
    *,
    method: str = "fast",
    min_delta: float = 0.0,
    credences: Mapping[str, float] | None = None,
) -> RankingResult:
    """``rank`` of a map already compiled (``compile_graph``); the same result."""
    _check_options(method, min_delta)
    with gc_paused():
        given = given_credences(g.keys, credences)
        comp = _fast(g, float(min_delta), given) if method == "fast" else _reference(g, given)
        return _assemble(g, comp, method, float(min_delta))


def _check_options(method: str, min_delta: float) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not min_delta >= 0.0:
        raise ValueError("min_delta must be >= 0")


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
    # (crux, score desc, frame key asc): frame indices ascend with their keys. The second
    # sorts crux positions: as 16-bit integers numpy sorts them by radix, in linear time.
    by_score = np.argsort(-np.round(fscore, TIE_DECIMALS), kind="stable")
    crux_pos = ci[by_score]
    if cruxes.size <= np.iinfo(np.uint16).max:
        crux_pos = crux_pos.astype(np.uint16)
    order = by_score[np.argsort(crux_pos, kind="stable")]
    ci, fj = ci[order], fj[order]
    d = d[order]
    paths: list[tuple[str, ...]] = [()] * ci.size
    explained = np.flatnonzero(np.abs(d) >= WHY_MIN_DELTA)
    for k, path in zip(
        explained.tolist(), comp.routes.key_paths(ci[explained], fj[explained], keys), strict=True
    ):
        paths[k] = path
    frame_keys = np.asarray([keys[f] for f in frames.tolist()], dtype=object)
    entries = _records(
        CruxFrameScore,
        frame_keys[fj].tolist(),
        fscore[order].tolist(),
        d.tolist(),
        if_true[order].tolist(),
        if_false[order].tolist(),
        paths,
    )
    bounds = np.searchsorted(ci, np.arange(cruxes.size + 1))

    # Connected cruxes first, then by score; equal scores share a rank (1, 1, 3), and
    # the list shows them by key.
    score = comp.score
    rounded = np.round(score, TIE_DECIMALS)
    ranked = np.lexsort((np.arange(cruxes.size), -rounded, ~comp.connected))
    above = np.sort(-rounded)
    shared_rank = np.searchsorted(above, -rounded, side="left") + 1
    starts, ends = bounds[:-1][ranked].tolist(), bounds[1:][ranked].tolist()
    # CruxResult's fields, in order.
    columns = (
        [keys[c] for c in cruxes[ranked].tolist()],
        shared_rank[ranked].tolist(),
        score[ranked].tolist(),
        comp.base[cruxes][ranked].tolist(),
        g.vote_counts[cruxes][ranked].tolist(),
        comp.uncertainty[ranked].tolist(),
        comp.discrimination[ranked].tolist(),
        [entries[a:b] for a, b in zip(starts, ends, strict=True)],
        comp.disagreement[ranked].tolist(),
        strength[cruxes][ranked].tolist(),
        comp.connected[ranked].tolist(),
    )
    crux_results = _records(CruxResult, *columns)
    return RankingResult(frame_results, crux_results, comp.credences, method, ENGINE_VERSION)
