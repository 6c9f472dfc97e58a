"""Crux-ranking engine of argmap: pure Python (numpy / scipy / networkx), no Django.

See docs/RANKING.md for the formulas. Public API::

    rank(nodes, edges, method="fast" | "reference") -> RankingResult
    compile_graph(nodes, edges) -> Graph; rank_graph(graph, ...) -> RankingResult
        (the same as rank, for several views of one map compiled once)
    with_node_votes(graph, {key: (prior, credences, weights)}) -> Graph (after votes)
    inputs_from_argmap(doc) -> (list[NodeInput], list[EdgeInput])
    pooled_strength(strengths, weights, author_weight) -> float (an edge's pooled strength)
    rank(..., credences={key: credence}) -> one person's or group's view of the map
    personal_view(nodes, edges, my_credences, community=...) -> PersonalView
    differences(community, mine, top=20) -> Differences
    double_crux(nodes, edges, a, b, threshold=0.1) -> DoubleCruxResult
    find_schools(votes, node_keys=..., min_size=..., seed=0) -> Schools
    separating_cruxes(schools, impact) -> {group: [Separation]}

``find_schools`` and ``separating_cruxes`` are imported on first use: they need
scikit-learn, which the web process has no reason to load.
"""

from typing import TYPE_CHECKING

from .argmap import inputs_from_argmap
from .credence import pooled_strength
from .double_crux import DoubleCrux, DoubleCruxResult, double_crux
from .engine import ENGINE_VERSION, METHODS, compile_graph, rank, rank_graph
from .model import Graph, with_node_votes
from .personal import Differences, PersonalView, differences, personal_view
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

if TYPE_CHECKING:
    from .schools import Schools, find_schools, separating_cruxes

_LAZY = {"Schools", "find_schools", "separating_cruxes"}


def __getattr__(name: str):
    if name in _LAZY:
        from . import schools

        return getattr(schools, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EDGE_KINDS",
    "ENGINE_VERSION",
    "METHODS",
    "NODE_KINDS",
    "Graph",
    "CruxFrameScore",
    "CruxResult",
    "Differences",
    "DoubleCrux",
    "DoubleCruxResult",
    "EdgeInput",
    "FrameResult",
    "NodeCredence",
    "NodeInput",
    "PersonalView",
    "RankingResult",
    "Schools",
    "differences",
    "double_crux",
    "find_schools",
    "inputs_from_argmap",
    "personal_view",
    "pooled_strength",
    "compile_graph",
    "rank",
    "rank_graph",
    "with_node_votes",
    "separating_cruxes",
]
