"""Input and output records of the ranking engine (plain dataclasses, plain Python numbers)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

NODE_KINDS = ("frame", "claim", "crux")
EDGE_KINDS = ("supports", "undermines", "subframe_of", "related", "undercuts")


class NodeInput(NamedTuple):
    key: str
    kind: str  # "frame" | "claim" | "crux"
    prior: float
    credences: tuple[float, ...] = ()
    #: each voter's weight (standing on the map), parallel to ``credences``; empty: all 1.0
    weights: tuple[float, ...] = ()


class EdgeInput(NamedTuple):
    source: str
    target: str  # a node key; "" for an undercut (it names target_edge instead)
    kind: str  # "supports" | "undermines" | "subframe_of" | "related" | "undercuts"
    weight: float = 1.0  # the author's weight
    #: the edge's key (undercuts name the edge they attack by it); "" when none undercut it
    key: str = ""
    #: linked premises: edges with the same target, kind and group act only together
    group: str | None = None
    #: for kind "undercuts": the key of the supports/undermines edge it attacks
    target_edge: str | None = None
    #: the voters' strengths of this edge, in [0, 1], and their standing (parallel; empty:
    #: all 1.0). The engine uses credence.pooled_strength(strengths, weights, weight).
    strengths: tuple[float, ...] = ()
    strength_weights: tuple[float, ...] = ()


class NodeCredence(NamedTuple):
    """Vote statistics of one node. The statistics are None when nobody voted.

    A named tuple, like CruxFrameScore: the engine builds 10^5-10^6 of them per run at C
    speed (``tuple.__new__`` over zipped columns), with no Python call per record.
    """

    n: int
    mean: float | None
    median: float | None
    logodds_mean: float | None  # mean taken in log-odds space, mapped back to a probability
    sd: float | None  # population standard deviation (ddof=0)
    histogram: list[int]  # 10 bins over [0, 1]: [0, .1), [.1, .2), ..., [.9, 1]
    prior: float
    credence: float  # aggregated credence (the node's base score), see docs/RANKING.md


@dataclass(slots=True)
class FrameResult:
    key: str
    strength: float  # propagated strength
    parent: str | None  # the subframe_of target (smallest key if several); None: top level
    base: float = 0.5  # the frame's own aggregated credence, before propagation


class CruxFrameScore(NamedTuple):
    frame: str
    score: float  # (1 + disagreement) * expected movement of the frame (docs/RANKING.md)
    delta: float  # strength(frame | crux true) - strength(frame | crux false)
    strength_if_true: float
    strength_if_false: float
    #: node keys of the strongest supports/undermines route, crux first, frame last
    path: tuple[str, ...] = ()


class CruxResult(NamedTuple):
    key: str
    rank: int  # 1-based
    score: float  # global score
    credence: float  # aggregated credence p of the crux
    n_votes: int
    uncertainty: float  # U = 4 p (1 - p) * (1 + disagreement) / 2
    discrimination: float  # max over competing frames f, g of (delta_f - delta_g)
    frames: list[CruxFrameScore] = []  # noqa: RUF012 (never mutated: a slice per result)
    disagreement: float = 0.0  # shrunk, normalised spread of the votes, in [0, 1]
    strength: float = 0.0  # the crux's propagated strength (no clamp)
    #: False when no supports/undermines path leads from the crux to any frame
    connected: bool = True


#: |delta| below this rounds to 0 at 6 decimals (checked exactly with round() near it).
_VISIBLE = 4.9e-7


@dataclass(slots=True)
class RankingResult:
    frames: list[FrameResult]
    cruxes: list[CruxResult]
    credences: dict[str, NodeCredence]
    method: str = "fast"
    engine_version: str = ""

    def to_json(self, graph_version: int | None) -> dict:
        """The cached JSON form (numbers rounded to 6 decimals).

        A per-frame entry whose delta rounds to 0 is left out, so that, as in
        ``CruxResult.frames``, the JSON lists only frames with a non-zero delta.
        """
        with gc_paused():
            return {
                "graph_version": graph_version,
                "engine_version": self.engine_version,
                "frames": [
                    {
                        "id": f.key,
                        "strength": round(f.strength, 6) + 0.0,
                        "base": round(f.base, 6) + 0.0,
                        "parent": f.parent,
                    }
                    for f in self.frames
                ],
                "cruxes": [
                    {
                        "id": c.key,
                        "rank": c.rank,
                        "score": round(c.score, 6) + 0.0,
                        "credence": round(c.credence, 6) + 0.0,
                        "n_votes": c.n_votes,
                        "uncertainty": round(c.uncertainty, 6) + 0.0,
                        "disagreement": round(c.disagreement, 6) + 0.0,
                        "discrimination": round(c.discrimination, 6) + 0.0,
                        "connected": c.connected,
                        "why": _why(c),
                        "frames": [
                            {
                                "frame": fs.frame,
                                "score": round(fs.score, 6) + 0.0,
                                "delta": round(fs.delta, 6) + 0.0,
                                "strength_if_true": round(fs.strength_if_true, 6) + 0.0,
                                "strength_if_false": round(fs.strength_if_false, 6) + 0.0,
                            }
                            for fs in c.frames
                            if abs(fs.delta) >= _VISIBLE and round(fs.delta, 6) != 0.0
                        ],
                    }
                    for c in self.cruxes
                ],
            }


def _visible(fs: CruxFrameScore) -> bool:
    return abs(fs.delta) >= _VISIBLE and round(fs.delta, 6) != 0.0


def _why(c: CruxResult) -> dict:
    """Why the crux ranks where it does: its parts, and each frame it moves (by at least
    semantics.WHY_MIN_DELTA, most first) with the strongest route of arguments to it."""
    moved = sorted((fs for fs in c.frames if fs.path), key=lambda fs: -abs(fs.delta))
    return {
        "credence": round(c.credence, 6) + 0.0,
        "uncertainty": round(c.uncertainty, 6) + 0.0,
        "disagreement": round(c.disagreement, 6) + 0.0,
        "discrimination": round(c.discrimination, 6) + 0.0,
        "frames": [
            {"frame": fs.frame, "delta": round(fs.delta, 6) + 0.0, "path": list(fs.path)}
            for fs in moved
        ],
    }


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while we allocate ~10^5-10^6 small objects
    (it would otherwise rescan them over and over; nothing we build is cyclic garbage).

    On the way out everything allocated meanwhile is moved to the oldest generation
    unscanned (``gc.freeze()`` then ``gc.unfreeze()``): otherwise the very next collection
    walks all of it (~0.1 s for a 100k-node map) although none of it is cyclic garbage; the
    records die by reference counting, and any cyclic garbage among the promoted objects is
    still found by the next full collection. Skipped when someone else froze objects (a
    pre-forking server keeping pages shared): unfreezing would undo that.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
