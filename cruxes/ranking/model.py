"""Validation and canonical array form of the input graph, shared by both methods.

Nodes are sorted by key and edges by (source, target, kind), so the order in which the
caller lists them never matters (property 2).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

import numpy as np

from .credence import pooled_strength
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
    weight: np.ndarray  # the author's weight, or the voters' pooled strength
    #: per edge: its linked argument's number (edges with the same target, kind and group
    #: name, at least two), or -1
    group: np.ndarray
    #: the undercuts: undercutter node, the undercut edge (index into src/tgt), its weight
    uc_src: np.ndarray
    uc_edge: np.ndarray
    uc_weight: np.ndarray

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
    node_list = sorted(nodes, key=attrgetter("key"))
    n = len(node_list)
    # One C-level pass per field (map over attrgetter): 10^5-10^6 records. (Transposing
    # with zip(*records) would be several times slower: one iterator per record.)
    keys = list(map(attrgetter("key"), node_list))
    credences = list(map(attrgetter("credences"), node_list))
    vote_weights = list(map(attrgetter("weights"), node_list))
    index = dict(zip(keys, range(n), strict=True))
    if len(index) != n:
        dup = next(a for a, b in itertools.pairwise(keys) if a == b)
        raise ValueError(f"duplicate node key {dup!r}")

    try:
        kind = np.fromiter(
            map(_NODE_CODE.__getitem__, map(attrgetter("kind"), node_list)), np.int8, n
        )
    except KeyError as exc:
        raise ValueError(f"unknown node kind {exc.args[0]!r}") from None
    try:
        prior = np.fromiter(map(attrgetter("prior"), node_list), float, n)
        counts = np.fromiter(map(len, credences), np.int64, n)
        values = np.fromiter(itertools.chain.from_iterable(credences), float, int(counts.sum()))
        if any(vote_weights):
            for key, w, c in zip(keys, vote_weights, credences, strict=True):
                if w and len(w) != len(c):
                    raise ValueError(f"weights of {key!r} must be parallel to its credences")
            weights = np.fromiter(
                itertools.chain.from_iterable(
                    w if w else itertools.repeat(1.0, len(c))
                    for w, c in zip(vote_weights, credences, strict=True)
                ),
                float,
            )
        else:  # no standing given: every vote weighs 1
            weights = np.ones(values.size)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad prior, credences or weights: {exc}") from None
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
    kinds = list(map(attrgetter("kind"), edge_list))
    undercut_list: list[EdgeInput] = []
    if "undercuts" in kinds:  # they point at edges, not nodes: kept apart
        undercut_list = [e for e in edge_list if e.kind == "undercuts"]
        edge_list = [e for e in edge_list if e.kind != "undercuts"]
        kinds = list(map(attrgetter("kind"), edge_list))
    m = len(edge_list)
    try:
        src = np.fromiter(map(index.__getitem__, map(attrgetter("source"), edge_list)), np.int64, m)
        tgt = np.fromiter(map(index.__getitem__, map(attrgetter("target"), edge_list)), np.int64, m)
    except KeyError:
        for s_key, t_key in ((e.source, e.target) for e in edge_list):
            if s_key not in index or t_key not in index:
                bad = s_key if s_key not in index else t_key
                raise ValueError(
                    f"edge {s_key!r} -> {t_key!r} references unknown node {bad!r}"
                ) from None
        raise
    try:
        ekind = np.fromiter(map(_EDGE_CODE.__getitem__, kinds), np.int8, m)
    except KeyError as exc:
        raise ValueError(f"unknown edge kind {exc.args[0]!r}") from None
    try:
        weight = np.fromiter(map(attrgetter("weight"), edge_list), float, m)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad edge weight: {exc}") from None
    ok = np.isfinite(weight) & (weight >= 0.0)
    if not ok.all():
        e = edge_list[int(np.flatnonzero(~ok)[0])]
        raise ValueError(f"edge {e.source!r} -> {e.target!r}: weight must be finite and >= 0")
    weight = _pooled_weights(edge_list, weight)

    # Keys are unique but for duplicates, which are refused below whatever their order.
    order = np.argsort((src * max(n, 1) + tgt) * 8 + ekind)
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
    group = np.full(m, -1, dtype=np.int64)
    if any(map(attrgetter("group"), edge_list)):
        groups = list(map(attrgetter("group"), edge_list))
        group = _linked_groups(keys, edge_list, groups, order, src, tgt, ekind)
    undercuts = _undercuts(keys, index, edge_list, order, ekind, undercut_list)
    g = Graph(
        keys, kind, prior, counts, values, weights, src, tgt, ekind, weight, group, *undercuts
    )
    if undercut_list or (group >= 0).any():
        _refuse_nonlinear_cycles(g)
    return g


def with_node_votes(
    g: Graph, changed: Mapping[str, tuple[float, Sequence[float], Sequence[float]]]
) -> Graph:
    """The same map with the prior and the votes of the nodes in ``changed`` replaced
    (key -> (prior, credences, weights), weights empty when every vote weighs 1): exactly
    what ``build_graph`` gives for the records with those nodes changed, without reading
    and checking all the others again. After a vote, the map compiled at the version
    before is brought up to date this way. Raises ValueError like ``build_graph``."""
    if not changed:
        return g
    at = {}
    for key in changed:
        i = bisect.bisect_left(g.keys, key)  # keys are sorted
        if i == g.n or g.keys[i] != key:
            raise ValueError(f"unknown node {key!r}")
        at[i] = key
    starts = np.concatenate(([0], np.cumsum(g.vote_counts))).astype(np.int64)
    counts, prior = g.vote_counts.copy(), g.prior.copy()
    values: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    done = 0
    for i in sorted(at):
        key = at[i]
        p, credences, vote_weights = changed[key]
        new_values = np.asarray(credences, dtype=float).reshape(-1)
        new_weights = (
            np.asarray(vote_weights, dtype=float).reshape(-1)
            if len(vote_weights)
            else np.ones(new_values.size)
        )
        if new_weights.size != new_values.size:
            raise ValueError(f"weights of {key!r} must be parallel to its credences")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"prior of {key!r} must lie in [0, 1]")
        if not np.all((new_values >= 0.0) & (new_values <= 1.0)):
            raise ValueError(f"a credence of {key!r} does not lie in [0, 1]")
        if not np.all(np.isfinite(new_weights) & (new_weights >= 0.0)):
            raise ValueError("vote weights must be finite and >= 0")
        values += [g.vote_values[done : starts[i]], new_values]
        weights += [g.vote_weights[done : starts[i]], new_weights]
        done = starts[i + 1]
        counts[i], prior[i] = new_values.size, float(p)
    values.append(g.vote_values[done:])
    weights.append(g.vote_weights[done:])
    return replace(
        g,
        prior=prior,
        vote_counts=counts,
        vote_values=np.concatenate(values),
        vote_weights=np.concatenate(weights),
    )


def as_given(g: Graph, idx: np.ndarray, values: np.ndarray) -> Graph:
    """The same map with the nodes ``idx`` unvoted at prior ``values``: their pooled
    credence is then exactly that value (section 2: no votes, b_v = prior_v). The reference
    path ranks with given credences through it (docs/RANKING.md, section 16)."""
    owner = np.repeat(np.arange(g.n), g.vote_counts)
    given = np.zeros(g.n, dtype=bool)
    given[idx] = True
    keep = ~given[owner]
    prior = g.prior.astype(float)
    prior[idx] = values
    counts = np.where(given, 0, g.vote_counts)
    return replace(
        g,
        prior=prior,
        vote_counts=counts,
        vote_values=g.vote_values[keep],
        vote_weights=g.vote_weights[keep],
    )


def _pooled_weights(edge_list: list[EdgeInput], weight: np.ndarray) -> np.ndarray:
    """Each edge's weight: its voters' pooled strength, shrunk toward the author's weight."""
    if not any(map(attrgetter("strengths"), edge_list)):
        return weight
    weight = weight.copy()
    for j, e in enumerate(edge_list):
        if e.strengths:
            try:
                weight[j] = pooled_strength(e.strengths, e.strength_weights, float(weight[j]))
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"edge {e.source!r} -> {e.target!r}: bad strengths: {exc}"
                ) from None
    return weight


def _linked_groups(keys, edge_list, groups, order, src, tgt, ekind) -> np.ndarray:
    """Per edge (sorted order): its linked argument's number, -1 for a plain edge.

    A group is the edges with the same target, kind and group name; a group name on two
    targets or two kinds is refused (one argument has one conclusion and one direction).
    A group of a single edge acts as a plain edge.
    """
    names = [groups[j] for j in order.tolist()]
    seen: dict[str, tuple[int, int]] = {}
    members: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        if name is None:
            continue
        if not isinstance(name, str) or not name:
            raise ValueError(f"edge {keys[src[j]]!r} -> {keys[tgt[j]]!r}: bad group {name!r}")
        if ekind[j] > EDGE_UNDERMINES:
            raise ValueError(
                f"edge {keys[src[j]]!r} -> {keys[tgt[j]]!r}: only supports and undermines "
                f"edges form linked arguments (group {name!r})"
            )
        where = (int(tgt[j]), int(ekind[j]))
        if seen.setdefault(name, where) != where:
            raise ValueError(
                f"linked group {name!r} mixes targets or kinds: every premise of one argument "
                "has the same conclusion and the same kind"
            )
        members.setdefault(name, []).append(j)
    group = np.full(len(names), -1, dtype=np.int64)
    for number, name in enumerate(sorted(members)):
        if len(members[name]) >= 2:
            group[members[name]] = number
    return group


def _undercuts(keys, index, edge_list, order, ekind, undercut_list):
    """(undercutter node, undercut edge in sorted order, weight) arrays of the undercuts."""
    if not undercut_list:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    by_key = {e.key: int(position[j]) for j, e in enumerate(edge_list) if e.key}
    u_src, u_edge, u_weight, seen = [], [], [], set()
    for e in undercut_list:
        if e.source not in index:
            raise ValueError(f"undercut by unknown node {e.source!r}")
        if e.target_edge not in by_key:
            raise ValueError(f"undercut {e.source!r} => {e.target_edge!r}: no such edge")
        j = by_key[e.target_edge]
        if ekind[j] > EDGE_UNDERMINES:
            raise ValueError(
                f"undercut {e.source!r} => {e.target_edge!r}: only supports and undermines "
                "edges can be undercut"
            )
        if (e.source, j) in seen:
            raise ValueError(f"duplicate undercut {e.source!r} => {e.target_edge!r}")
        seen.add((e.source, j))
        try:
            w = float(e.weight)
            if e.strengths:
                w = pooled_strength(e.strengths, e.strength_weights, w)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"undercut {e.source!r} => {e.target_edge!r}: {exc}") from None
        if not 0.0 <= w <= 1.0:
            raise ValueError(
                f"undercut {e.source!r} => {e.target_edge!r}: weight must lie in [0, 1]"
            )
        u_src.append(index[e.source])
        u_edge.append(j)
        u_weight.append(w)
    return np.array(u_src, dtype=np.int64), np.array(u_edge, dtype=np.int64), np.array(u_weight)


def dependencies(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) of everything a node's credence depends on: the supports / undermines
    edges, and for each undercut, undercutter -> the conclusion of the undercut edge."""
    prop = g.propagating()
    live = g.uc_weight > 0
    return (
        np.concatenate((g.src[prop], g.uc_src[live])),
        np.concatenate((g.tgt[prop], g.tgt[g.uc_edge[live]])),
    )


def _refuse_nonlinear_cycles(g: Graph) -> None:
    """Linked arguments and undercuts must not feed back into what they bear on.

    Their effect is not linear in the log-odds, so the engine solves them in dependency
    order (docs/RANKING.md, "Linked premises and undercuts"): a premise of a linked argument
    that depends on the argument's conclusion, or an undercutter that depends on the
    conclusion of the edge it undercuts, is refused.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    frm, to = dependencies(g)
    graph = csr_matrix((np.ones(frm.size), (frm, to)), shape=(g.n, g.n))
    _, label = connected_components(graph, directed=True, connection="strong")
    linked = np.flatnonzero((g.group >= 0) & g.propagating())
    cyc = linked[label[g.src[linked]] == label[g.tgt[linked]]]
    if cyc.size:
        j = int(cyc[0])
        raise ValueError(
            f"linked premise {g.keys[g.src[j]]!r} of an argument for {g.keys[g.tgt[j]]!r} "
            "depends on that conclusion (a cycle through a linked argument)"
        )
    live = np.flatnonzero(g.uc_weight > 0)
    bad = live[label[g.uc_src[live]] == label[g.tgt[g.uc_edge[live]]]]
    if bad.size:
        k = int(bad[0])
        j = int(g.uc_edge[k])
        raise ValueError(
            f"undercut by {g.keys[g.uc_src[k]]!r} of {g.keys[g.src[j]]!r} -> "
            f"{g.keys[g.tgt[j]]!r} depends on that edge's conclusion (a cycle through an undercut)"
        )


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
    src, tgt = dependencies(g)

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


def upstream(g: Graph, targets: np.ndarray, *, down: bool = False) -> np.ndarray:
    """Mask of the nodes from which some node of ``targets`` can be reached (themselves
    included) along the dependencies, or with ``down`` the nodes they reach: one
    breadth-first search from a virtual node."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    n = g.n
    frm, to = dependencies(g)
    if down:
        frm, to = to, frm
    rows = np.concatenate([to, np.full(targets.size, n)])
    cols = np.concatenate([frm, targets])
    graph = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n + 1, n + 1))
    seen = np.zeros(n + 1, dtype=bool)
    seen[breadth_first_order(graph, n, directed=True, return_predecessors=False)] = True
    return seen[:n]
