"""Validation and canonical array form of the input graph, shared by both methods.

Nodes are sorted by key and edges by (source, target, kind), so the order in which the
caller lists them never matters (property 2).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .types import EDGE_KINDS, NODE_KINDS, EdgeInput, NodeInput

KIND_FRAME, KIND_CLAIM, KIND_CRUX = 0, 1, 2
EDGE_SUPPORTS, EDGE_UNDERMINES, EDGE_SUBFRAME, EDGE_RELATED = 0, 1, 2, 3
_NODE_CODE = {k: i for i, k in enumerate(NODE_KINDS)}
_EDGE_CODE = {k: i for i, k in enumerate(EDGE_KINDS)}


@dataclass(slots=True)
class Graph:
    keys: list[str]  # sorted
    kind: np.ndarray  # int8 codes, KIND_*
    prior: np.ndarray  # as given (validated to lie in [0, 1])
    vote_counts: np.ndarray  # votes per node
    vote_values: np.ndarray  # all votes, grouped by node in node order
    vote_weights: np.ndarray  # each vote's weight (the voter's standing), parallel
    src: np.ndarray  # edges, sorted by (src, tgt, kind)
    tgt: np.ndarray
    ekind: np.ndarray  # EDGE_* codes
    weight: np.ndarray

    @property
    def n(self) -> int:
        return len(self.keys)

    def frames(self) -> np.ndarray:
        return np.flatnonzero(self.kind == KIND_FRAME)

    def cruxes(self) -> np.ndarray:
        return np.flatnonzero(self.kind == KIND_CRUX)

    def propagating(self) -> np.ndarray:
        """Mask of the supports / undermines edges with a positive weight."""
        return (self.ekind <= EDGE_UNDERMINES) & (self.weight > 0)

    def frame_parents(self) -> dict[int, list[int]]:
        """frame index -> sorted parent frame indices (subframe_of targets)."""
        parents: dict[int, list[int]] = {}
        sel = np.flatnonzero(self.ekind == EDGE_SUBFRAME)
        for s, t in zip(self.src[sel].tolist(), self.tgt[sel].tolist(), strict=True):
            parents.setdefault(s, []).append(t)
        return {k: sorted(v) for k, v in parents.items()}


def build_graph(nodes: Iterable[NodeInput], edges: Iterable[EdgeInput]) -> Graph:
    node_list = sorted(nodes, key=lambda nd: nd.key)
    keys = [nd.key for nd in node_list]
    index = {k: i for i, k in enumerate(keys)}
    if len(index) != len(keys):
        dup = next(a for a, b in itertools.pairwise(keys) if a == b)
        raise ValueError(f"duplicate node key {dup!r}")
    n = len(keys)

    try:
        kind = np.fromiter(map(_NODE_CODE.__getitem__, (nd.kind for nd in node_list)), np.int8, n)
    except KeyError as exc:
        raise ValueError(f"unknown node kind {exc.args[0]!r}") from None
    try:
        prior = np.fromiter((float(nd.prior) for nd in node_list), float, n)
        counts = np.fromiter((len(nd.credences) for nd in node_list), np.int64, n)
        values = np.fromiter(itertools.chain.from_iterable(nd.credences for nd in node_list), float)
        if any(nd.weights for nd in node_list):
            weights = np.fromiter(
                itertools.chain.from_iterable(
                    nd.weights if nd.weights else itertools.repeat(1.0, len(nd.credences))
                    for nd in node_list
                ),
                float,
            )
        else:  # no standing given: every vote weighs 1
            weights = np.ones(values.size)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad prior, credences or weights: {exc}") from None
    for nd in node_list:
        if nd.weights and len(nd.weights) != len(nd.credences):
            raise ValueError(f"weights of {nd.key!r} must be parallel to its credences")
    if weights.size and not np.all(np.isfinite(weights) & (weights >= 0.0)):
        raise ValueError("vote weights must be finite and >= 0")
    if not np.all((prior >= 0.0) & (prior <= 1.0)):
        bad = keys[int(np.flatnonzero(~((prior >= 0.0) & (prior <= 1.0)))[0])]
        raise ValueError(f"prior of {bad!r} must lie in [0, 1]")
    if values.size and not np.all((values >= 0.0) & (values <= 1.0)):
        owner = np.repeat(np.arange(n), counts)
        bad = keys[int(owner[np.flatnonzero(~((values >= 0.0) & (values <= 1.0)))[0]])]
        raise ValueError(f"a credence of {bad!r} does not lie in [0, 1]")

    edge_list = list(edges)
    m = len(edge_list)
    e_src = [e.source for e in edge_list]
    e_tgt = [e.target for e in edge_list]
    try:
        src = np.fromiter(map(index.__getitem__, e_src), np.int64, m)
        tgt = np.fromiter(map(index.__getitem__, e_tgt), np.int64, m)
    except KeyError:
        for s_key, t_key in zip(e_src, e_tgt, strict=True):
            if s_key not in index or t_key not in index:
                bad = s_key if s_key not in index else t_key
                raise ValueError(
                    f"edge {s_key!r} -> {t_key!r} references unknown node {bad!r}"
                ) from None
        raise
    try:
        ekind = np.fromiter(map(_EDGE_CODE.__getitem__, (e.kind for e in edge_list)), np.int8, m)
    except KeyError as exc:
        raise ValueError(f"unknown edge kind {exc.args[0]!r}") from None
    try:
        weight = np.fromiter((float(e.weight) for e in edge_list), float, m)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad edge weight: {exc}") from None
    ok = np.isfinite(weight) & (weight >= 0.0)
    if not ok.all():
        j = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"edge {e_src[j]!r} -> {e_tgt[j]!r}: weight must be finite and >= 0")

    order = np.argsort((src * max(n, 1) + tgt) * 4 + ekind, kind="stable")
    src, tgt, ekind, weight = src[order], tgt[order], ekind[order], weight[order]
    if m > 1:
        same = (src[1:] == src[:-1]) & (tgt[1:] == tgt[:-1]) & (ekind[1:] == ekind[:-1])
        if same.any():
            j = int(np.flatnonzero(same)[0])
            raise ValueError(
                f"duplicate edge {keys[src[j]]!r} -> {keys[tgt[j]]!r} ({EDGE_KINDS[ekind[j]]})"
            )
    sub = ekind == EDGE_SUBFRAME
    if sub.any():
        bad = sub & ((kind[src] != KIND_FRAME) | (kind[tgt] != KIND_FRAME))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"subframe_of must join two frames: {keys[src[j]]!r} -> {keys[tgt[j]]!r}"
            )
    return Graph(keys, kind, prior, counts, values, weights, src, tgt, ekind, weight)


def frame_ancestors(g: Graph) -> dict[int, set[int]]:
    """frame index -> every frame it is (transitively) a subframe of."""
    parents = g.frame_parents()
    out: dict[int, set[int]] = {}

    def up(f: int) -> set[int]:
        if f not in out:
            out[f] = set()  # subframe_of may not be cyclic, but never loop on bad input
            acc: set[int] = set()
            for p in parents.get(f, ()):
                acc.add(p)
                acc |= up(p)
            out[f] = acc
        return out[f]

    for f in g.frames().tolist():
        up(f)
    return out


def rival_matrix(g: Graph, reached: np.ndarray) -> np.ndarray:
    """(F, F) bool: frames i and j compete (docs/RANKING.md, section 4).

    Two frames compete unless one is (transitively) a subframe of the other, or the map
    joins them by a supports edge (allies). A container frame (one with subframes) that
    no crux reaches (``reached``, per frame) competes with nothing.
    """
    frames = g.frames()
    col = {f: j for j, f in enumerate(frames.tolist())}
    n_f = frames.size
    rivals = np.ones((n_f, n_f), dtype=bool)
    np.fill_diagonal(rivals, False)
    for f, ancestors in frame_ancestors(g).items():
        for a in ancestors:
            rivals[col[f], col[a]] = rivals[col[a], col[f]] = False
    allied = (
        (g.ekind == EDGE_SUPPORTS) & (g.kind[g.src] == KIND_FRAME) & (g.kind[g.tgt] == KIND_FRAME)
    )
    for s, t in zip(g.src[allied].tolist(), g.tgt[allied].tolist(), strict=True):
        rivals[col[s], col[t]] = rivals[col[t], col[s]] = False
    has_children = np.zeros(n_f, dtype=bool)
    for children_of in g.frame_parents().values():
        for p in children_of:
            has_children[col[p]] = True
    idle = has_children & ~reached
    rivals[idle, :] = False
    rivals[:, idle] = False
    return rivals


def frame_parent(g: Graph) -> dict[int, int | None]:
    """frame index -> the parent the result reports (smallest key if several) or None."""
    parents = g.frame_parents()
    return {f: (parents[f][0] if f in parents else None) for f in g.frames().tolist()}


def reach(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """(node reaches a frame, node is reached from a crux) along supports / undermines edges.

    A virtual node joined to every frame (or every crux) turns each question into one
    breadth-first search.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    n = g.n
    prop = g.propagating()
    src, tgt = g.src[prop], g.tgt[prop]

    def from_virtual(starts: np.ndarray, heads: np.ndarray, tails: np.ndarray) -> np.ndarray:
        rows = np.concatenate([heads, np.full(starts.size, n)])
        cols = np.concatenate([tails, starts])
        graph = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n + 1, n + 1))
        seen = np.zeros(n + 1, dtype=bool)
        seen[breadth_first_order(graph, n, directed=True, return_predecessors=False)] = True
        return seen[:n]

    to_frame = from_virtual(g.frames(), tgt, src)  # against the arguments: frame -> source
    from_crux = from_virtual(g.cruxes(), src, tgt)
    return to_frame, from_crux
