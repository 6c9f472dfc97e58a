"""Schools of thought in the worker (issue 18; docs/RANKING.md, section 18).

`schools_compute(map_id=...)` groups a map's voters by their credences (the pure
`cruxes.ranking.schools.find_schools`), works out for each group its pooled credences,
its frame strengths (one engine run with the group's credences) and the cruxes that
separate it from the others, and stores a SchoolsRun with one SchoolMember row per voter.

What a run stores for others to see is aggregates only:

* a group is shown only with at least PRIVACY_MIN_VOTERS members (find_schools never
  forms a smaller one; fewer voters on the map than that: no group at all);
* a group's credence on a node is shown only where the node has at least
  PRIVACY_MIN_VOTERS voters on the map, as the community credence is (cruxes.privacy):
  on a node with one voter any pooled figure would be that person's vote;
* the scatter lists the voters' points in a shuffled order, never by user id.

Who is in which group (SchoolMember) is read only by `schools_view` for the member
themself ("you are closest to group B").

Groups are numbered (0, 1, ... = labels A, B, ...) largest first, except that a group
that is one of the previous run's keeps its number (`_renumbering`): a vote must not
turn "group B" into "group A", nor change what ?group=N of the double crux means.

The reads the API and the page share are at the end of this module (`schools_view`),
next to the write whose rows they read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction

from claims.models import Map, Node, NodeKind
from claims.selectors import read_snapshot
from cruxes import ranking
from cruxes.models import CruxScore, RankingRun, RunStatus, SchoolMember, SchoolsRun, Vote
from cruxes.selectors import ranking_inputs

logger = logging.getLogger(__name__)

#: Runs kept per map: the newest, and a few before it for a page being read meanwhile.
SCHOOLS_KEEP_RUNS = 3
#: Separating cruxes stored per group.
SEPARATING_TOP = 10
#: Least gap in log-odds between a group and the others for a crux to be said to set the
#: group apart: 0.4 is 55 % against 45 % (docs/RANKING.md, section 18); a smaller gap
#: (the noise of the two camps' shared cruxes) sets no view apart.
SEPARATING_MIN_GAP = 0.4
#: Decimals of the stored figures (credences, strengths, scatter).
DECIMALS = 4
#: Group labels, in the order of the groups (largest first); find_schools makes at most six.
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Advisory-lock namespace of the schools computation ("SC"); the ranking's is "AR".
_ADVISORY_NAMESPACE = 0x5343


@dataclass(frozen=True, slots=True)
class _Snapshot:
    map_id: int
    version: int
    users: list[int]  # row order of `votes` (shuffled: never the order of user ids)
    node_keys: list[str]
    votes: np.ndarray  # users × nodes, NaN where the user did not vote
    nodes: list  # the engine's input (ranking_inputs)
    edges: list
    impact: dict[str, float]  # crux key -> its global score in the latest ranking
    ranking_version: int | None


# ---- writes (the worker) ------------------------------------------------------------


@contextmanager
def _schools_lock(map_id: int) -> Iterator[bool]:
    """Only one computation of a map's schools at a time (a session advisory lock on
    PostgreSQL, released if the worker dies); elsewhere (SQLite, in-process) always."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, map_id])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, map_id])


def _latest_version(map_id: int) -> int | None:
    return (
        SchoolsRun.objects.filter(map_id=map_id)
        .order_by("-graph_version")
        .values_list("graph_version", flat=True)
        .first()
    )


def schools_needed(*, map_id: int) -> bool:
    """True when the map has no schools run at its current graph version."""
    version = Map.objects.filter(pk=map_id).values_list("graph_version", flat=True).first()
    if version is None:
        return False
    latest = _latest_version(map_id)
    return latest is None or latest < version


def _impact(map_id: int) -> tuple[dict[str, float], int | None]:
    """Each crux's global score in the map's latest successful ranking run."""
    run = (
        RankingRun.objects.filter(
            map_id=map_id, status=RunStatus.OK, engine_version=ranking.ENGINE_VERSION
        )
        .order_by("-graph_version")
        .values_list("pk", "graph_version")
        .first()
    )
    if run is None:
        return {}, None
    scores = CruxScore.objects.filter(run_id=run[0], frame_key="").values_list("crux_key", "score")
    return dict(scores), run[1]


def _snapshot(map_id: int) -> _Snapshot | None:
    """The map's version, votes on live nodes, ranking input and latest scores, read as
    one consistent snapshot (as cruxes.services.ranking_snapshot). None: no such map."""
    with read_snapshot():
        version = Map.objects.filter(pk=map_id).values_list("graph_version", flat=True).first()
        if version is None:
            return None
        rows = list(
            Vote.objects.filter(
                node__map_id=map_id, node__hidden_at__isnull=True, node__merged_into__isnull=True
            ).values_list("user_id", "node__key", "credence")
        )
        users = sorted({u for u, _, _ in rows})
        node_keys = sorted({k for _, k, _ in rows})
        votes = np.full((len(users), len(node_keys)), np.nan)
        if rows:
            # Rows in a shuffled order: the scatter's point indices and the groups'
            # tie-breaks must not follow user ids. Seeded by map and version, so one
            # version always gives one picture.
            order = np.random.default_rng([map_id, version]).permutation(len(users))
            users = [users[i] for i in order.tolist()]
            row = {u: i for i, u in enumerate(users)}
            col = {k: j for j, k in enumerate(node_keys)}
            for user_id, key, credence in rows:
                votes[row[user_id], col[key]] = credence
        floor = settings.PRIVACY_MIN_VOTERS
        nodes, edges, impact, ranked = [], [], {}, None
        if len(users) >= floor:
            nodes, edges = ranking_inputs(map_id=map_id)
            impact, ranked = _impact(map_id)
    return _Snapshot(map_id, version, users, node_keys, votes, nodes, edges, impact, ranked)


def _round(x: float) -> float:
    return round(float(x), DECIMALS)


def _groups(snap: _Snapshot, found, floor: int) -> tuple[list[dict], dict]:
    """The shown groups' JSON (SchoolsRun.groups) and the timings of their parts."""
    from cruxes.ranking.schools import separating_cruxes

    counts = (~np.isnan(snap.votes)).sum(axis=0)
    # Only nodes with enough voters on the map: as for the community's credence.
    public = {k for k, n in zip(snap.node_keys, counts.tolist(), strict=True) if n >= floor}
    in_graph = {n.key for n in snap.nodes}
    impact = snap.impact
    started = time.perf_counter()
    if not impact and found.k > 1 and snap.nodes:
        # No ranking stored yet (a first run racing this one): the community's own.
        community = ranking.rank(snap.nodes, snap.edges)
        impact = {c.key: c.score for c in community.cruxes}
    impact = {k: s for k, s in impact.items() if k in public}
    separating = separating_cruxes(found, impact, top=SEPARATING_TOP)
    separate_ms = (time.perf_counter() - started) * 1000
    titles: dict[str, str] = {}
    keys = {s.key for seps in separating.values() for s in seps}
    if keys:
        titles = dict(
            Node.objects.filter(map_id=snap.map_id, key__in=keys).values_list("key", "title")
        )
    started = time.perf_counter()
    out = []
    for group in found.groups:
        if group.size < floor:
            continue  # never formed (find_schools' min_size), and never shown
        given = {k: p for k, p in group.credences.items() if k in in_graph}
        frames = {}
        if snap.nodes:
            view = ranking.rank(snap.nodes, snap.edges, credences=given)
            frames = {f.key: _round(f.strength) for f in view.frames}
        out.append(
            {
                "id": group.index,
                "label": LABELS[group.index],
                "size": group.size,
                "credences": {
                    k: _round(p) for k, p in sorted(group.credences.items()) if k in public
                },
                "frames": frames,
                "separating": [
                    {
                        "key": s.key,
                        "title": titles.get(s.key, s.key),
                        "gap": _round(s.gap),
                        "score": _round(s.score),
                        "group_credence": _round(s.group),
                        "others_credence": _round(s.others),
                    }
                    for s in separating.get(group.index, [])
                    # A crux that moves no frame separates no view of the frames.
                    if s.score > 0.0 and abs(s.gap) >= SEPARATING_MIN_GAP
                ],
            }
        )
    timings = {
        "separating_ms": round(separate_ms, 1),
        "frames_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return out, timings


def schools_compute(*, map_id: int) -> SchoolsRun | None:
    """Find and store the map's schools of thought at its current graph version.

    Idempotent: returns None (and stores nothing) when a run at this or a newer version
    exists, another worker is computing the map, or the map is gone.
    """
    with _schools_lock(map_id) as acquired:
        if not acquired or not schools_needed(map_id=map_id):
            return None
        return _compute(map_id)


def _compute(map_id: int) -> SchoolsRun | None:
    from cruxes.ranking.schools import NULL_MARGIN, NULL_PERMUTATIONS, SILHOUETTE_MIN, find_schools

    started = time.perf_counter()
    snap = _snapshot(map_id)
    if snap is None:
        return None
    floor = settings.PRIVACY_MIN_VOTERS
    detail: dict = {
        "k": 0,
        "floor": floor,
        "nodes": len(snap.node_keys),
        "ranking_version": snap.ranking_version,
        "criterion": {
            "silhouette_min": SILHOUETTE_MIN,
            "null_margin": NULL_MARGIN,
            "null_permutations": NULL_PERMUTATIONS,
        },
        "scatter": [],
    }
    groups: list[dict] = []
    labels = coords = None
    if len(snap.users) >= floor and snap.node_keys:
        clustered = time.perf_counter()
        found = find_schools(
            snap.votes, node_keys=snap.node_keys, min_size=floor, seed=snap.version % 2**32
        )
        cluster_ms = (time.perf_counter() - clustered) * 1000
        groups, timings = _groups(snap, found, floor)
        renumber = _renumbering(groups, _previous_groups(map_id))
        for group in groups:
            group["id"] = renumber[group["id"]]
            group["label"] = LABELS[group["id"]]
        groups.sort(key=lambda g: g["id"])
        shown = {g["id"] for g in groups}
        labels = np.array([renumber.get(g, g) for g in found.labels.tolist()], dtype=np.int64)
        coords = np.round(found.coordinates, DECIMALS)
        detail.update(
            k=found.k,
            silhouette=_round(found.silhouette),
            null_silhouette=_round(found.null_silhouette),
            silhouettes={str(k): _round(s) for k, s in sorted(found.silhouettes.items())},
            cluster_ms=round(cluster_ms, 1),
            **timings,
            scatter=[
                [float(x), float(y), int(g) if int(g) in shown else None]
                for (x, y), g in zip(coords.tolist(), labels.tolist(), strict=True)
            ],
        )
    duration_ms = int((time.perf_counter() - started) * 1000)
    return _store(map_id, snap, groups, detail, labels, duration_ms)


#: Largest mean credence difference at which a group is taken for one of the last run.
SAME_GROUP_MAX_DISTANCE = 0.2


def _previous_groups(map_id: int) -> list[dict]:
    return (
        SchoolsRun.objects.filter(map_id=map_id)
        .order_by("-graph_version", "-id")
        .values_list("groups", flat=True)
        .first()
        or []
    )


def _renumbering(groups: list[dict], previous: list[dict]) -> dict[int, int]:
    """New group number -> the number it keeps: a group that is one of the last run's
    (its pooled credences within SAME_GROUP_MAX_DISTANCE of it on their common nodes)
    keeps its number and label, so one vote does not turn "group B" into "group A" (the
    groups are numbered by size, and two of equal size by chance). Numbers stay 0..k-1:
    they index `groups`. The others take the numbers left, largest group first."""
    from scipy.optimize import linear_sum_assignment

    ids = [g["id"] for g in groups]
    old = [p for p in previous if p.get("id", len(ids)) < len(ids)]
    kept: dict[int, int] = {}
    if ids and old:
        cost = np.ones((len(groups), len(old)))
        for i, group in enumerate(groups):
            for j, before in enumerate(old):
                common = group["credences"].keys() & before.get("credences", {}).keys()
                if common:
                    cost[i, j] = float(
                        np.mean(
                            [abs(group["credences"][k] - before["credences"][k]) for k in common]
                        )
                    )
        for i, j in zip(*linear_sum_assignment(cost), strict=True):
            if cost[i, j] <= SAME_GROUP_MAX_DISTANCE:
                kept[ids[i]] = old[j]["id"]
    free = iter(sorted(set(range(len(ids))) - set(kept.values())))
    return {g: kept[g] if g in kept else next(free) for g in ids}


@transaction.atomic
def _store(
    map_id: int,
    snap: _Snapshot,
    groups: list[dict],
    detail: dict,
    labels: np.ndarray | None,
    duration_ms: int,
) -> SchoolsRun | None:
    """Store the run and its members unless one at this or a newer version exists
    (the map's lock makes that a race only with a run stored by an older worker that
    lost its lock); then keep only the newest SCHOOLS_KEEP_RUNS runs of the map."""
    latest = _latest_version(map_id)
    if latest is not None and latest >= snap.version:
        return None
    if not Map.objects.filter(pk=map_id).exists():
        return None
    run = SchoolsRun.objects.create(
        map_id=map_id,
        graph_version=snap.version,
        duration_ms=duration_ms,
        voters=len(snap.users),
        groups=groups,
        detail=detail,
    )
    if labels is not None:
        SchoolMember.objects.bulk_create(
            SchoolMember(run=run, user_id=user_id, group=int(group), point=point)
            for point, (user_id, group) in enumerate(zip(snap.users, labels.tolist(), strict=True))
        )
    schools_prune(map_id=map_id)
    return run


def schools_prune(*, map_id: int) -> int:
    """Delete all but the map's newest SCHOOLS_KEEP_RUNS runs (members go with them)."""
    keep = list(
        SchoolsRun.objects.filter(map_id=map_id)
        .order_by("-graph_version", "-id")
        .values_list("pk", flat=True)[:SCHOOLS_KEEP_RUNS]
    )
    deleted, _ = SchoolsRun.objects.filter(map_id=map_id).exclude(pk__in=keep).delete()
    return deleted


def schools_stale_maps() -> list[int]:
    """Maps whose newest schools run is older than their newest successful ranking run
    (the schools follow the ranking: its scores weigh the separating cruxes)."""
    from django.db.models import F, Max, Q

    ranked = Max(
        "ranking_runs__graph_version",
        filter=Q(ranking_runs__status=RunStatus.OK),
    )
    stale = (
        Map.objects.annotate(ranked=ranked, schooled=Max("schools_runs__graph_version"))
        .filter(ranked__isnull=False)
        .filter(Q(schooled__isnull=True) | Q(schooled__lt=F("ranked")))
        .values_list("pk", flat=True)
    )
    return list(stale)


def schools_sweep() -> int:
    """Ask for the schools of every map whose schools are stale (beat's job: a busy map's
    last changes, a lost message); the request's throttle still applies. Returns how
    many maps were asked for."""
    from cruxes.tasks import recompute_schools_request

    count = 0
    for map_id in schools_stale_maps():
        try:
            recompute_schools_request(map_id)
        except Exception:  # noqa: BLE001 - the broker is down: the next sweep retries
            logger.warning("could not ask for the schools of map %s", map_id, exc_info=True)
            continue
        count += 1
    return count


# ---- reads (the API and the page) -------------------------------------------------


def _you(run: SchoolsRun, user: AbstractBaseUser | AnonymousUser, shown: dict) -> dict | None:
    """The viewer's own group and scatter point: their own row only, never anyone else's."""
    if not user.is_authenticated:
        return None
    member = SchoolMember.objects.filter(run=run, user_id=user.pk).values("group", "point").first()
    if member is None:
        return None
    group = shown.get(member["group"])
    return {
        "group": None if group is None else group["id"],
        "label": None if group is None else group["label"],
        "point": member["point"],
    }


def schools_view(*, map: Map, user: AbstractBaseUser | AnonymousUser) -> dict:
    """What a reader of the map sees of its schools of thought (the API's and the page's
    data): the newest run's groups (sizes, pooled credences, frame strengths, separating
    cruxes), the anonymous scatter, and for a voter among them, their own group and point.

    `state`: "pending" (no run yet), "too_few_voters" (fewer than the privacy floor),
    "one_school" (the voters do not split into groups: no school is invented), or
    "schools" (two or more).
    """
    floor = settings.PRIVACY_MIN_VOTERS
    run = SchoolsRun.objects.filter(map=map).order_by("-graph_version", "-id").first()
    if run is None:
        return {
            "state": "pending",
            "floor": floor,
            "graph_version": None,
            "stale": True,
            "computed_at": None,
            "voters": 0,
            "k": 0,
            "groups": [],
            "frames": [],
            "scatter": [],
            "you": None,
            "criterion": None,
        }
    detail = run.detail or {}
    groups = [g for g in run.groups if g.get("size", 0) >= floor]
    shown = {g["id"]: g for g in groups}
    if run.voters < floor or not groups:
        state = "too_few_voters"
    elif len(groups) < 2:
        state = "one_school"
    else:
        state = "schools"
    frame_keys = sorted({k for g in groups for k in g.get("frames", {})})
    frames = list(
        Node.objects.filter(
            map=map, key__in=frame_keys, kind=NodeKind.FRAME, hidden_at__isnull=True
        )
        .order_by("title", "key")
        .values("key", "title")
    )
    scatter = detail.get("scatter", []) if state != "too_few_voters" else []
    return {
        "state": state,
        "floor": floor,
        "graph_version": run.graph_version,
        "stale": run.graph_version < map.graph_version,
        "computed_at": run.computed_at,
        "voters": run.voters if run.voters >= floor else 0,
        "k": detail.get("k", 0),
        "groups": groups if state != "too_few_voters" else [],
        "frames": frames,
        "scatter": scatter,
        "you": _you(run, user, shown) if scatter else None,
        "criterion": {
            "silhouette": detail.get("silhouette"),
            "null_silhouette": detail.get("null_silhouette"),
            "silhouettes": detail.get("silhouettes", {}),
            **detail.get("criterion", {}),
        }
        if state != "too_few_voters"
        else None,
    }
