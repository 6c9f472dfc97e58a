"""Input and output records of the ranking engine (plain dataclasses, plain Python numbers)."""

from __future__ import annotations

from dataclasses import dataclass, field

NODE_KINDS = ("frame", "claim", "crux")
EDGE_KINDS = ("supports", "undermines", "subframe_of", "related")


@dataclass(frozen=True)
class NodeInput:
    key: str
    kind: str  # "frame" | "claim" | "crux"
    prior: float
    credences: tuple[float, ...] = ()


@dataclass(frozen=True)
class EdgeInput:
    source: str
    target: str
    kind: str  # "supports" | "undermines" | "subframe_of" | "related"
    weight: float = 1.0


@dataclass(slots=True)
class NodeCredence:
    """Vote statistics of one node. The statistics are None when nobody voted."""

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


@dataclass(slots=True)
class CruxFrameScore:
    frame: str
    score: float  # uncertainty * |delta|
    delta: float  # strength(frame | crux true) - strength(frame | crux false)
    strength_if_true: float
    strength_if_false: float


@dataclass(slots=True)
class CruxResult:
    key: str
    rank: int  # 1-based
    score: float  # global score
    credence: float  # aggregated credence p of the crux
    n_votes: int
    uncertainty: float  # U = 4 p (1 - p) * (1 + disagreement) / 2
    discrimination: float  # sum over competitor groups of (max delta - min delta)
    frames: list[CruxFrameScore] = field(default_factory=list)
    disagreement: float = 0.0  # shrunk, normalised spread of the votes, in [0, 1]
    strength: float = 0.0  # the crux's propagated strength (no clamp)


def _r(x: float | None) -> float | None:
    if x is None:
        return None
    y = round(float(x), 6)
    return 0.0 if y == 0 else y  # no "-0.0" in JSON


@dataclass(slots=True)
class RankingResult:
    frames: list[FrameResult]
    cruxes: list[CruxResult]
    credences: dict[str, NodeCredence]
    method: str = "fast"
    engine_version: str = ""

    def to_json(self, graph_version: int | None) -> dict:
        """The cached JSON form (numbers rounded to 6 decimals)."""
        return {
            "graph_version": graph_version,
            "engine_version": self.engine_version,
            "frames": [
                {"id": f.key, "strength": _r(f.strength), "base": _r(f.base), "parent": f.parent}
                for f in self.frames
            ],
            "cruxes": [
                {
                    "id": c.key,
                    "rank": c.rank,
                    "score": _r(c.score),
                    "credence": _r(c.credence),
                    "n_votes": c.n_votes,
                    "uncertainty": _r(c.uncertainty),
                    "disagreement": _r(c.disagreement),
                    "discrimination": _r(c.discrimination),
                    "frames": [
                        {
                            "frame": fs.frame,
                            "score": _r(fs.score),
                            "delta": _r(fs.delta),
                            "strength_if_true": _r(fs.strength_if_true),
                            "strength_if_false": _r(fs.strength_if_false),
                        }
                        for fs in c.frames
                    ],
                }
                for c in self.cruxes
            ],
        }
