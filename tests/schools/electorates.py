"""Synthetic maps and electorates for the schools and double-crux tests (pure Python)."""

from __future__ import annotations

import numpy as np

from cruxes.ranking import EdgeInput, NodeInput

#: The acceptance electorate: 30 voters in two camps of 15, 20 cruxes; the camps vote
#: opposite (0.8-0.9 against 0.1-0.2) on the first SPLIT cruxes and near each other (a
#: shared credence per crux, ± 0.05) on the others.
VOTERS = 30
CRUXES = 20
SPLIT = 5
CRUX_KEYS = [f"c{i:02d}" for i in range(CRUXES)]
SPLIT_KEYS = CRUX_KEYS[:SPLIT]


def camps(seed: int, *, missing: float = 0.0) -> np.ndarray:
    """(VOTERS, CRUXES) credences: voters 0-14 camp A, 15-29 camp B; ``missing`` of the
    cells (never a split crux of the first two voters) are NaN."""
    rng = np.random.default_rng(seed)
    shared = rng.uniform(0.3, 0.7, CRUXES)
    votes = np.clip(shared + rng.normal(0.0, 0.05, (VOTERS, CRUXES)), 0.01, 0.99)
    half = VOTERS // 2
    votes[:half, :SPLIT] = rng.uniform(0.8, 0.9, (half, SPLIT))
    votes[half:, :SPLIT] = rng.uniform(0.1, 0.2, (VOTERS - half, SPLIT))
    if missing:
        drop = rng.uniform(size=votes.shape) < missing
        drop[[0, VOTERS - 1], :] = False
        votes[drop] = np.nan
    return votes


def random_electorate(seed: int) -> np.ndarray:
    """The same size, every credence uniform on [0, 1]: no schools."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, (VOTERS, CRUXES))


def camp_map(seed: int = 0) -> tuple[list[NodeInput], list[EdgeInput]]:
    """Four frames; each split crux supports frame f0 or f1 (so camp A's truth raises them
    together), each other crux supports or undermines one or two frames at random."""
    rng = np.random.default_rng(seed)
    nodes = [NodeInput(f"f{j}", "frame", 0.5) for j in range(4)]
    nodes += [NodeInput(key, "crux", 0.5) for key in CRUX_KEYS]
    edges = []
    for i, key in enumerate(CRUX_KEYS):
        if i < SPLIT:
            edges.append(EdgeInput(key, f"f{i % 2}", "supports", 1.0))
            continue
        for j in rng.choice(4, size=int(rng.integers(1, 3)), replace=False).tolist():
            kind = "supports" if rng.uniform() < 0.5 else "undermines"
            edges.append(EdgeInput(key, f"f{j}", kind, float(rng.uniform(0.5, 1.5))))
    return nodes, edges


def voter_credences(votes: np.ndarray, voter: int) -> dict[str, float]:
    row = votes[voter]
    return {k: float(x) for k, x in zip(CRUX_KEYS, row.tolist(), strict=True) if x == x}


def random_dag(seed: int, *, n: int = 12) -> tuple[list[NodeInput], list[EdgeInput]]:
    """A small random acyclic map: 3 frames, claims and cruxes in a random order, each
    edge from an earlier node to a later one, random polarity and weight, some votes."""
    rng = np.random.default_rng(seed)
    kinds = ["frame"] * 3 + [str(k) for k in rng.choice(["claim", "crux"], size=n - 3)]
    kinds[3] = "crux"
    order = rng.permutation(n)
    nodes, edges = [], []
    for pos, i in enumerate(order.tolist()):
        key = f"{kinds[i][:2]}{i}"
        votes = tuple(rng.uniform(0.0, 1.0, size=int(rng.integers(0, 4))).round(3).tolist())
        nodes.append(NodeInput(key, kinds[i], float(rng.uniform(0.2, 0.8)), votes))
        for earlier in range(pos):
            if rng.uniform() < 0.3:
                kind = "supports" if rng.uniform() < 0.6 else "undermines"
                edges.append(EdgeInput(nodes[earlier].key, key, kind, float(rng.uniform(0.3, 2.0))))
    return nodes, edges
