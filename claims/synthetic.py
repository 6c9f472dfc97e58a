"""Deterministic synthetic argument maps (argmap JSON v1), for benchmarks and demos.

Pure Python + numpy, no Django: the ``generate_map`` management command wraps this.

Shape of a generated map (``nodes`` = N):

* frames: ``max(10, N // 1000)`` (never more than N). ``max(3, round(sqrt(F)))`` of them
  are top-level "supra-frames"; every other frame is ``subframe_of`` an earlier frame
  (mostly a supra-frame, sometimes another subframe, so the hierarchy is 2-3 deep and
  acyclic). Categories are spread over outer / inner / other.
* cruxes: ~30 % of N; claims: the rest.
* every claim / crux lives in the "topic cluster" of one frame and on a level 1..6
  (its distance to the frames; deeper levels hold more nodes). It has 1 + Poisson(1.7)
  ``supports`` / ``undermines`` edges (about 2:1) pointing one or two levels *toward*
  the frames, 90 % inside its own cluster, otherwise into another (preferably a sibling)
  cluster. That makes chains up to 6 levels deep and cruxes that bear on several frames.
* about 2 % of N backward edges (the reverse of an existing edge) close short
  support / undermine cycles; about 35 % of N ``related`` edges join random pairs.
  In total about 3 edges per node; (source, target, kind) is unique, no self-loops.
* ``max(5, N // 10)`` users; every crux gets 2-10 votes (consensus, polarised or diffuse
  opinions), every frame 3-9, one claim in ten 1-4; credences are clipped to
  [0.01, 0.99] and rounded to 2 decimals; one vote per (node, user).

``generate_map(100_000)`` takes a few seconds; the output depends only on (nodes, seed).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["generate_map"]

_DEPTH = 6
_LEVEL_GROWTH = 1.7
_SAME_CLUSTER = 0.9
_SIBLING_CLUSTER = 0.5  # share of the cross-cluster edges that go to a sibling frame's cluster
_UNDERMINE_SHARE = 0.35
_BACKWARD_PER_NODE = 0.02
_RELATED_PER_NODE = 0.35
_CATEGORIES = ("outer", "inner", "other")


def _frame_hierarchy(rng: np.random.Generator, n_frames: int) -> np.ndarray:
    """parent[i] (-1 for top-level) with parent[i] < i, so subframe_of is acyclic."""
    n_top = min(n_frames, max(3, round(math.sqrt(n_frames))))
    parent = np.full(n_frames, -1, dtype=np.int64)
    for i in range(n_top, n_frames):
        if i > n_top and rng.random() < 0.2:
            parent[i] = rng.integers(n_top, i)  # a sub-subframe
        else:
            parent[i] = rng.integers(0, n_top)
    return parent


def _sibling_frames(parent: np.ndarray) -> list[np.ndarray]:
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(parent.tolist()):
        groups.setdefault(p, []).append(i)
    return [np.asarray(groups[p], dtype=np.int64) for p in parent.tolist()]


def _votes_for(
    rng: np.random.Generator, nodes: np.ndarray, lo: int, hi: int, n_users: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Votes (node, user, credence) for each node in ``nodes``: lo..hi votes each."""
    if nodes.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    counts = rng.integers(lo, hi + 1, size=nodes.size)
    counts = np.minimum(counts, n_users)
    node = np.repeat(nodes, counts)
    user = rng.integers(0, n_users, size=node.size)
    # Opinion profile per node: consensus around a centre, polarised, or diffuse.
    profile = rng.choice(3, size=nodes.size, p=[0.5, 0.25, 0.25])
    centre = rng.uniform(0.05, 0.95, size=nodes.size)
    per_vote_profile = np.repeat(profile, counts)
    per_vote_centre = np.repeat(centre, counts)
    noise = rng.normal(0.0, 0.08, size=node.size)
    pole = np.where(rng.random(node.size) < 0.5, 0.15, 0.85)
    cred = np.where(
        per_vote_profile == 0,
        per_vote_centre + noise,
        np.where(per_vote_profile == 1, pole + noise, rng.uniform(0.0, 1.0, size=node.size)),
    )
    cred = np.round(np.clip(cred, 0.01, 0.99), 2)
    # One vote per (node, user): keep the first occurrence.
    key = node * n_users + user
    _, first = np.unique(key, return_index=True)
    first.sort()
    return node[first], user[first], cred[first]


def generate_map(nodes: int, seed: int = 0) -> dict:
    """A synthetic argmap JSON v1 document with ``nodes`` nodes (deterministic in seed)."""
    n = int(nodes)
    if n < 1:
        raise ValueError("nodes must be >= 1")
    rng = np.random.default_rng(seed)

    n_frames = min(n, max(10, n // 1000))
    n_cruxes = min(n - n_frames, round(0.3 * n))
    n_other = n - n_frames  # claims + cruxes
    # Node index layout: [0, n_frames) frames, then claims and cruxes interleaved at random.
    kind = np.zeros(n, dtype=np.int8)  # 0 frame, 1 claim, 2 crux
    kind[n_frames:] = 1
    if n_cruxes:
        kind[n_frames + rng.choice(n_other, size=n_cruxes, replace=False)] = 2

    parent = _frame_hierarchy(rng, n_frames)
    siblings = _sibling_frames(parent)

    # --- clusters and levels of the non-frame nodes -----------------------------------
    level_p = _LEVEL_GROWTH ** np.arange(_DEPTH)
    level_p /= level_p.sum()
    other = np.arange(n_frames, n, dtype=np.int64)
    cluster = np.full(n, -1, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    cluster[:n_frames] = np.arange(n_frames)
    cluster[other] = rng.integers(0, n_frames, size=n_other)
    level[other] = 1 + rng.choice(_DEPTH, size=n_other, p=level_p)

    # Buckets (cluster, level) of non-frame nodes, for drawing targets.
    bucket_of = cluster[other] * (_DEPTH + 1) + level[other]
    order = np.argsort(bucket_of, kind="stable")
    sorted_nodes = other[order]
    n_buckets = n_frames * (_DEPTH + 1)
    bucket_size = np.bincount(bucket_of, minlength=n_buckets)
    bucket_start = np.concatenate(([0], np.cumsum(bucket_size)[:-1]))

    # --- forward supports / undermines edges ------------------------------------------
    out_deg = 1 + rng.poisson(1.7, size=n_other)
    src = np.repeat(other, out_deg)
    src_level = level[src]
    # One level toward the frames, sometimes two.
    jump = np.where(rng.random(src.size) < 0.8, 1, 2)
    tgt_level = np.maximum(src_level - jump, 0)
    tgt_cluster = cluster[src].copy()
    cross = rng.random(src.size) >= _SAME_CLUSTER
    if n_frames > 1 and cross.any():
        idx = np.flatnonzero(cross)
        to_sibling = rng.random(idx.size) < _SIBLING_CLUSTER
        random_cluster = rng.integers(0, n_frames, size=idx.size)
        sibling_pick = rng.random(idx.size)
        new_cluster = random_cluster
        for j in np.flatnonzero(to_sibling).tolist():
            sib = siblings[tgt_cluster[idx[j]]]
            new_cluster[j] = sib[int(sibling_pick[j] * sib.size)]
        tgt_cluster[idx] = new_cluster
    bucket = tgt_cluster * (_DEPTH + 1) + tgt_level
    size = bucket_size[bucket]
    has = (tgt_level > 0) & (size > 0)
    pick = bucket_start[bucket] + (rng.random(src.size) * np.maximum(size, 1)).astype(np.int64)
    tgt = np.where(has, sorted_nodes[np.minimum(pick, sorted_nodes.size - 1)], tgt_cluster)
    # (an empty bucket, or level 0, sends the edge straight to the cluster's frame)
    fwd_kind = np.where(rng.random(src.size) < _UNDERMINE_SHARE, 1, 0)  # 0 supports, 1 undermines

    # --- backward edges closing short cycles --------------------------------------------
    n_back = round(_BACKWARD_PER_NODE * n)
    candidates = np.flatnonzero(tgt >= n_frames)  # reverse claim->claim edges only
    if n_back and candidates.size:
        chosen = rng.choice(candidates, size=min(n_back, candidates.size), replace=False)
        b_src, b_tgt = tgt[chosen], src[chosen]
        b_kind = np.where(rng.random(chosen.size) < _UNDERMINE_SHARE, 1, 0)
    else:
        b_src = b_tgt = b_kind = np.zeros(0, dtype=np.int64)

    # --- related edges ------------------------------------------------------------------
    n_rel = round(_RELATED_PER_NODE * n) if n > 1 else 0
    r_src = rng.integers(0, n, size=n_rel)
    r_tgt = rng.integers(0, n, size=n_rel)

    # --- subframe_of edges --------------------------------------------------------------
    child = np.flatnonzero(parent >= 0)
    sf_src, sf_tgt = child, parent[child]

    e_src = np.concatenate([src, b_src, r_src, sf_src]).astype(np.int64)
    e_tgt = np.concatenate([tgt, b_tgt, r_tgt, sf_tgt]).astype(np.int64)
    e_kind = np.concatenate(
        [
            fwd_kind,
            b_kind,
            np.full(n_rel, 3, dtype=np.int64),
            np.full(child.size, 2, dtype=np.int64),
        ]
    ).astype(np.int64)
    keep = e_src != e_tgt
    e_src, e_tgt, e_kind = e_src[keep], e_tgt[keep], e_kind[keep]
    _, first = np.unique((e_src * n + e_tgt) * 4 + e_kind, return_index=True)
    first.sort()
    e_src, e_tgt, e_kind = e_src[first], e_tgt[first], e_kind[first]
    e_weight = np.round(rng.uniform(0.2, 1.0, size=e_src.size), 2)

    # --- priors and votes ---------------------------------------------------------------
    prior = np.where(rng.random(n) < 0.7, 0.5, np.round(rng.uniform(0.2, 0.8, size=n), 2))
    prior[:n_frames] = 0.5
    n_users = max(5, n // 10)
    crux_idx = np.flatnonzero(kind == 2)
    claim_idx = np.flatnonzero(kind == 1)
    voted_claims = claim_idx[rng.random(claim_idx.size) < 0.1]
    parts = [
        _votes_for(rng, np.arange(n_frames, dtype=np.int64), 3, 9, n_users),
        _votes_for(rng, crux_idx, 2, 10, n_users),
        _votes_for(rng, voted_claims, 1, 4, n_users),
    ]
    v_node = np.concatenate([p[0] for p in parts])
    v_user = np.concatenate([p[1] for p in parts])
    v_cred = np.concatenate([p[2] for p in parts])

    # --- assemble the JSON document -----------------------------------------------------
    kind_name = ("frame", "claim", "crux")
    title_name = ("Frame", "Claim", "Crux")
    number = np.zeros(n, dtype=np.int64)
    for k in range(3):
        members = np.flatnonzero(kind == k)
        number[members] = np.arange(1, members.size + 1)
    ids = [f"{kind_name[k]}-{i}" for k, i in zip(kind.tolist(), number.tolist(), strict=True)]
    category = rng.choice(3, size=n_frames, p=[0.45, 0.4, 0.15])

    out_nodes = []
    for i, (k, num, pr) in enumerate(
        zip(kind.tolist(), number.tolist(), prior.tolist(), strict=True)
    ):
        title = f"{title_name[k]} {num}"
        node = {"id": ids[i], "kind": kind_name[k], "title": title, "prior": pr}
        if k == 0:
            node["category"] = _CATEGORIES[int(category[i])]
            node["text"] = f"Synthetic frame {num}."
            node["sources"] = [
                {"document": f"{num:03d}.txt", "locator": title, "quote": f"{title}."}
            ]
        out_nodes.append(node)

    edge_kind_name = ("supports", "undermines", "subframe_of", "related")
    out_edges = []
    for s, t, k, w in zip(
        e_src.tolist(), e_tgt.tolist(), e_kind.tolist(), e_weight.tolist(), strict=True
    ):
        edge = {"source": ids[s], "target": ids[t], "kind": edge_kind_name[k]}
        if k < 2:
            edge["weight"] = w
        out_edges.append(edge)

    users = [f"user{u}" for u in range(n_users)]
    out_votes = [
        {"node": ids[v], "user": users[u], "credence": c}
        for v, u, c in zip(v_node.tolist(), v_user.tolist(), v_cred.tolist(), strict=True)
    ]

    return {
        "format": "argmap",
        "version": 1,
        "map": {
            "slug": f"synthetic-{n}-{seed}",
            "title": f"Synthetic map ({n} nodes, seed {seed})",
            "description": "Generated by claims.synthetic.generate_map.",
        },
        "nodes": out_nodes,
        "edges": out_edges,
        "votes": out_votes,
    }
