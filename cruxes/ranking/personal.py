"""One person's view of a map, next to the community's (docs/RANKING.md, section 16).

``personal_view`` ranks the map once more with the person's own credences in place of the
pooled ones (the community's where they did not vote); ``differences`` lists the frames and
cruxes where the two views part most, weighted by how much each matters:

    weight(crux c)  = |s_c(me) - s_c(community)| * max(score_me(c), score_community(c))
    weight(frame f) = |s_f(me) - s_f(community)| * (1 + r_f) / 2

``s`` is the propagated credence (the probability the engine uses for the crux, p_c),
``score`` the crux's global score (the expected movement of the frames if it were
resolved), and ``r_f`` the share of the connected cruxes whose resolution moves frame f by
at least WHY_MIN_DELTA (how central a question of the map the frame is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .engine import rank
from .semantics import WHY_MIN_DELTA
from .types import EdgeInput, NodeInput, RankingResult

#: Gaps smaller than this (half a percentage point) read as rounding on the pages: they are
#: not differences.
MIN_GAP = WHY_MIN_DELTA


@dataclass(frozen=True, slots=True)
class PersonalView:
    mine: RankingResult  # the map ranked with my credences (the community's elsewhere)
    community: RankingResult
    my_credences: dict[str, float]  # what was given to the engine (known nodes only)


@dataclass(frozen=True, slots=True)
class Difference:
    key: str
    kind: str  # "frame" | "crux"
    community: float  # the community's strength (frame) or credence p_c (crux)
    mine: float
    gap: float  # mine - community
    weight: float  # |gap| weighted by how much the node matters (module docstring)
    community_rank: int | None = None  # cruxes only
    my_rank: int | None = None


@dataclass(frozen=True, slots=True)
class Differences:
    frames: list[Difference]
    cruxes: list[Difference]


def personal_view(
    nodes: Iterable[NodeInput],
    edges: Iterable[EdgeInput],
    my_credences: Mapping[str, float],
    *,
    community: RankingResult | None = None,
) -> PersonalView:
    """The map ranked with ``my_credences`` (node key -> my credence), one engine run.

    ``community``: the community's ranking of the same graph (the cached one); ranked here
    when not given. Credences on nodes the map no longer has are ignored.
    """
    nodes = list(nodes)
    edges = list(edges)
    known = {n.key for n in nodes}
    mine_given = {k: float(v) for k, v in my_credences.items() if k in known}
    if community is None:
        community = rank(nodes, edges)
    mine = rank(nodes, edges, credences=mine_given) if mine_given else community
    return PersonalView(mine, community, mine_given)


def _frame_reach(result: RankingResult) -> dict[str, float]:
    """r_f: the share of the connected cruxes that move frame f by at least WHY_MIN_DELTA."""
    connected = [c for c in result.cruxes if c.connected]
    counts: dict[str, int] = {}
    for c in connected:
        for fs in c.frames:
            if abs(fs.delta) >= WHY_MIN_DELTA:
                counts[fs.frame] = counts.get(fs.frame, 0) + 1
    total = max(1, len(connected))
    return {f: k / total for f, k in counts.items()}


def differences(community: RankingResult, mine: RankingResult, top: int = 20) -> Differences:
    """The ``top`` frames and the ``top`` cruxes where ``mine`` differs most from
    ``community``, by weight (module docstring), largest first; ties by key."""
    reach = _frame_reach(community)
    mine_frames = {f.key: f.strength for f in mine.frames}
    frames = []
    for f in community.frames:
        s_me = mine_frames.get(f.key)
        if s_me is None or abs(s_me - f.strength) < MIN_GAP:
            continue
        gap = s_me - f.strength
        weight = abs(gap) * (1.0 + reach.get(f.key, 0.0)) / 2.0
        frames.append(Difference(f.key, "frame", f.strength, s_me, gap, weight))
    mine_cruxes = {c.key: c for c in mine.cruxes}
    cruxes = []
    for c in community.cruxes:
        m = mine_cruxes.get(c.key)
        if m is None or abs(m.strength - c.strength) < MIN_GAP:
            continue
        gap = m.strength - c.strength
        weight = abs(gap) * max(m.score, c.score)
        cruxes.append(
            Difference(c.key, "crux", c.strength, m.strength, gap, weight, c.rank, m.rank)
        )
    frames.sort(key=lambda d: (-d.weight, d.key))
    cruxes.sort(key=lambda d: (-d.weight, d.key))
    return Differences(frames[:top], cruxes[:top])
