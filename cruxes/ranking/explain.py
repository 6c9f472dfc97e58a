"""Why a crux ranks where it does: the strongest route of arguments from a crux to a frame.

Every node has log-odds z, ``z = z0 + A z`` with A[v, u] the coefficient of the argument
u -> v, so N = (I - A)^-1 and N[f, v] is how far frame f's log-odds move per unit of v's
(v's *influence* on f). From N = I + N A, for every node u other than f::

    N[f, u] = sum over the arguments u -> v of  A[v, u] * N[f, v]

so a node's influence on the frame splits exactly over its outgoing arguments, the one to v
carrying A[v, u] * N[f, v]. The strongest route follows that split: from the crux, take at
each node the argument that carries the largest share, |A[v, u] * N[f, v]| (ties: the
smaller node index v), until the frame is reached. A node whose influence is not zero
always has such an argument with a non-zero share, so on a map without cycles the walk
reaches the frame; a crux that does not influence the frame gets no route ([]).

On a cycle the largest share can lead back to a node already on the route. The route never
enters a node twice: it takes the largest share among the nodes not yet on it, and when
every argument with a share leads back (a dead end, only possible on cycles) it backs up
and tries the next-largest share (a depth-first search in the same order of preference,
each node tried once). So every route starts at the crux, ends at the frame and is a
chain of arguments of the map. Only if the influence underflows to exactly zero along
every way out of a node could the search fail; that pair then gets [].

All (crux, frame) pairs advance together, one step of the walk per numpy pass over the
out-edges (compressed by source); only the rare pairs that reach a dead end finish in a
Python depth-first search. Pure numpy / scipy: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True, slots=True)
class Arguments:
    """The propagating edges by source: the out-arguments of u are ptr[u]:ptr[u + 1]."""

    ptr: np.ndarray  # (n + 1,)
    head: np.ndarray  # target v of each argument, ascending within a source
    coef: np.ndarray  # A[v, u], parallel arguments u -> v summed (their net effect)
    component: np.ndarray  # (n,) strongly connected component of each node
    on_cycle: np.ndarray  # (n,) bool: the node can be entered twice by a walk

    @property
    def n(self) -> int:
        return self.ptr.size - 1


def arguments(n: int, src: np.ndarray, tgt: np.ndarray, coef: np.ndarray) -> Arguments:
    """Index the propagating edges u = src -> v = tgt (coefficient coef) by source."""
    m = sp.csr_matrix(
        (np.asarray(coef, dtype=float), (np.asarray(src), np.asarray(tgt))), shape=(n, n)
    )
    m.sum_duplicates()  # a supports and an undermines on one pair act as their sum
    m.eliminate_zeros()
    m.sort_indices()
    n_comp, component = connected_components(m, directed=True, connection="strong")
    component = component.astype(np.int64)
    on_cycle = (np.bincount(component, minlength=n_comp) > 1)[component]
    ptr = m.indptr.astype(np.int64)
    head = m.indices.astype(np.int64)
    source = np.repeat(np.arange(n), np.diff(ptr))
    on_cycle[source[head == source]] = True  # self-loops
    return Arguments(ptr, head, m.data, component, on_cycle)


def strongest_paths(
    *,
    src: np.ndarray,
    tgt: np.ndarray,
    coef: np.ndarray,
    influence: np.ndarray,
    starts: np.ndarray,
    cols: np.ndarray,
    frame_nodes: np.ndarray,
) -> list[list[int]]:
    """The strongest route for each (crux node starts[k], frame column cols[k]) pair.

    ``influence`` (n, F): influence[v, j] = N[frame_nodes[j], v]. Returns, per pair, the
    node indices of the route (crux first, frame last), or [] when the crux does not
    influence the frame.
    """
    graph = arguments(influence.shape[0], src, tgt, coef)
    return walk(graph, influence, starts, cols, frame_nodes).lists()


@dataclass(frozen=True, slots=True)
class Found:
    """The routes of many pairs, flat: pair k's nodes are nodes[ptr[k]:ptr[k + 1]]."""

    ptr: np.ndarray  # (pairs + 1,)
    nodes: np.ndarray

    def lists(self) -> list[list[int]]:
        nodes, ptr = self.nodes.tolist(), self.ptr.tolist()
        return [nodes[a:b] for a, b in zip(ptr, ptr[1:], strict=False)]


def walk(
    graph: Arguments,
    influence: np.ndarray,
    starts: np.ndarray,
    cols: np.ndarray,
    frame_nodes: np.ndarray,
) -> Found:
    """The routes of all pairs at once, one step of every walk per numpy pass.

    The same as strongest_paths on arguments indexed once (Routes calls it per chunk of
    frame columns), answered flat. Besides its input it holds the walks' steps and a
    (n, columns) int32 table of the next node toward each frame.
    """
    n = graph.n
    starts = np.asarray(starts, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    goal = np.asarray(frame_nodes, dtype=np.int64)[cols]  # each pair's frame node
    k_pairs = starts.size

    pair = np.flatnonzero(influence[starts, cols] != 0.0)
    cur = starts[pair]
    steps_pair, steps_node = [pair], [cur]  # the routes, one step at a time
    # A walk can enter a node twice only inside one strongly connected component, and
    # never comes back to a component it left: so it remembers the nodes of the
    # component it is in (those on a cycle), and forgets them when it moves on.
    at = np.full(k_pairs, -1, dtype=np.int64)  # each walking pair's node
    on = graph.on_cycle[cur]
    seen_pair, seen_node = pair[on], cur[on]
    stuck: list[np.ndarray] = []
    going = cur != goal[pair]
    pair, cur = pair[going], cur[going]
    at[pair] = cur
    # Off cycles a node's next step toward a frame does not depend on the crux the walk
    # came from: routes from many cruxes merge, so each (node, frame) is chosen once.
    memo = np.full(influence.shape[:2], -1, dtype=np.int32)
    while pair.size:  # each pass enters one new node per pair: at most n passes
        col = cols[pair]
        nxt = memo[cur, col].astype(np.int64)
        ask = np.flatnonzero(nxt < 0)
        if ask.size:
            seen = seen_pair * n + seen_node
            nxt[ask] = _choose(graph, influence, pair[ask], cur[ask], col[ask], seen)
            keep = ask[(nxt[ask] >= 0) & ~graph.on_cycle[cur[ask]]]
            memo[cur[keep], col[keep]] = nxt[keep]
        moves = nxt >= 0
        stuck.append(pair[~moves])
        at[pair] = -1
        pair, cur = pair[moves], nxt[moves]
        steps_pair.append(pair)
        steps_node.append(cur)
        going = cur != goal[pair]
        pair, cur = pair[going], cur[going]
        at[pair] = cur
        on = graph.on_cycle[cur]
        if seen_pair.size or on.any():
            now = at[seen_pair]
            keep = (now >= 0) & (graph.component[np.maximum(now, 0)] == graph.component[seen_node])
            seen_pair = np.concatenate((seen_pair[keep], pair[on]))
            seen_node = np.concatenate((seen_node[keep], cur[on]))

    all_pair = np.concatenate(steps_pair)
    all_node = np.concatenate(steps_node)
    lost = np.concatenate(stuck) if stuck else np.zeros(0, dtype=np.int64)
    if lost.size:  # dead ends on cycles: search those pairs again, backing up
        again = np.zeros(k_pairs, dtype=bool)
        again[lost] = True
        keep = ~again[all_pair]
        found = [
            _search(graph, influence, int(starts[k]), int(cols[k]), int(goal[k]))
            for k in lost.tolist()
        ]
        extra = np.repeat(lost, [len(r) for r in found])
        all_pair = np.concatenate((all_pair[keep], extra))
        all_node = np.concatenate(
            (all_node[keep], np.fromiter(chain.from_iterable(found), np.int64))
        )
    order = np.argsort(all_pair, kind="stable")  # by pair, each in step order
    ptr = np.searchsorted(all_pair[order], np.arange(k_pairs + 1))
    return Found(ptr.astype(np.int64), all_node[order])


def _choose(
    graph: Arguments,
    influence: np.ndarray,
    pair: np.ndarray,
    cur: np.ndarray,
    col: np.ndarray,
    seen: np.ndarray,
) -> np.ndarray:
    """Each walk's next node: the head of the argument out of ``cur`` carrying the largest
    share of the influence on its frame (column ``col``), among the nodes it has not
    entered (``seen``: codes pair * n + node); -1 where there is none (a dead end)."""
    n = graph.n
    lo = graph.ptr[cur]
    count = graph.ptr[cur + 1] - lo
    first = np.cumsum(count) - count
    owner = np.repeat(np.arange(cur.size), count)
    edge = np.repeat(lo - first, count) + np.arange(int(count.sum()))
    head = graph.head[edge]
    share = np.abs(graph.coef[edge] * influence[head, col[owner]])
    if seen.size:
        back = np.flatnonzero(graph.component[head] == graph.component[cur][owner])
        if back.size:  # only an argument inside a cycle can lead back
            again = np.isin(pair[owner[back]] * n + head[back], seen)
            share[back[again]] = 0.0
    best = np.zeros(cur.size)
    has = count > 0
    if has.any():
        best[has] = np.maximum.reduceat(share, first[has])
    # The first argument of each walk with the best share: heads ascend, so ties go to
    # the smaller node index.
    hit = np.flatnonzero((share == best[owner]) & (share > 0.0))
    lead = np.ones(hit.size, dtype=bool)
    lead[1:] = owner[hit][1:] != owner[hit][:-1]
    hit = hit[lead]
    out = np.full(cur.size, -1, dtype=np.int64)
    out[owner[hit]] = head[hit]
    return out


def _search(graph: Arguments, influence: np.ndarray, start: int, col: int, goal: int) -> list:
    """Depth-first search in the walk's order of preference, each node entered once."""

    def ranked(u: int) -> list[int]:
        edge = np.arange(graph.ptr[u], graph.ptr[u + 1])
        head = graph.head[edge]
        share = np.abs(graph.coef[edge] * influence[head, col])
        keep = share > 0.0
        head, share = head[keep], share[keep]
        return head[np.lexsort((head, -share))].tolist()

    route, seen = [start], {start}
    todo = [iter(ranked(start))]
    while todo:
        v = next(todo[-1], None)
        if v is None:
            todo.pop()
            route.pop()
        elif v not in seen:
            seen.add(v)
            route.append(v)
            if v == goal:
                return route
            todo.append(iter(ranked(v)))
    return []


class Routes:
    """Collects the strongest routes chunk by chunk: pass as ``fast.solve(on_influence=...)``.

    For each chunk of frame columns it walks the (crux, frame) pairs whose fast-path delta
    (the gain N[f, c] / N[c, c]) exceeds ``min_gain`` in absolute value, so only
    ADJOINT_CHUNK_ENTRIES of the influence exist at any time. Afterwards ``paths`` (node
    indices) or ``key_paths`` (node keys) answer for any pairs (crux position ci in
    ``crux_nodes``, frame column fj); a pair that was not walked gets [].
    """

    def __init__(
        self,
        *,
        n: int,
        src: np.ndarray,
        tgt: np.ndarray,
        coef: np.ndarray,
        frame_nodes: np.ndarray,
        crux_nodes: np.ndarray,
        min_gain: float = 0.0,
        always: np.ndarray | None = None,
    ) -> None:
        self.graph = arguments(n, src, tgt, coef)
        #: per crux: walk every pair it influences at all (its delta is not the gain: a
        #: linked premise or an undercutter upstream, see arguments.py)
        self.always = always
        self.frame_nodes = np.asarray(frame_nodes, dtype=np.int64)
        self.crux_nodes = np.asarray(crux_nodes, dtype=np.int64)
        self.min_gain = float(min_gain)
        self._codes: list[np.ndarray] = []  # ci * F + fj of each walked pair
        self._lengths: list[np.ndarray] = []
        self._nodes: list[np.ndarray] = []

    def __call__(self, j0: int, influence: np.ndarray, delta: np.ndarray) -> None:
        walk_it = np.abs(delta) > self.min_gain
        if self.always is not None:
            walk_it |= self.always[:, None] & (delta != 0.0)
        ci, jj = np.nonzero(walk_it)
        frames = self.frame_nodes[j0 : j0 + influence.shape[1]]
        found = walk(self.graph, influence, self.crux_nodes[ci], jj, frames)
        self._codes.append(ci * self.frame_nodes.size + j0 + jj)
        self._lengths.append(np.diff(found.ptr))
        self._nodes.append(found.nodes)

    def found(self, ci: np.ndarray, fj: np.ndarray) -> Found:
        """The routes of the pairs (crux_nodes[ci[k]], frame_nodes[fj[k]]), flat."""
        want = np.asarray(ci, dtype=np.int64) * self.frame_nodes.size + np.asarray(fj)
        codes = np.concatenate(self._codes) if self._codes else np.zeros(0, dtype=np.int64)
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
        nodes = np.concatenate(self._nodes) if self._nodes else np.zeros(0, dtype=np.int64)
        size = np.zeros(want.size, dtype=np.int64)
        begin = np.zeros(want.size, dtype=np.int64)
        if codes.size:
            order = np.argsort(codes, kind="stable")
            at = np.minimum(np.searchsorted(codes[order], want), codes.size - 1)
            hit = codes[order][at] == want
            offset = np.cumsum(lengths) - lengths
            size[hit] = lengths[order[at[hit]]]
            begin[hit] = offset[order[at[hit]]]
        ptr = np.zeros(want.size + 1, dtype=np.int64)
        np.cumsum(size, out=ptr[1:])
        take = np.repeat(begin - ptr[:-1], size) + np.arange(int(ptr[-1]))
        return Found(ptr, nodes[take])

    def paths(self, ci: np.ndarray, fj: np.ndarray) -> list[list[int]]:
        """The routes (node indices) of the pairs (crux_nodes[ci[k]], frame_nodes[fj[k]])."""
        return self.found(ci, fj).lists()

    def key_paths(self, ci: np.ndarray, fj: np.ndarray, keys: list[str]) -> list[list[str]]:
        """The same routes as node keys (keys[i] is node i's key)."""
        found = self.found(ci, fj)
        names = np.asarray(keys, dtype=object)[found.nodes].tolist()
        ptr = found.ptr.tolist()
        return [names[a:b] for a, b in zip(ptr, ptr[1:], strict=False)]
