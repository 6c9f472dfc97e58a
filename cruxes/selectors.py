"""Reads of votes and rankings."""

from claims.models import Edge, Map, Node
from cruxes import ranking
from cruxes.models import CruxScore, RankingRun, RunStatus, Vote
from cruxes.ranking.types import gc_paused


def ranking_inputs(*, map_id: int) -> tuple[list["ranking.NodeInput"], list["ranking.EdgeInput"]]:
    """The engine's input for a map: nodes with their voters' credences, and edges.

    The cyclic garbage collector is paused while the 10^5-10^6 input records are
    built: it would rescan them again and again (about a third of the time on a
    100k-node map).
    """
    credences: dict[int, list[float]] = {}
    keys: dict[int, str] = {}
    with gc_paused():
        for node_id, credence in (
            Vote.objects.filter(node__map_id=map_id)
            .order_by("node_id", "credence")
            .values_list("node_id", "credence")
            .iterator(chunk_size=20_000)
        ):
            credences.setdefault(node_id, []).append(credence)
        nodes = []
        for pk, key, kind, prior in (
            Node.objects.filter(map_id=map_id)
            .order_by("key")
            .values_list("pk", "key", "kind", "prior")
            .iterator(chunk_size=20_000)
        ):
            keys[pk] = key
            nodes.append(
                ranking.NodeInput(
                    key=key, kind=kind, prior=prior, credences=tuple(credences.get(pk, ()))
                )
            )
        edges = [
            ranking.EdgeInput(source=keys[s], target=keys[t], kind=kind, weight=weight)
            for s, t, kind, weight in Edge.objects.filter(map_id=map_id)
            .order_by("id")
            .values_list("source_id", "target_id", "kind", "weight")
            .iterator(chunk_size=20_000)
        ]
    return nodes, edges


_FILTER_KEYS_MAX = 200  # ranking_latest: longest crux_key IN (...) list it sends


def ranking_latest(*, map: Map, frame: str | None = None, limit: int | None = None) -> dict:
    """The latest successful ranking of a map in the `rank_map --json` shape.

    Adds `map_graph_version`, `stale` (the run is older than the map's graph, or
    there is none yet), `computed_at` and `status` (`failed` when the newest
    attempt at the map's version raised).
    """
    run = RankingRun.objects.filter(map=map, status=RunStatus.OK).order_by("-graph_version").first()
    failed = (
        RankingRun.objects.filter(map=map, status=RunStatus.FAILED, graph_version=map.graph_version)
        .values_list("error", flat=True)
        .first()
    )
    out: dict = {
        "graph_version": run.graph_version if run else None,
        "map_graph_version": map.graph_version,
        "stale": run is None or run.graph_version < map.graph_version,
        "computed_at": run.computed_at.isoformat() if run else None,
        "status": "failed" if failed is not None else "ok",
        "frames": run.frames if run else [],
        "cruxes": [],
    }
    if run is None:
        return out
    rows = CruxScore.objects.filter(run=run)
    # values_list, not model instances: a 10k-node map has thousands of score rows.
    if frame is not None:
        ranked = rows.filter(frame_key=frame).order_by("rank")
        if limit is not None:
            ranked = ranked[:limit]
        out["frame"] = frame
        out["cruxes"] = [
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
            }
            for key, rank, score, credence, n_votes, uncertainty, delta, if_true, if_false in (
                ranked.values_list(
                    "crux_key",
                    "rank",
                    "score",
                    "credence",
                    "n_votes",
                    "uncertainty",
                    "delta",
                    "strength_if_true",
                    "strength_if_false",
                )
            )
        ]
        return out
    global_rows = rows.filter(frame_key="").order_by("rank")
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
            "frames": [],
        }
        for key, rank, score, credence, n_votes, uncertainty in global_rows.values_list(
            "crux_key", "rank", "score", "credence", "n_votes", "uncertainty"
        )
    }
    per_frame = rows.exclude(frame_key="")
    if limit is not None and len(cruxes) <= _FILTER_KEYS_MAX:
        # A short page: fetch only its cruxes' rows. A long one (or all) reads the
        # run's rows and skips the rest below, rather than send thousands of keys.
        per_frame = per_frame.filter(crux_key__in=list(cruxes))
    for key, frame_key, score, delta, if_true, if_false in per_frame.order_by(
        "crux_key", "-score", "frame_key"
    ).values_list(
        "crux_key", "frame_key", "score", "delta", "strength_if_true", "strength_if_false"
    ):
        crux = cruxes.get(key)
        if crux is not None:
            crux["frames"].append(
                {
                    "frame": frame_key,
                    "score": score,
                    "delta": delta,
                    "strength_if_true": if_true,
                    "strength_if_false": if_false,
                }
            )
    out["cruxes"] = sorted(cruxes.values(), key=lambda c: c["rank"])
    return out


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


def credence_summary(*, node: Node) -> dict:
    """n, mean, median, log-odds mean, SD, 10-bin histogram, prior, aggregate."""
    from cruxes.ranking.credence import aggregate_one

    values = list(Vote.objects.filter(node=node).values_list("credence", flat=True))
    agg = aggregate_one(values, node.prior)
    return {
        "n": agg.n,
        "mean": agg.mean,
        "median": agg.median,
        "logodds_mean": agg.logodds_mean,
        "sd": agg.sd,
        "histogram": list(agg.histogram),
        "prior": agg.prior,
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
    from collections import defaultdict

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


def ranking_diff(*, map: Map, v_from: int, v_to: int) -> dict:
    """How the global ranking changed between two stored runs, and why."""
    from claims.errors import NotFound
    from claims.models import MapChange

    runs = {
        r.graph_version: r
        for r in RankingRun.objects.filter(
            map=map, status=RunStatus.OK, graph_version__in=[v_from, v_to]
        )
    }
    for version in (v_from, v_to):
        if version not in runs:
            raise NotFound(
                f"no stored ranking run at graph version {version}",
                fields={"from" if version == v_from else "to": ["no run at this version"]},
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
                    "at": change.created_at.isoformat(),
                }
                if not change.action.startswith("vote"):
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
