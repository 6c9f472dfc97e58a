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
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad prior or credences: {exc}") from None
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
    return Graph(keys, kind, prior, counts, values, src, tgt, ekind, weight)


@dataclass(slots=True)
class Groups:
    """Competitor groups: sibling frames under one parent, and the top-level frames."""

    parent_of: dict[int, int | None]  # frame -> reported parent (smallest key) or None
    groups: list[list[int]]  # each a sorted list of >= 2 frame indices


def competitor_groups(g: Graph) -> Groups:
    frames = g.frames().tolist()
    parents = g.frame_parents()
    by_parent: dict[int | None, list[int]] = {}
    parent_of: dict[int, int | None] = {}
    for f in frames:
        ps = parents.get(f)
        parent_of[f] = ps[0] if ps else None
        for p in ps or [None]:
            by_parent.setdefault(p, []).append(f)
    keyed = sorted(by_parent.items(), key=lambda kv: -1 if kv[0] is None else kv[0])
    groups = [sorted(members) for _, members in keyed if len(members) >= 2]
    return Groups(parent_of, groups)
