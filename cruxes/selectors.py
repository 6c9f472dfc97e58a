"""Reads of votes and rankings."""

import json
import logging
import struct
from array import array
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from claims.models import Edge, Map, Node
from cruxes import ranking
from cruxes.models import CruxScore, EdgeVote, RankingRun, RunStatus, Vote
from cruxes.privacy import privacy_floor, statistics_withheld
from cruxes.ranking.types import gc_paused
from cruxes.standing import Standing, map_standing

logger = logging.getLogger(__name__)


def ranking_inputs(
    *, map_id: int, standing: Standing | None = None
) -> tuple[list["ranking.NodeInput"], list["ranking.EdgeInput"]]:
    """The engine's input for a map: nodes with their voters' credences and the
    weights of those votes (each voter's standing on the map, cruxes.standing), and edges
    with their key, group, attacked edge (undercuts), author's weight and their voters'
    strengths, weighed by the same standing.

    Plain cursor rows rather than the ORM's iterator: a 100k-node map is ~600k rows
    (nodes, edges, votes), and the ORM's per-row work was a third of the load time.
    No ORDER BY on nodes or edges: the engine orders its input itself. The cyclic
    garbage collector is paused while the records are built: it would rescan them
    again and again.
    """
    node_table, edge_table = Node._meta.db_table, Edge._meta.db_table
    vote_table, edge_vote_table = Vote._meta.db_table, EdgeVote._meta.db_table
    # Standing first: in the snapshot's transaction, one query for all the voters (or
    # the caller's, read in the same snapshot).
    if standing is None:
        standing = map_standing(map_id=map_id)
    full, partial = standing.members | standing.trusted, standing.nonmember_weight
    # Votes of full weight and the others apart: most nodes have only one kind,
    # and then no (credence, weight) pairs need building and sorting.
    full_votes: dict[int, list[float]] = {}
    partial_votes: dict[int, list[float]] = {}
    keys: dict[int, str] = {}
    with gc_paused(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.node_id, v.credence, v.user_id FROM {vote_table} v"  # noqa: S608 - tables
            f" JOIN {node_table} n ON n.id = v.node_id"
            " WHERE n.map_id = %s AND n.hidden_at IS NULL AND n.merged_at IS NULL",
            [map_id],
        )
        for node_id, credence, user_id in cursor.fetchall():
            (full_votes if user_id in full else partial_votes).setdefault(node_id, []).append(
                credence
            )
        cursor.execute(
            # A tombstone of a merge (issue 17) is out like a hidden node: its votes and
            # edges moved to the survivor, and it must not rank beside it.
            f"SELECT id, key, kind, prior,"  # noqa: S608
            f" hidden_at IS NOT NULL OR merged_at IS NOT NULL FROM {node_table}"
            " WHERE map_id = %s",
            [map_id],
        )
        nodes = []
        NodeInput = ranking.NodeInput
        hidden: set[int] = set()
        for pk, key, kind, prior, is_hidden in cursor.fetchall():
            if is_hidden:
                # Moderated away (issue 16) or merged (17): out of the ranking with its edges.
                hidden.add(pk)
                continue
            keys[pk] = key
            # Sorted credences, and no weights when every vote weighs 1.0 (weighed_votes).
            votes = weighed_votes(full_votes.get(pk), partial_votes.get(pk), partial)
            nodes.append(NodeInput(key, kind, prior, *votes))
        # The edges' strength votes first (few), apart by weight as the node votes are;
        # then the edges, built positionally in one pass (a 100k-node map has ~300k).
        full_strengths: dict[int, list[float]] = {}
        partial_strengths: dict[int, list[float]] = {}
        cursor.execute(
            f"SELECT v.edge_id, v.strength, v.user_id FROM {edge_vote_table} v"  # noqa: S608
            f" JOIN {edge_table} e ON e.id = v.edge_id WHERE e.map_id = %s",
            [map_id],
        )
        for pk, strength, user_id in cursor.fetchall():
            (full_strengths if user_id in full else partial_strengths).setdefault(pk, []).append(
                strength
            )
        voted = full_strengths.keys() | partial_strengths.keys()
        cursor.execute(
            'SELECT id, key, source_id, target_id, target_edge_id, kind, weight, e."group"'  # noqa: S608
            f" FROM {edge_table} e WHERE map_id = %s",
            [map_id],
        )
        rows = cursor.fetchall()
        if hidden:
            rows = _without_hidden(rows, hidden)
        edge_keys = {row[0]: row[1] for row in rows} if any(row[4] for row in rows) else {}
        EdgeInput = ranking.EdgeInput
        edges = [
            EdgeInput(
                keys[s],
                "" if t is None else keys[t],  # an undercut names an edge, not a node
                kind,
                w,
                key,
                group,
                None if attacked is None else edge_keys[attacked],
                *(
                    weighed_votes(full_strengths.get(pk), partial_strengths.get(pk), partial)
                    if pk in voted
                    else ((), ())
                ),
            )
            for pk, key, s, t, attacked, kind, w, group in rows
        ]
    return nodes, edges


def _without_hidden(rows: list[tuple], hidden: set[int]) -> list[tuple]:
    """The edge rows without those touching a hidden node, nor the undercuts of those
    (rows as ranking_inputs reads them: id, key, source_id, target_id, target_edge_id, ...)."""
    gone = {row[0] for row in rows if row[2] in hidden or row[3] in hidden}
    return [row for row in rows if row[0] not in gone and row[4] not in gone]


def weighed_votes(
    counted: list[float] | None, discounted: list[float] | None, partial: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Votes and their weights as the engine takes them: sorted (the pooling is
    order-free, sorted tuples are canonical), and no weights when all weigh 1.0."""
    if discounted is None:
        return (tuple(sorted(counted)) if counted else ()), ()
    if counted is None:
        values = tuple(sorted(discounted))
        return values, (partial,) * len(values)
    pairs = sorted([(v, 1.0) for v in counted] + [(v, partial) for v in discounted])
    return tuple(v for v, _ in pairs), tuple(w for _, w in pairs)


_FILTER_KEYS_MAX = 200  # ranking_latest: longest crux_key IN (...) list it sends


def _latest_runs(map: Map) -> tuple[RankingRun | None, str | None]:
    """The map's newest successful run, and the error of a failed run at its version."""
    run = (
        RankingRun.objects.filter(map=map, status=RunStatus.OK)
        .order_by("-graph_version", "-pk")  # the newest engine's run of a version first
        .only("pk", "graph_version", "computed_at", "frames", "ranked")
        .first()
    )
    failed = (
        RankingRun.objects.filter(map=map, status=RunStatus.FAILED, graph_version=map.graph_version)
        .values_list("error", flat=True)
        .first()
    )
    return run, failed


def _live_fields(map: Map, run: RankingRun | None, failed: str | None) -> dict:
    """What changes without a new run: the map's version, staleness, status."""
    return {
        "graph_version": run.graph_version if run else None,
        "map_graph_version": map.graph_version,
        "stale": run is None or run.graph_version < map.graph_version,
        "computed_at": run.computed_at.isoformat() if run else None,
        "status": "failed" if failed is not None else "ok",
    }


def ranking_latest(*, map: Map, frame: str | None = None, limit: int | None = None) -> dict:
    """The latest successful ranking of a map in the `rank_map --json` shape.

    Adds `map_graph_version`, `stale` (the run is older than the map's graph, or
    there is none yet), `computed_at` and `status` (`failed` when the newest
    attempt at the map's version raised).
    """
    run, failed = _latest_runs(map)
    out = _live_fields(map, run, failed)
    out.update(_run_body(run, frame=frame, limit=limit))
    return out


def ranking_overview(*, map: Map, limit: int, per_frame: int) -> dict:
    """The map page's view of the ranking: ranking_latest's top `limit` cruxes, plus
    `top_per_frame` {frame key: [{id, score}]}, each frame's `per_frame` best cruxes.

    Read from the stored per-frame ranks rather than from the whole ranking: on a
    100k-node map that is ~100k rows for the 3 x 100 the page shows.
    """
    run, failed = _latest_runs(map)
    out = _live_fields(map, run, failed)
    out.update(_run_body(run, frame=None, limit=limit))
    top: dict[str, list[dict]] = {}
    if run is not None:
        for frame_key, key, score in (
            CruxScore.objects.filter(run=run, rank__lte=per_frame)
            .exclude(frame_key="")
            .order_by("frame_key", "rank")
            .values_list("frame_key", "crux_key", "score")
        ):
            top.setdefault(frame_key, []).append({"id": key, "score": score})
    out["top_per_frame"] = top
    return out


# A run never changes once stored, so its rendered JSON can be kept: one cache
# entry per map and frame filter (the global ranking, or one of the map's frames)
# holds the newest run's whole rendering, replaced by the next run's. A `limit`
# is a slice of it, never an entry of its own: any integer is a valid limit, and
# an entry per value let anyone fill Redis (the broker too) with copies.
RANKING_CACHE_SECONDS = 600
#: Pages of at most this many cruxes are cut from a short copy of the rendering's start.
SHORT_PAGE = 50
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_END_SIZE = array("Q").itemsize
_UNREACHABLE = object()  # what _cache_call answers when the cache is down


def ranking_latest_json(*, map: Map, frame: str | None = None, limit: int | None = None) -> bytes:
    """ranking_latest as JSON bytes, the run's part rendered once and cached.

    On a 10k-node map the full ranking is ~1 MB of JSON: reading its ~8,000 score
    rows and rendering them took ~60 ms a request, while the run they come from is
    immutable. The live fields (stale, map_graph_version, status) are read afresh
    every time and spliced in front of the cached body.
    """
    run, failed = _latest_runs(map)
    head = _JSON.encode(_live_fields(map, run, failed)).encode()
    if run is None:
        body = _JSON.encode(_run_body(None, frame=frame, limit=limit)).encode()
    else:
        body = _run_body_json(map, run, frame=frame, limit=limit)
    # Two JSON objects made one: {head..., body...}.
    return head[:-1] + b"," + body[1:]


def _run_body_json(map: Map, run: RankingRun, *, frame: str | None, limit: int | None) -> bytes:
    """The run's body as JSON, sliced to `limit` cruxes from the cached whole rendering.

    The entry holds the body up to the crux list, the cruxes one after another,
    and where each crux ends: slicing is cutting bytes, not parsing JSON.
    """
    key, stamp = _whole_key(map.pk, run, frame)
    if limit is not None and limit <= SHORT_PAGE:
        # A short page (a poll for freshness, a page's top list) reads the short entry:
        # on a 10k-node map the whole rendering is ~2 MB to fetch and unpickle.
        short = _cache_call(cache.get, key + ":short")
        if short not in (None, _UNREACHABLE) and short[0] == stamp:
            return _slice(short, limit)
    cached = _cache_call(cache.get, key)
    if cached is _UNREACHABLE:
        # No cache to keep the whole rendering for the next request: render only
        # what was asked (a short page of a 100k-node map is a few rows).
        return _JSON.encode(_run_body(run, frame=frame, limit=limit)).encode()
    if cached is None or cached[0] != stamp:
        cached = _cache_whole(key, stamp, _run_body(run, frame=frame, limit=None))
    return _slice(cached, limit)


def _slice(cached: tuple, limit: int | None) -> bytes:
    """The body with the first `limit` cruxes (all with None) of a cached rendering."""
    _, start, cruxes_json, ends = cached
    count = len(ends) // _END_SIZE
    if limit is None or limit >= count:
        return start + cruxes_json + b"]}"
    cut = 0 if limit == 0 else struct.unpack_from("Q", ends, (limit - 1) * _END_SIZE)[0]
    return start + cruxes_json[:cut] + b"]}"


def _whole_key(map_id: int, run: RankingRun, frame: str | None) -> tuple[str, tuple]:
    """The cache key of a map's whole rendering (one per frame) and the stamp that says
    which run, under which privacy floor, it renders."""
    # 3: the shape with each crux's "why" (a rendering of the older shape is not reused).
    # The floor is in the stamp: a rendering made under another floor is not reused.
    stamp = (run.pk, run.computed_at.isoformat(), privacy_floor())
    return f"ranking-json:3:{map_id}:{frame or ''}", stamp


def _cache_whole(key: str, stamp: tuple, whole: dict) -> tuple:
    """Cache a run's whole rendering as (stamp, head, the cruxes' JSON, where each ends):
    slicing a page out of it is cutting bytes, not parsing JSON."""
    cruxes = whole.pop("cruxes")
    start = _JSON.encode(whole).encode()[:-1] + b',"cruxes":['
    items = [_JSON.encode(c).encode() for c in cruxes]
    ends = array("Q")  # where each crux ends (the comma before the next excluded)
    size = -1
    for item in items:
        size += 1 + len(item)
        ends.append(size)
    cached = (stamp, start, b",".join(items), ends.tobytes())
    # The whole rendering, and its first SHORT_PAGE cruxes apart (ranking_latest_json).
    short_ends = ends[:SHORT_PAGE]
    short_cut = short_ends[-1] if short_ends else 0
    short = (stamp, start, cached[2][:short_cut], short_ends.tobytes())
    _cache_call(cache.set_many, {key: cached, key + ":short": short}, RANKING_CACHE_SECONDS)
    return cached


def ranking_render_ahead(*, map_id: int, run: RankingRun, result: "ranking.RankingResult") -> None:
    """Cache the new run's whole rendering, built from the engine's result in memory: the
    same bytes as rendering its stored rows (tests/cruxes/test_render_ahead.py), without
    reading ~6,000 rows back on a 10k-node map. The worker calls it right after the store,
    so that the first reader after a run (often a page polling for it) finds it cached."""
    # The run's two JSON fields as the database gives them back (jsonb orders an object's
    # keys its own way): one short row, not the score rows.
    frames, ranked = RankingRun.objects.values_list("frames", "ranked").get(pk=run.pk)
    with gc_paused():
        whole = {"frames": frames, "cruxes": [], "ranked": (ranked or {}).get("")}
        listed = sorted(result.cruxes, key=lambda c: (c.rank, not c.connected, c.key))
        for c in listed:
            crux = {
                "id": c.key,
                "rank": c.rank,
                "score": c.score,
                "credence": c.credence,
                "n_votes": c.n_votes,
                "uncertainty": c.uncertainty,
                "disagreement": c.disagreement,
                "discrimination": c.discrimination,
                "connected": c.connected,
            }
            crux["frames"] = [
                {
                    "frame": f.frame,
                    "score": f.score,
                    "delta": f.delta,
                    "strength_if_true": f.strength_if_true,
                    "strength_if_false": f.strength_if_false,
                }
                for f in sorted(c.frames, key=lambda f: (-f.score, f.frame))
            ]
            moves = [
                (-abs(f.delta), f.frame, {"frame": f.frame, "delta": f.delta, "path": list(f.path)})
                for f in c.frames
            ]
            crux["why"] = _why(crux, moves)
            whole["cruxes"].append(_private(crux))
        key, stamp = _whole_key(map_id, run, None)
        _cache_whole(key, stamp, whole)


def _cache_call(method, *args):
    """A cache operation that fails soft: with Redis down the ranking is only slower.

    Answers _UNREACHABLE when the cache raised.
    """
    try:
        return method(*args)
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        logger.warning("ranking cache unavailable: %s", exc)
        return _UNREACHABLE


def _run_body(run: RankingRun | None, *, frame: str | None, limit: int | None) -> dict:
    """A stored run's frames and cruxes (global, or for one frame).

    Each crux carries `connected` and its `why`: credence, uncertainty, disagreement,
    discrimination and, for each frame it moves (most first), the delta and the strongest
    route of arguments to it (node keys, crux first, frame last). `ranked` tells how many
    cruxes the whole list ranks and which ranks they share ({"rank": how many}).
    """
    # The collector paused: a 100k-node run is ~10^6 small dicts and lists, none of
    # them cyclic garbage, and its rescans of them were half the rendering's time.
    with gc_paused():
        return _stored_body(run, frame=frame, limit=limit)


def _stored_body(run: RankingRun | None, *, frame: str | None, limit: int | None) -> dict:
    out: dict = {"frames": run.frames if run else [], "cruxes": []}
    if frame is not None:
        out["frame"] = frame
    if run is None:
        return out
    out["ranked"] = (run.ranked or {}).get(frame or "")
    rows = CruxScore.objects.filter(run=run)
    # values_list, not model instances: a 10k-node map has thousands of score rows.
    if frame is not None:
        out["cruxes"] = _frame_cruxes(rows, frame=frame, limit=limit)
        return out
    global_rows = rows.filter(frame_key="").order_by("rank", "-connected", "crux_key")
    if limit is not None:
        global_rows = global_rows[:limit]
    cruxes = {
        key: {
            "id": key,
            "rank": rank,
            "score": score,
            "credence": credence,
            "n_votes": n_votes,
            "uncertainty": uncertainty,
            "disagreement": disagreement,
            "discrimination": discrimination,
            "connected": connected,
            "frames": [],
        }
        for key, rank, score, credence, n_votes, uncertainty, disagreement, discrimination, (
            connected
        ) in global_rows.values_list(
            "crux_key",
            "rank",
            "score",
            "credence",
            "n_votes",
            "uncertainty",
            "disagreement",
            "discrimination",
            "connected",
        )
    }
    # Per crux, its frames' entries and moves, each behind its sort key: tuples sort
    # in C, a key function costs a Python call per entry (~3.5 10^5 on a 100k map).
    entries: dict[str, list[tuple]] = {key: [] for key in cruxes}
    moves: dict[str, list[tuple]] = {key: [] for key in cruxes}
    per_frame = rows.exclude(frame_key="")
    if limit is not None and len(cruxes) <= _FILTER_KEYS_MAX:
        # A short page: fetch only its cruxes' rows. A long one (or all) reads the
        # run's rows and skips the rest below, rather than send thousands of keys.
        per_frame = per_frame.filter(crux_key__in=list(cruxes))
    # Unordered (.order_by() also drops Meta.ordering) and sorted here per crux: on a
    # 100k-node map the run has ~85k per-frame rows, and PostgreSQL sorting them
    # spilled to temporary files on every first rendering after a run.
    for key, frame_key, score, delta, if_true, if_false, path in per_frame.order_by().values_list(
        "crux_key",
        "frame_key",
        "score",
        "delta",
        "strength_if_true",
        "strength_if_false",
        "path",
    ):
        mine = entries.get(key)
        if mine is not None:
            frame = {
                "frame": frame_key,
                "score": score,
                "delta": delta,
                "strength_if_true": if_true,
                "strength_if_false": if_false,
            }
            mine.append((-score, frame_key, frame))
            move = {"frame": frame_key, "delta": delta, "path": stored_route(path)}
            moves[key].append((-abs(delta), frame_key, move))
    for key, crux in cruxes.items():
        mine = entries[key]
        mine.sort()
        crux["frames"] = [frame for _, _, frame in mine]
        crux["why"] = _why(crux, moves[key])
        _private(crux)
    out["cruxes"] = list(cruxes.values())  # in the rows' order: rank, connected, key
    return out


def _frame_cruxes(rows, *, frame: str, limit: int | None) -> list[dict]:
    """The cruxes ranked for one frame, each with its why, from one query.

    The why names every frame the crux moves, not only this one: the query reads all the
    rows of the listed cruxes (a subquery picks them), their global rows included.
    """
    listed = rows.filter(frame_key=frame).order_by("rank", "crux_key").values("crux_key")
    if limit is not None:
        listed = listed[:limit]
    theirs: dict[str, dict] = {}
    entries = []
    for key, frame_key, rank, score, credence, n_votes, uncertainty, delta, if_true, if_false, (
        disagreement
    ), discrimination, connected, path in (
        rows.filter(crux_key__in=listed)
        .order_by()
        .values_list(
            "crux_key",
            "frame_key",
            "rank",
            "score",
            "credence",
            "n_votes",
            "uncertainty",
            "delta",
            "strength_if_true",
            "strength_if_false",
            "disagreement",
            "discrimination",
            "connected",
            "path",
        )
    ):
        why = theirs.setdefault(key, {"moves": []})
        if frame_key == "":
            why["connected"] = connected
            continue
        move = {"frame": frame_key, "delta": delta, "path": stored_route(path)}
        why["moves"].append((-abs(delta), frame_key, move))
        if frame_key == frame:
            entries.append(
                {
                    "id": key,
                    "rank": rank,
                    "score": score,
                    "credence": credence,
                    "n_votes": n_votes,
                    "uncertainty": uncertainty,
                    "delta": delta,
                    "strength_if_true": if_true,
                    "strength_if_false": if_false,
                    "disagreement": disagreement,
                    "discrimination": discrimination,
                }
            )
    entries.sort(key=lambda c: (c["rank"], c["id"]))
    for crux in entries:
        why = theirs[crux["id"]]
        crux["connected"] = why.get("connected", True)
        crux["why"] = _why(crux, why["moves"])
        _private(crux)
    return entries


def stored_route(path: str) -> list[str]:
    """A stored route (CruxScore.path, empty on rows stored before routes were) as its
    node keys. The text is JSON written by cruxes.services._path_json from keys that
    hold no quote or comma (KEY_PATTERN): splitting it is its parse, at a fifth of
    json.loads's cost (a first rendering reads ~10^5 of them on a 100k-node map)."""
    if len(path) <= 2:
        return []
    return path[2:-2].split('","')


def _why(crux: dict, moves: list[tuple]) -> dict:
    """The crux's why: its figures, and the frames it moves, most moved first.

    `moves`: (-|delta|, frame key, {frame, delta, path}) of each frame it moves."""
    moves.sort()
    return {
        "credence": crux["credence"],
        "uncertainty": crux["uncertainty"],
        "disagreement": crux["disagreement"],
        "discrimination": crux["discrimination"],
        "frames": [move for _, _, move in moves],
    }


def _private(crux: dict) -> dict:
    """A ranking row as others may see it: below the privacy floor no community
    credence, and no uncertainty either (4p(1-p) with one voter gives p back), nor
    disagreement (the spread of the votes, like their SD); in its why neither."""
    if statistics_withheld(crux["n_votes"]):
        withheld = ("credence", "uncertainty", "disagreement")
        for name in withheld:
            if name in crux:
                crux[name] = None
        if "why" in crux:
            crux["why"].update(dict.fromkeys(withheld))
    return crux


def vote_get(*, user, node: Node) -> dict | None:
    vote = Vote.objects.filter(user=user, node=node).first()
    if vote is None:
        return None
    return {
        "node": node.key,
        "credence": vote.credence,
        "node_revision": vote.node_revision,
        "current_revision": node.revision,
        "stale": vote.node_revision < node.revision,
        "updated_at": vote.updated_at,
    }


def edge_get_for_vote(*, map: Map, key: str) -> Edge:
    """The map's edge named `key`, with the nodes an edge vote names (its ends, and for
    an undercut the ends of the argument it attacks); NotFound naming it otherwise."""
    from core.errors import NotFound

    edge = (
        Edge.objects.select_related(
            "source", "target", "target_edge__source", "target_edge__target"
        )
        .filter(map=map, key=key)
        .first()
    )
    if edge is None:
        raise NotFound(f"no edge '{key}' in map '{map.slug}'", fields={"edge": ["not found"]})
    return edge


def edge_vote_get(*, user, edge: Edge) -> dict | None:
    """The caller's own strength of an edge (others' votes are never shown)."""
    vote = EdgeVote.objects.filter(user=user, edge=edge).first()
    if vote is None:
        return None
    return {
        "edge": edge.key,
        "strength": vote.strength,
        "edge_revision": vote.edge_revision,
        "current_revision": edge.revision,
        "stale": vote.edge_revision < edge.revision,
        "updated_at": vote.updated_at,
    }


def edge_strengths(*, edges: list[Edge], user=None) -> dict[int, dict]:
    """Each edge's pooled strength as others may see it, in two queries whatever the
    number of edges (their votes, their voters' standing): {edge id: summary}.

    The summary: `n` votes; `strength`, pooled as the ranking pools it
    (ranking.pooled_strength: each vote weighed by its voter's standing on the map, the
    author's weight counting as pseudo-votes), None below the privacy floor;
    `member_n` and `member_strength`, the map's owner and admitted members alone (None
    below the floor, or while the other voters are fewer than the floor: the difference
    would give theirs away); `author_weight`; and, for `user`, their own vote
    (`mine`: {strength, edge_revision, stale}, else None), shown to them only.
    """
    if not edges:
        return {}
    by_id = {e.pk: e for e in edges}
    votes: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for edge_id, user_id, strength, revision in EdgeVote.objects.filter(
        edge_id__in=list(by_id)
    ).values_list("edge_id", "user_id", "strength", "edge_revision"):
        votes[edge_id].append((user_id, strength, revision))
    map_ids = {e.map_id for e in edges}
    voters = {user_id for rows in votes.values() for user_id, _, _ in rows}
    # One map in practice (a page's edges, or one edge): one query each.
    standings = {map_id: map_standing(map_id=map_id, voters=voters) for map_id in map_ids}
    me = user.pk if user is not None and user.is_authenticated else None
    out = {}
    for pk, edge in by_id.items():
        rows = votes.get(pk, [])
        standing = standings[edge.map_id]
        strengths = [s for _, s, _ in rows]
        weights = [standing.weight(u) for u, _, _ in rows]
        members = [s for u, s, _ in rows if standing.is_member(u)]
        n, member_n = len(rows), len(members)
        withheld = statistics_withheld(n)
        member_hidden = statistics_withheld(member_n) or (
            member_n > 0 and statistics_withheld(n - member_n)
        )
        mine = next(
            (
                {"strength": s, "edge_revision": r, "stale": r < edge.revision}
                for u, s, r in rows
                if u == me
            ),
            None,
        )
        out[pk] = {
            "edge": edge.key,
            "n": n,
            "withheld": withheld,
            "strength": None
            if withheld
            else ranking.pooled_strength(strengths, weights, edge.weight),
            "member_n": member_n,
            "member_strength": None
            if member_hidden
            else ranking.pooled_strength(members, None, edge.weight),
            "author_weight": edge.weight,
            "privacy_floor": privacy_floor(),
            "mine": mine,
        }
    return out


def edge_strength(*, edge: Edge, user=None) -> dict:
    """One edge's pooled strength (edge_strengths)."""
    return edge_strengths(edges=[edge], user=user)[edge.pk]


def map_credences(*, map_id: int) -> dict[str, tuple[float | None, int]]:
    """Aggregated community credence and vote count of every node (by key), for exports.

    The credence is None below the privacy floor (with the prior and n in the
    file, it would give the votes back).
    """
    from cruxes.ranking.credence import aggregate_one

    nodes, _ = ranking_inputs(map_id=map_id)
    out = {}
    for node in nodes:
        # Weighed by standing, as the ranking's credence of the node is.
        agg = aggregate_one(node.credences, node.prior, node.weights)
        out[node.key] = (None if statistics_withheld(agg.n) else agg.credence, agg.n)
    return out


def credence_summary(*, node: Node) -> dict:
    """n, mean, median, log-odds mean, SD, 10-bin histogram, prior, pooled credence;
    and the same figures of the map's members' votes alone (`members`).

    The pooled `credence` weighs each vote by its voter's standing on the map
    (cruxes.standing), as the ranking does; the other statistics count every
    vote once. Below the privacy floor (`withheld`), only n and the prior.
    """
    from cruxes.ranking.credence import aggregate_one

    votes = list(Vote.objects.filter(node=node).values_list("user_id", "credence"))
    standing = map_standing(map_id=node.map_id, voters={user_id for user_id, _ in votes})
    everyone = aggregate_one(
        [c for _, c in votes], node.prior, [standing.weight(u) for u, _ in votes]
    )
    members = aggregate_one([c for u, c in votes if standing.is_member(u)], node.prior)
    out = {**_figures(everyone), "privacy_floor": privacy_floor(), "prior": everyone.prior}
    # The members' figures and everyone's differ by the others' votes: with fewer
    # of those than the floor, the two together would give them away.
    others = everyone.n - members.n
    out["members"] = _figures(members, hidden=members.n > 0 and statistics_withheld(others))
    return out


def _figures(agg, *, hidden: bool = False) -> dict:
    """An aggregate as others may see it: statistics only from the privacy floor on."""
    if hidden or statistics_withheld(agg.n):
        return {
            "n": agg.n,
            "withheld": True,
            "mean": None,
            "median": None,
            "logodds_mean": None,
            "sd": None,
            "histogram": None,
            "credence": None,
        }
    return {
        "n": agg.n,
        "withheld": False,
        "mean": agg.mean,
        "median": agg.median,
        "logodds_mean": agg.logodds_mean,
        "sd": agg.sd,
        "histogram": list(agg.histogram),
        "credence": agg.credence,
    }


def ranking_runs(*, map: Map) -> list[RankingRun]:
    return list(
        RankingRun.objects.filter(map=map)
        .order_by("-graph_version", "-id")
        .only("graph_version", "engine_version", "status", "error", "computed_at", "duration_ms")[
            :500
        ]
    )


def _edge_index(map_id: int) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    out_edges: dict[str, set[str]] = defaultdict(set)
    in_edges: dict[str, set[str]] = defaultdict(set)
    for s, t in Edge.objects.filter(map_id=map_id, kind__in=("supports", "undermines")).values_list(
        "source__key", "target__key"
    ):
        out_edges[s].add(t)
        in_edges[t].add(s)
    return out_edges, in_edges


def _affecting_nodes(index: tuple[dict, dict], crux_key: str) -> set[str]:
    """The crux, what supports or undermines it, and its paths to frames."""
    out_edges, in_edges = index
    seen = {crux_key}
    stack = [crux_key]
    while stack:  # downstream: the chain through which the crux reaches frames
        for nxt in out_edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen | in_edges[crux_key]


def _stored_versions(map: Map, limit: int = 100) -> str:
    """The graph versions of the map's stored successful runs, newest first."""
    versions = list(
        RankingRun.objects.filter(map=map, status=RunStatus.OK)
        .order_by("-graph_version")
        .values_list("graph_version", flat=True)[: limit + 1]
    )
    shown = ", ".join(str(v) for v in versions[:limit]) or "none"
    return shown + (", ..." if len(versions) > limit else "")


def ranking_diff(*, map: Map, v_from: int, v_to: int) -> dict:
    """How the global ranking changed between two stored runs, and why."""
    from claims.models import MapChange
    from core.errors import NotFound

    runs = {
        r.graph_version: r
        for r in RankingRun.objects.filter(
            map=map, status=RunStatus.OK, graph_version__in=[v_from, v_to]
        )
    }
    for version in (v_from, v_to):
        if version not in runs:
            raise NotFound(
                f"no ranking run is stored at graph version {version}: it was never computed"
                " (a burst of edits is ranked once) or it has been pruned (kept are the"
                f" latest {settings.RANKING_KEEP_RUNS} runs and one a day for"
                f" {settings.RANKING_KEEP_DAILY_DAYS} days); stored versions:"
                f" {_stored_versions(map)}",
                fields={
                    "from" if version == v_from else "to": [
                        "no stored run at this version (never computed, or pruned)"
                    ]
                },
            )

    def scores(run: RankingRun) -> dict[str, tuple[int, float]]:
        return {
            k: (rank, score)
            for k, rank, score in CruxScore.objects.filter(run=run, frame_key="").values_list(
                "crux_key", "rank", "score"
            )
        }

    old, new = scores(runs[v_from]), scores(runs[v_to])
    lo, hi = sorted((v_from, v_to))
    changes = list(
        MapChange.objects.filter(map=map, graph_version__gt=lo, graph_version__lte=hi)
        .select_related("user")
        .order_by("graph_version")
    )
    index = _edge_index(map.pk)
    moved = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        affecting = _affecting_nodes(index, key)
        why = []
        for change in changes:
            if change.action == "map_import" or affecting & set(change.node_keys):
                entry = {
                    "graph_version": change.graph_version,
                    "action": change.action,
                    "nodes": change.node_keys,
                }
                # A vote is no one's business but its voter's: neither who nor when
                # (a moment can name the voter, and the ranking before and after
                # it the vote); its graph version orders it among the edits.
                if not change.action.startswith("vote"):
                    entry["at"] = change.created_at.isoformat()
                    entry["user"] = change.user.username if change.user else None
                why.append(entry)
        moved.append(
            {
                "id": key,
                "old_rank": before[0] if before else None,
                "new_rank": after[0] if after else None,
                "old_score": before[1] if before else None,
                "new_score": after[1] if after else None,
                "why": why,
            }
        )
    moved.sort(key=lambda m: (-abs((m["new_score"] or 0) - (m["old_score"] or 0)), m["id"]))
    return {"from": v_from, "to": v_to, "cruxes": moved}


# ---- How the ranking moved: the pages' rank-change markers and "what changed" strip ----

RANKING_DIFF_CACHE_SECONDS = 600


def _previous_run(map: Map, graph_version: int) -> tuple[int, int] | None:
    """(pk, graph version) of the map's newest successful run before `graph_version`."""
    return (
        RankingRun.objects.filter(map=map, status=RunStatus.OK, graph_version__lt=graph_version)
        .order_by("-graph_version", "-pk")
        .values_list("pk", "graph_version")
        .first()
    )


def ranking_rank_changes(
    *, map: Map, graph_version: int | None, keys: list[str], frame: str = ""
) -> dict:
    """Where the listed cruxes stood in the run before the one at `graph_version`, in the
    global list (`frame` "") or one frame's: {"from": that run's version or None,
    "ranks": {crux key: its rank then}}. Two queries whatever the map's size (the keys
    are a page's rows); none without a latest run, one when there is no earlier run."""
    if graph_version is None or not keys:
        return {"from": None, "ranks": {}}
    previous = _previous_run(map, graph_version)
    if previous is None:
        return {"from": None, "ranks": {}}
    ranks = dict(
        CruxScore.objects.filter(run_id=previous[0], frame_key=frame, crux_key__in=keys)
        .order_by()
        .values_list("crux_key", "rank")
    )
    return {"from": previous[1], "ranks": ranks}


def rank_change(*, old_rank: int | None, new_rank: int, since: int | None) -> dict | None:
    """A row's marker: {"kind": "up" | "down" | "same" | "new", "by": places}; None when
    there is no earlier run to compare with."""
    if since is None:
        return None
    if old_rank is None:
        return {"kind": "new", "by": 0, "since": since}
    by = old_rank - new_rank
    kind = "up" if by > 0 else "down" if by < 0 else "same"
    return {"kind": kind, "by": abs(by), "since": since}


def ranking_diff_latest(*, map: Map, graph_version: int | None) -> dict | None:
    """ranking_diff between the map's run at `graph_version` (its latest) and the one
    before it, or None when there is none before. Both runs and the changes between them
    never change once stored, so the diff is cached per pair of runs (it reads every
    score of both runs and the map's arguments); without the cache it is computed."""
    if graph_version is None:
        return None
    previous = _previous_run(map, graph_version)
    if previous is None:
        return None
    key = f"ranking-diff:1:{map.pk}:{previous[1]}:{graph_version}:{privacy_floor()}"
    cached = _cache_call(cache.get, key)
    if isinstance(cached, dict):
        return cached
    diff = ranking_diff(map=map, v_from=previous[1], v_to=graph_version)
    if cached is not _UNREACHABLE:
        _cache_call(cache.set, key, diff, RANKING_DIFF_CACHE_SECONDS)
    return diff
