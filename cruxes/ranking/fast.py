"""Fast path: every crux's clamp effect on every frame from one adjoint solve per frame.

Why it is exact (docs/RANKING.md, section 5). The strengths solve ``(I - M) s = b``. Clamping
crux c to x removes row c of M and sets s_c = x; every strength is then affine in x, and by
Sherman-Morrison

    delta_f(c) = s_f(c := 1) - s_f(c := 0) = N[f, c] / N[c, c],   N = (I - M)^-1.

Row f of N is one adjoint solve ``(I - M)^T y = e_f`` (one per frame, batched), and
N[c, c] = 1 unless c lies on a cycle, where it is the diagonal of the inverse of c's strongly
connected block. Both solves run level by level through the topological order of the
strongly connected components (array Kahn), with a sparse LU only for the cyclic blocks, so
the cost is O(edges * frames) plus the cyclic blocks. Condensations deeper than
MAX_LEVELWISE_LEVELS use one sparse LU of I - M in topological order instead (block lower
triangular: no fill-in outside the cyclic blocks).

The same adjoint solves are the influence of every node on every frame, N[f, v] (how far
frame f's log-odds move per unit of v's): ``keep_influence`` returns it whole (n x F
floats: 80 MB at 100k nodes x 100 frames, hence INFLUENCE_MAX_ENTRIES), and
``on_influence`` hands it over one chunk of frame columns at a time, so that a caller can
use it (explain.Routes finds each crux's strongest route to each frame) without ever
holding more than ADJOINT_CHUNK_ENTRIES of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

#: Largest strongly connected block whose inverse diagonal is taken densely.
DENSE_BLOCK_MAX = 400
#: Budget (entries) of one chunk of the dense adjoint matrix (nodes x frames).
ADJOINT_CHUNK_ENTRIES = 2_000_000
#: Deeper condensations (longest chain of components) use one global sparse LU instead of
#: the level-by-level passes, whose cost grows with the number of levels.
MAX_LEVELWISE_LEVELS = 256
#: Largest influence matrix (nodes x frames entries, 8 bytes each) ``keep_influence``
#: returns; above it ``Solution.influence`` is None and the caller uses ``on_influence``.
INFLUENCE_MAX_ENTRIES = 30_000_000

#: on_influence(j0, influence, delta): influence (n, k; a Rows view) is N[frames[j0 + j], v]
#: for every node v (node index order) and the k frames from column j0; delta (cruxes, k) those
#: columns of Solution.delta.
InfluenceCallback = Callable[[int, np.ndarray, np.ndarray], None]


@dataclass(slots=True)
class Solution:
    strength: np.ndarray  # (n,) propagated strengths, no clamp
    delta: np.ndarray  # (len(cruxes), len(frames)) clamp-true minus clamp-false
    n_components: int
    n_cyclic: int  # nodes on a cycle
    n_levels: int
    #: (n, len(frames)): influence[v, j] = N[frames[j], v]; only with keep_influence
    influence: np.ndarray | None = None


class Rows:
    """The adjoint solution in the solver's node order, read in node index order.

    ``rows[v]`` (or ``rows[v, j]``, v and j arrays or ints) is row ``pos[v]`` of ``values``:
    the callers read a few rows (the cruxes, the nodes a route visits), so the whole
    (n, k) matrix is never copied into node order (~17 ms per chunk at 100k nodes).
    """

    __slots__ = ("pos", "values")

    def __init__(self, values: np.ndarray, pos: np.ndarray) -> None:
        self.values = values
        self.pos = pos

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows, cols = key
            return self.values[self.pos[rows], cols]
        return self.values[self.pos[key]]


def _topological_levels(
    n_comp: int, cu: np.ndarray, cv: np.ndarray, max_levels: int | None = None
) -> np.ndarray | None:
    """Longest-path level of every component of a DAG (edges cu -> cv), by array Kahn.

    One numpy step per level; returns None once more than ``max_levels`` levels are needed.
    """
    level = np.zeros(n_comp, dtype=np.int64)
    if cu.size == 0:
        return level
    indeg = np.bincount(cv, minlength=n_comp)
    order = np.argsort(cu, kind="stable")
    heads = cv[order]
    ptr = np.zeros(n_comp + 1, dtype=np.int64)
    np.cumsum(np.bincount(cu, minlength=n_comp), out=ptr[1:])
    frontier = np.flatnonzero(indeg == 0)
    depth = 0
    done = 0
    while frontier.size:
        if max_levels is not None and depth >= max_levels:
            return None
        level[frontier] = depth
        done += frontier.size
        starts = ptr[frontier]
        lens = ptr[frontier + 1] - starts
        total = int(lens.sum())
        if total == 0:
            break
        offs = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        hit = heads[offs]
        if hit.size * 8 > n_comp:
            dec = np.bincount(hit, minlength=n_comp)
            nxt = np.flatnonzero(dec)
            indeg[nxt] -= dec[nxt]
        else:
            hit = np.sort(hit)
            first = np.concatenate(([True], hit[1:] != hit[:-1]))
            nxt = hit[first]
            dec = np.diff(np.append(np.flatnonzero(first), hit.size))
            indeg[nxt] -= dec
        frontier = nxt[indeg[nxt] == 0]
        depth += 1
    if done != n_comp:  # cannot happen: a condensation is acyclic
        raise RuntimeError("cycle left in the condensation")
    return level


def _block_solver(block: sp.csr_matrix):
    """LU of the (block-diagonal) matrix I - block, or None if it is empty."""
    r = block.shape[0]
    a = (sp.identity(r, format="csc") - block.tocsc()).tocsc()
    # Inside a cyclic block the engine bounds |M| row sums below 1 (semantics.CYCLE_GAIN),
    # so I - M is strictly diagonally dominant by rows there: no pivoting needed.
    return splu(a, permc_spec="COLAMD", diag_pivot_thresh=0.0)


def solve(
    n: int,
    base: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    frames: np.ndarray,
    cruxes: np.ndarray,
    *,
    keep_influence: bool = False,
    on_influence: InfluenceCallback | None = None,
) -> Solution:
    """Strengths and the (cruxes x frames) clamp-delta matrix.

    ``keep_influence``: also return the influence matrix N[f, v] (None when it would have
    more than INFLUENCE_MAX_ENTRIES entries). ``on_influence``: called once per chunk of
    frame columns with that part of it (see InfluenceCallback).
    """
    n_f, n_c = frames.size, cruxes.size
    if n == 0:
        return Solution(np.zeros(0), np.zeros((n_c, n_f)), 0, 0, 0, np.zeros((0, n_f)))
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    m.sum_duplicates()
    m.eliminate_zeros()
    coo = m.tocoo()
    r, c, v = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data

    # csgraph reads M[v, u] as an edge v -> u, i.e. against the argument u -> v.
    n_comp, label = connected_components(m, directed=True, connection="strong")
    label = label.astype(np.int64)
    comp_size = np.bincount(label, minlength=n_comp)
    cyclic_comp = comp_size > 1
    loops = r == c
    if loops.any():
        cyclic_comp[label[r[loops]]] = True
    cyclic = cyclic_comp[label]
    intra = label[r] == label[c]
    cross = ~intra
    cu, cv = label[c[cross]], label[r[cross]]  # argument direction; parallel edges are fine

    comp_level = _topological_levels(n_comp, cu, cv, MAX_LEVELWISE_LEVELS)
    if comp_level is not None:
        strength, y_of = _levelwise(n, base, r, c, v, label, cyclic, intra, comp_level)
        n_levels = int(comp_level.max()) + 1 if n_comp else 0
    else:
        # Deep graph: one sparse LU of I - M in a topological order of the components.
        # Tarjan-type algorithms number components in a topological order; check, else Kahn.
        ordered = bool(np.all(cu < cv))
        comp_order = np.arange(n_comp) if ordered else _topological_levels(n_comp, cu, cv)
        strength, y_of = _global_lu(n, base, r, c, v, comp_order[label])
        n_levels = -1

    # Diagonal N[c, c] for the cruxes on cycles (1 elsewhere).
    ncc = np.ones(n_c)
    crux_cyc = np.flatnonzero(cyclic[cruxes])
    if crux_cyc.size:
        ncc[crux_cyc] = _inverse_diagonal(
            r[intra], c[intra], v[intra], label, comp_size, cruxes[crux_cyc]
        )

    delta = np.zeros((n_c, n_f))
    influence = None
    if keep_influence and n * n_f <= INFLUENCE_MAX_ENTRIES:
        influence = np.empty((n, n_f))
    chunk = max(1, ADJOINT_CHUNK_ENTRIES // n)
    for j0 in range(0, n_f, chunk):
        fr = frames[j0 : j0 + chunk]
        cols = slice(j0, j0 + fr.size)
        if influence is None and on_influence is None:
            delta[:, cols] = y_of(fr, cruxes) / ncc[:, None]
            continue
        y = y_of(fr, None)
        delta[:, cols] = y[cruxes] / ncc[:, None]
        if influence is not None:
            influence[:, cols] = y.values[y.pos]
        if on_influence is not None:
            on_influence(j0, y, delta[:, cols])
    return Solution(strength, delta, n_comp, int(cyclic.sum()), n_levels, influence)


def _levelwise(n, base, r, c, v, label, cyclic, intra, comp_level):
    """Forward and adjoint solves level by level (one numpy step per level)."""
    node_level = comp_level[label]
    n_levels = int(node_level.max()) + 1
    # Permutation: by level, cyclic nodes first inside a level, grouped by component.
    perm = np.lexsort((label, ~cyclic, node_level))
    pos = np.empty(n, dtype=np.int64)
    pos[perm] = np.arange(n)
    bounds = np.searchsorted(node_level[perm], np.arange(n_levels + 1)).tolist()
    n_cyc_in_level = np.bincount(node_level[cyclic], minlength=n_levels)

    cross = ~intra
    pr, pc = pos[r], pos[c]
    m_ext = sp.csr_matrix((v[cross], (pr[cross], pc[cross])), shape=(n, n))
    m_ext_t = sp.csr_matrix((v[cross], (pc[cross], pr[cross])), shape=(n, n))
    m_int = sp.csr_matrix((v[intra], (pr[intra], pc[intra])), shape=(n, n))

    solvers = {}
    for lev in np.flatnonzero(n_cyc_in_level).tolist():
        a = bounds[lev]
        e = a + int(n_cyc_in_level[lev])
        solvers[lev] = (e - a, _block_solver(m_int[a:e, a:e]))

    # Forward pass: strengths, sources first.
    bp = base[perm]
    s = np.zeros(n)
    for lev in range(n_levels):
        a, b = bounds[lev], bounds[lev + 1]
        rhs = bp[a:b] + m_ext[a:b] @ s
        if lev in solvers:
            k, lu = solvers[lev]
            rhs[:k] = lu.solve(rhs[:k])
        s[a:b] = rhs
    strength = s[pos]  # log-odds: unbounded (the engine maps them to probabilities)

    def y_of(fr: np.ndarray, targets: np.ndarray | None) -> np.ndarray:
        """Y[t, j] = N[fr_j, t]: adjoint pass, sinks first (targets None: every node)."""
        k = fr.size
        fr_level = node_level[fr]
        y = np.zeros((n, k))
        for lev in range(n_levels - 1, -1, -1):
            a, b = bounds[lev], bounds[lev + 1]
            rhs = m_ext_t[a:b] @ y
            here = np.flatnonzero(fr_level == lev)
            rhs[pos[fr[here]] - a, here] += 1.0
            if lev in solvers:
                kk, lu = solvers[lev]
                rhs[:kk] = lu.solve(np.ascontiguousarray(rhs[:kk]), trans="T")
            y[a:b] = rhs
        return Rows(y, pos) if targets is None else y[pos[targets]]

    return strength, y_of


def _global_lu(n, base, r, c, v, node_order):
    """Forward and adjoint solves with one LU of I - M, nodes in topological order.

    In that order I - M is block lower triangular (blocks: the strongly connected
    components), so a LU without reordering fills in only inside the cyclic blocks.
    """
    perm = np.argsort(node_order, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[perm] = np.arange(n)
    a = sp.csc_matrix((-v, (pos[r], pos[c])), shape=(n, n)) + sp.identity(n, format="csc")
    lu = splu(a.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0)
    strength = lu.solve(base[perm])[pos]

    def y_of(fr: np.ndarray, targets: np.ndarray | None) -> np.ndarray:
        rhs = np.zeros((n, fr.size))
        rhs[pos[fr], np.arange(fr.size)] = 1.0
        y = lu.solve(rhs, trans="T")
        return Rows(y, pos) if targets is None else y[pos[targets]]

    return strength, y_of


def _inverse_diagonal(
    r: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    label: np.ndarray,
    comp_size: np.ndarray,
    targets: np.ndarray,
) -> np.ndarray:
    """[(I - M_SS)^-1]_tt for each node t, S = t's strongly connected component.

    (r, c, v) are the intra-component entries of M. Components up to DENSE_BLOCK_MAX nodes
    are inverted densely, in batches of equal size; larger ones through a sparse LU.
    """
    out = np.empty(targets.size)
    comps, comp_of_target = np.unique(label[targets], return_inverse=True)
    members = np.flatnonzero(np.isin(label, comps))  # ascending node index
    order = np.argsort(label[members], kind="stable")
    members = members[order]
    m_lab = label[members]
    starts = np.searchsorted(m_lab, comps)
    local = np.empty(label.size, dtype=np.int64)  # position inside the component
    local[members] = np.arange(members.size) - np.repeat(starts, comp_size[comps])
    keep = np.isin(label[r], comps)
    r, c, v = r[keep], c[keep], v[keep]
    e_comp = np.searchsorted(comps, label[r])  # edge -> index into comps
    sizes = comp_size[comps]
    for size in np.unique(sizes).tolist():
        which = np.flatnonzero(sizes == size)  # indices into comps
        if size <= DENSE_BLOCK_MAX:
            batch = max(1, 2_000_000 // (size * size))
            for b0 in range(0, which.size, batch):
                sel = which[b0 : b0 + batch]
                slot = np.full(comps.size, -1, dtype=np.int64)
                slot[sel] = np.arange(sel.size)
                stack = np.zeros((sel.size, size, size))
                stack[:, np.arange(size), np.arange(size)] = 1.0
                e = np.flatnonzero(slot[e_comp] >= 0)
                stack[slot[e_comp[e]], local[r[e]], local[c[e]]] -= v[e]
                inv = np.linalg.inv(stack)
                t = np.flatnonzero(slot[comp_of_target] >= 0)
                tl = local[targets[t]]
                out[t] = inv[slot[comp_of_target[t]], tl, tl]
        else:
            for k in which.tolist():
                e = np.flatnonzero(e_comp == k)
                block = sp.csr_matrix((v[e], (local[r[e]], local[c[e]])), shape=(size, size))
                lu = _block_solver(block)
                t = np.flatnonzero(comp_of_target == k)
                tl = local[targets[t]]
                for j0 in range(0, tl.size, 256):
                    cols = tl[j0 : j0 + 256]
                    rhs = np.zeros((size, cols.size))
                    rhs[cols, np.arange(cols.size)] = 1.0
                    out[t[j0 : j0 + 256]] = lu.solve(rhs)[cols, np.arange(cols.size)]
    return out
