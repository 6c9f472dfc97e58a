"""Crux-ranking engine of argmap: pure Python (numpy / scipy / networkx), no Django.

See docs/RANKING.md for the formulas. Public API::

    rank(nodes, edges, method="fast" | "reference") -> RankingResult
    inputs_from_argmap(doc) -> (list[NodeInput], list[EdgeInput])
    pooled_strength(strengths, weights, author_weight) -> float (an edge's pooled strength)
"""

from .argmap import inputs_from_argmap
from .credence import pooled_strength
from .engine import ENGINE_VERSION, METHODS, rank
from .types import (
    EDGE_KINDS,
    NODE_KINDS,
    CruxFrameScore,
    CruxResult,
    EdgeInput,
    FrameResult,
    NodeCredence,
    NodeInput,
    RankingResult,
)

__all__ = [
    "EDGE_KINDS",
    "ENGINE_VERSION",
    "METHODS",
    "NODE_KINDS",
    "CruxFrameScore",
    "CruxResult",
    "EdgeInput",
    "FrameResult",
    "NodeCredence",
    "NodeInput",
    "RankingResult",
    "inputs_from_argmap",
    "pooled_strength",
    "rank",
]
