"""Small builders for hand-made maps (pure Python, no Django)."""

from __future__ import annotations

from cruxes.ranking import EdgeInput, NodeInput, RankingResult


def frame(key: str, prior: float = 0.5, votes: tuple[float, ...] = ()) -> NodeInput:
    return NodeInput(key, "frame", prior, tuple(votes))


def claim(key: str, prior: float = 0.5, votes: tuple[float, ...] = ()) -> NodeInput:
    return NodeInput(key, "claim", prior, tuple(votes))


def crux(key: str, prior: float = 0.5, votes: tuple[float, ...] = ()) -> NodeInput:
    return NodeInput(key, "crux", prior, tuple(votes))


def sup(source: str, target: str, weight: float = 1.0) -> EdgeInput:
    return EdgeInput(source, target, "supports", weight)


def und(source: str, target: str, weight: float = 1.0) -> EdgeInput:
    return EdgeInput(source, target, "undermines", weight)


def sub(child: str, parent: str) -> EdgeInput:
    return EdgeInput(child, parent, "subframe_of")


def rel(a: str, b: str) -> EdgeInput:
    return EdgeInput(a, b, "related")


def scores(result: RankingResult) -> dict[str, float]:
    return {c.key: c.score for c in result.cruxes}


def ranks(result: RankingResult) -> dict[str, int]:
    return {c.key: c.rank for c in result.cruxes}


def crux_result(result: RankingResult, key: str):
    return next(c for c in result.cruxes if c.key == key)


METHODS = ("fast", "reference")
