"""Reads of one person's view of a map and of the double crux (issue 18; docs/RANKING.md
sections 16-17).

* ``my_view``: the frames' strengths and the crux ranking from the person's own
  credences (the community's where they did not vote), next to the community's, and
  where the two differ most.
* ``double_crux_with_person`` / ``double_crux_with_group`` / ``double_crux_between_groups``:
  the cruxes whose resolution would most reduce the disagreement between two views on the
  frames they disagree on.

Speed (300 ms on the 10k map): the map compiled for the engine comes from the ranking
worker (cruxes.engine_cache: it leaves its compiled graph after every run), so a cold
answer is the sides' engine runs, not a read of the whole map. The compiled graph and the
rankings it gives are kept in this process per graph version (the version changes with
every vote and edit, so an entry is never stale, only unused); each side's ranking is one
engine run, reused by the person's view and by every double crux they take part in. The
finished answers go to the cache backend per (map, version, sides) for CACHE_SECONDS.

Privacy: a side's own credences are shown only to themselves or by their consent (the
callers check ``cruxes.sharing.may_see_credences`` before asking); where a side did not
vote, its value is the community's, shown only from the privacy floor on (a node with
fewer voters would give their votes away).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.urls import reverse

from claims.models import Map, Node, NodeKind
from core.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from cruxes import engine_cache, ranking
from cruxes.engine_cache import compiled_map_read
from cruxes.models import SchoolsRun, Vote
from cruxes.privacy import privacy_floor, statistics_withheld
from cruxes.ranking.double_crux import DoubleCruxResult, compare
from cruxes.ranking.personal import differences
from cruxes.sharing import may_see_credences

#: How long a finished answer stays in the cache backend (its key holds the graph
#: version, so this only bounds the memory of answers nobody asks for again).
CACHE_SECONDS = 600
#: Rankings and inputs kept in this process: a few maps' worth (a 10k map's inputs and
#: rankings are ~30 MB).
LOCAL_ENTRIES = 24
#: My top cruxes and the differences: a page of each.
MY_TOP = 20
#: Double cruxes listed by default, and at most.
DOUBLE_CRUX_ROWS = 50
DOUBLE_CRUX_ROWS_MAX = 500


# --- the engine's inputs and rankings, per graph version, in this process -----------------

_local: OrderedDict[tuple, object] = OrderedDict()
_local_lock = threading.Lock()


def _remembered(key: tuple, compute: Callable[[], object]) -> object:
    with _local_lock:
        if key in _local:
            _local.move_to_end(key)
            return _local[key]
    value = compute()
    with _local_lock:
        _local[key] = value
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value


def forget_local() -> None:
    """Empty this process's rankings and compiled maps (tests and the benchmark's cold
    runs)."""
    with _local_lock:
        _local.clear()
    engine_cache.forget_local()


@dataclass(frozen=True, slots=True)
class _Graph:
    version: int
    compiled: ranking.Graph
    known: frozenset[str]
    frames: dict[str, str]  # frame key -> title


def _graph(the_map: Map) -> _Graph:
    """The map compiled for the engine at its current version (cruxes.engine_cache: the
    ranking worker's copy, brought up to date by the votes since when it is older)."""
    version = Map.objects.filter(pk=the_map.pk).values_list("graph_version", flat=True).first()
    if version is None:
        raise NotFound(f"no map '{the_map.slug}'")

    def load() -> _Graph:
        # What it compiles is left for the other web processes too (the worker leaves
        # its own after each run).
        compiled = compiled_map_read(map_id=the_map.pk, share=True)
        frames = dict(
            Node.objects.filter(map_id=the_map.pk, kind=NodeKind.FRAME).values_list("key", "title")
        )
        return _Graph(compiled.version, compiled.graph, frozenset(compiled.graph.keys), frames)

    graph = _remembered(("graph", the_map.pk, version), load)
    return graph  # type: ignore[return-value]


def _community(graph: _Graph, map_id: int) -> ranking.RankingResult:
    return _remembered(  # type: ignore[return-value]
        ("community", map_id, graph.version), lambda: ranking.rank_graph(graph.compiled)
    )


def _side_run(
    graph: _Graph, map_id: int, side: tuple, credences: Mapping[str, float]
) -> ranking.RankingResult:
    """A side's ranking (one engine run; the community's when it gave no credence)."""
    given = {k: v for k, v in credences.items() if k in graph.known and 0.0 <= v <= 1.0}
    if not given:
        return _community(graph, map_id)
    return _remembered(  # type: ignore[return-value]
        ("side", map_id, graph.version, *side),
        lambda: ranking.rank_graph(graph.compiled, credences=given),
    )


def user_credences(*, map_id: int, user_id: int) -> dict[str, float]:
    """A person's own votes on the map's visible nodes: {node key: credence}."""
    return dict(
        Vote.objects.filter(
            user_id=user_id, node__map_id=map_id, node__hidden_at__isnull=True
        ).values_list("node__key", "credence")
    )


def _titles(map_id: int, keys: set[str]) -> dict[str, str]:
    if not keys:
        return {}
    return dict(Node.objects.filter(map_id=map_id, key__in=keys).values_list("key", "title"))


def _node_url(slug: str, key: str, kind: str) -> str:
    name = "frame" if kind == "frame" else "node"
    return reverse(name, kwargs={"slug": slug, "key": key})


def _pct(p: float) -> str:
    return f"{round(100 * p)}%"


# --- my view --------------------------------------------------------------------------------


def my_view(*, map: Map, user: AbstractBaseUser) -> dict:
    """The signed-in person's view of the map next to the community's (cached per map,
    person and graph version)."""
    graph = _graph(map)
    key = f"argmap:myview:{map.pk}:{graph.version}:{user.pk}"
    answer = cache.get(key)
    if answer is None:
        answer = _my_view(map, user, graph)
        cache.set(key, answer, CACHE_SECONDS)
    return answer


def _my_view(the_map: Map, user: AbstractBaseUser, graph: _Graph) -> dict:
    mine_given = _remembered(
        ("credences", the_map.pk, graph.version, "user", user.pk),
        functools.partial(user_credences, map_id=the_map.pk, user_id=user.pk),
    )
    community = _community(graph, the_map.pk)
    mine = _side_run(graph, the_map.pk, ("user", user.pk), mine_given)
    diff = differences(community, mine, top=MY_TOP)
    crux_of = {c.key: c for c in community.cruxes}
    # A crux's community value below the privacy floor (and a gap, which gives it back
    # with mine) is not shown: it would be the few voters' votes.
    diff_cruxes = [d for d in diff.cruxes if not statistics_withheld(crux_of[d.key].n_votes)]
    top = mine.cruxes[:MY_TOP]
    titles = _titles(the_map.pk, {c.key for c in top} | {d.key for d in diff_cruxes})
    titles.update(graph.frames)
    mine_frames = {f.key: f.strength for f in mine.frames}
    frames = [
        {
            "key": f.key,
            "title": titles.get(f.key, f.key),
            "url": _node_url(the_map.slug, f.key, "frame"),
            "community": f.strength,
            "mine": mine_frames.get(f.key, f.strength),
            "gap": mine_frames.get(f.key, f.strength) - f.strength,
        }
        for f in sorted(community.frames, key=lambda f: (titles.get(f.key, f.key), f.key))
    ]
    cruxes = []
    for c in top:
        ours = crux_of.get(c.key)
        withheld = ours is None or statistics_withheld(ours.n_votes)
        cruxes.append(
            {
                "key": c.key,
                "title": titles.get(c.key, c.key),
                "url": _node_url(the_map.slug, c.key, "crux"),
                "rank": c.rank,
                "score": c.score,
                # Where I did not vote, "mine" is the community's: shown as theirs is.
                "mine": None if withheld and c.key not in mine_given else c.strength,
                "my_vote": mine_given.get(c.key),
                "community": None if withheld else ours.strength,
                "community_rank": None if ours is None else ours.rank,
            }
        )
    return {
        "map": the_map.slug,
        "graph_version": graph.version,
        "votes": len([k for k in mine_given if k in graph.known]),
        "privacy_floor": privacy_floor(),
        "frames": frames,
        "cruxes": cruxes,
        "differences": {
            "frames": [
                _difference(the_map.slug, d, titles, "frame", mine_given) for d in diff.frames
            ],
            "cruxes": [
                _difference(the_map.slug, d, titles, "crux", mine_given) for d in diff_cruxes
            ],
        },
    }


def _difference(slug: str, d, titles: dict[str, str], kind: str, mine_given: dict) -> dict:
    title = titles.get(d.key, d.key)
    direction = "higher" if d.gap > 0 else "lower"
    points = round(abs(d.gap) * 100)
    if kind == "frame":
        words = (
            f"You find '{title}' {_pct(d.mine)} likely, the community {_pct(d.community)}: "
            f"{points} points {direction}."
        )
    else:
        held = "You hold" if d.key in mine_given else "Your arguments put"
        words = (
            f"{held} '{title}' at {_pct(d.mine)}, the community at {_pct(d.community)} "
            f"({points} points {direction}); it ranks #{d.my_rank} for you and "
            f"#{d.community_rank} for the community."
        )
    return {
        "key": d.key,
        "kind": kind,
        "title": title,
        "url": _node_url(slug, d.key, kind),
        "community": d.community,
        "mine": d.mine,
        "gap": d.gap,
        "weight": d.weight,
        "my_rank": d.my_rank,
        "community_rank": d.community_rank,
        "words": words,
    }


# --- the double crux -------------------------------------------------------------------------


class _Side:
    """One side of a double crux: who (for the caches and the words), the column heading,
    and how to read its credences (only when the answer is not in the cache)."""

    def __init__(
        self, ident: tuple, name: str, label: str, load: Callable[[], dict[str, float]]
    ) -> None:
        self.ident = ident
        self.name = name  # "you", a username, "School B"
        self.label = label
        self.load = load


def _person(the_map: Map, user: AbstractBaseUser, name: str, label: str) -> _Side:
    return _Side(
        ("user", user.pk),
        name,
        label,
        functools.partial(user_credences, map_id=the_map.pk, user_id=user.pk),
    )


def user_get(*, username: str) -> AbstractBaseUser:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no user '{username}'", fields={"with": ["unknown user"]})
    return user


def double_crux_with_person(
    *, map: Map, viewer: AbstractBaseUser | AnonymousUser, username: str, rows: int
) -> dict:
    """The double crux of the viewer and `username` on the map. 401 anonymous; 400 with
    oneself; 404 unknown user; 403 unless they shared their credences with the viewer."""
    if not viewer.is_authenticated:
        raise NotAuthenticated("log in to find your double crux with someone")
    other = user_get(username=username)
    if other.pk == viewer.pk:
        raise ValidationFailed(
            "a double crux takes two people: name someone other than yourself",
            fields={"with": ["yourself"]},
        )
    if not may_see_credences(viewer=viewer, owner=other, map=map):
        raise PermissionDenied(
            f"{other.get_username()} has not shared their credences on this map with you"
        )
    a = _person(map, viewer, "you", "You")
    b = _person(map, other, other.get_username(), other.get_username())
    answer = _double_crux(map, a, b, rows)
    answer["with"] = {"kind": "person", "username": other.get_username()}
    return answer


def schools_latest(*, map: Map) -> tuple[SchoolsRun | None, list[dict]]:
    """The map's latest schools run and its groups that may be shown (at least the
    privacy floor of members)."""
    run = SchoolsRun.objects.filter(map=map).order_by("-graph_version", "-id").first()
    if run is None:
        return None, []
    floor = privacy_floor()
    groups = [
        g
        for g in (run.groups or [])
        if isinstance(g, dict) and isinstance(g.get("size"), int) and g["size"] >= floor
    ]
    return run, groups


def group_id(raw: str | None, field: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed(
            f"{field} must be a group number", fields={field: ["must be an integer"]}
        )
    return int(raw)


def _group_side(the_map: Map, run: SchoolsRun | None, groups: list[dict], gid: int, field: str):
    if run is None:
        raise NotFound(
            "no schools of thought have been found on this map yet", fields={field: ["no schools"]}
        )
    group = next((g for g in groups if str(g.get("id")) == str(gid)), None)
    if group is None:
        raise NotFound(f"no school {gid} on this map", fields={field: ["unknown group"]})
    credences = {
        str(k): float(v)
        for k, v in (group.get("credences") or {}).items()
        if isinstance(v, int | float)
    }
    # The schools run labels its groups with letters ("A"): in words, "school A".
    label = str(group.get("label") or gid)
    label = f"school {label}" if len(label) <= 3 else label
    return _Side(("group", run.pk, gid), label, label, lambda: credences), group


def double_crux_with_group(
    *, map: Map, viewer: AbstractBaseUser | AnonymousUser, group: int, rows: int
) -> dict:
    """What would it take to convince that school, and what would it take to convince me."""
    if not viewer.is_authenticated:
        raise NotAuthenticated("log in to find your double crux with a school")
    run, groups = schools_latest(map=map)
    b, g = _group_side(map, run, groups, group, "group")
    a = _person(map, viewer, "you", "You")
    answer = _double_crux(map, a, b, rows)
    answer["with"] = {"kind": "group", "group": g.get("id"), "label": b.label, "size": g["size"]}
    return answer


def double_crux_between_groups(*, map: Map, group: int, against: int, rows: int) -> dict:
    """The double crux of two schools (anyone who may read the map)."""
    if group == against:
        raise ValidationFailed(
            "compare a school with another one", fields={"against": ["same as group"]}
        )
    run, groups = schools_latest(map=map)
    a, ga = _group_side(map, run, groups, group, "group")
    b, gb = _group_side(map, run, groups, against, "against")
    answer = _double_crux(map, a, b, rows)
    answer["with"] = {
        "kind": "groups",
        "group": ga.get("id"),
        "against": gb.get("id"),
        "label": a.label,
        "against_label": b.label,
    }
    return answer


def _double_crux(the_map: Map, a: _Side, b: _Side, rows: int) -> dict:
    graph = _graph(the_map)
    key = "argmap:dcrux:{}:{}:{}:{}:{}".format(
        the_map.pk,
        graph.version,
        "-".join(map(str, a.ident)),
        "-".join(map(str, b.ident)),
        rows,
    )
    answer = cache.get(key)
    if answer is None:
        answer = _double_crux_compute(the_map, graph, a, b, rows)
        cache.set(key, answer, CACHE_SECONDS)
    return answer


def _double_crux_compute(the_map: Map, graph: _Graph, a: _Side, b: _Side, rows: int) -> dict:
    # A person's votes at this version are what the version says: kept with the rankings.
    a_given, b_given = (
        _remembered(("credences", the_map.pk, graph.version, *s.ident), s.load) for s in (a, b)
    )
    run_a = _side_run(graph, the_map.pk, a.ident, a_given)
    run_b = _side_run(graph, the_map.pk, b.ident, b_given)
    result: DoubleCruxResult = compare(
        run_a, run_b, names=(a.name, b.name), titles=graph.frames, top=rows
    )
    # The votes' counts are the real votes' in every side's run (§16): no third run.
    n_votes = {c.key: c.n_votes for c in run_a.cruxes}
    titles = _titles(the_map.pk, {c.key for c in result.cruxes})
    titles.update(graph.frames)

    def side(credence: float, own: dict[str, float], key: str) -> dict:
        voted = key in own
        # Where the side did not vote its value is the community's: shown from the
        # privacy floor on only.
        shown = voted or not statistics_withheld(n_votes.get(key, 0))
        return {
            "credence": credence if shown else None,
            "vote": own.get(key),
            "own": voted,
        }

    cruxes = []
    for position, c in enumerate(result.cruxes, start=1):
        mine = side(c.credence_a, a_given, c.key)
        theirs = side(c.credence_b, b_given, c.key)
        cruxes.append(
            {
                "position": position,
                "key": c.key,
                "title": titles.get(c.key, c.key),
                "url": _node_url(the_map.slug, c.key, "crux"),
                "a": mine,
                "b": theirs,
                "probability": c.probability,
                "reduction": c.reduction,
                "closer": c.closer,
                "frames": [
                    {
                        "key": m.frame,
                        "title": titles.get(m.frame, m.frame),
                        "delta_a": m.delta_a,
                        "delta_b": m.delta_b,
                        "gap_before": m.gap_before,
                        "gap_after": m.gap_after,
                    }
                    for m in c.frames
                ],
                "reason": _reason(c, a, b, titles, mine["credence"], theirs["credence"]),
            }
        )
    return {
        "map": the_map.slug,
        "graph_version": graph.version,
        "a": {"label": a.label, "votes": len(a_given)},
        "b": {"label": b.label, "votes": len(b_given)},
        "threshold": result.threshold,
        "no_frame_disagreement": result.no_frame_disagreement,
        "frames": [
            {
                "key": g.frame,
                "title": titles.get(g.frame, g.frame),
                "url": _node_url(the_map.slug, g.frame, "frame"),
                "a": g.a,
                "b": g.b,
                "gap": g.gap,
            }
            for g in result.frames
        ],
        "cruxes": cruxes,
        "privacy_floor": privacy_floor(),
    }


def _reason(c, a: _Side, b: _Side, titles: dict, p_a: float | None, p_b: float | None) -> str:
    """The reason in words: the engine's between two people when both credences may be
    shown; otherwise the same sentence without the withheld number, and worded for
    schools (the engine's "they hold" reads wrongly for "school B")."""
    if a.ident[0] == "user" and b.ident[0] == "user" and p_a is not None and p_b is not None:
        return c.reason.replace(f" and {b.name} hold ", f" and {b.name} holds ", 1)

    def held(side: _Side, p: float | None) -> str:
        verb = "hold" if side.name == "you" else "holds"
        if p is None:
            return f"{side.name} did not vote (and too few others did to show theirs)"
        return f"{side.name} {verb} {p:.2f}"

    first = c.frames[0] if c.frames else None
    if first is None:
        return f"{held(a, p_a)} and {held(b, p_b)}."
    title = titles.get(first.frame, first.frame)
    closer = first.gap_before - first.gap_after
    more = sum(1 for m in c.frames[1:] if m.reduction > 1e-9)
    tail = f" (and on {more} more frame{'s' if more > 1 else ''})" if more else ""
    return (
        f"{held(a, p_a)} and {held(b, p_b)}; if it were settled, the two views on "
        f"'{title}' would move {max(closer, 0.0):.2f} closer{tail}"
    )
