"""Reads of votes and rankings."""

from claims.models import Edge, Map, Node
from cruxes import ranking
from cruxes.models import CruxScore, RankingRun, RunStatus, Vote


def ranking_inputs(*, map_id: int) -> tuple[list["ranking.NodeInput"], list["ranking.EdgeInput"]]:
    """The engine's input for a map: nodes with their voters' credences, and edges."""
    credences: dict[int, list[float]] = {}
    for node_id, credence in (
        Vote.objects.filter(node__map_id=map_id)
        .order_by("node_id", "credence")
        .values_list("node_id", "credence")
        .iterator(chunk_size=20_000)
    ):
        credences.setdefault(node_id, []).append(credence)
    keys: dict[int, str] = {}
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
    if frame is not None:
        rows = rows.filter(frame_key=frame)
        ranked = rows.order_by("rank")
        if limit is not None:
            ranked = ranked[:limit]
        out["frame"] = frame
        out["cruxes"] = [
            {
                "id": r.crux_key,
                "rank": r.rank,
                "score": r.score,
                "credence": r.credence,
                "n_votes": r.n_votes,
                "uncertainty": r.uncertainty,
                "delta": r.delta,
                "strength_if_true": r.strength_if_true,
                "strength_if_false": r.strength_if_false,
            }
            for r in ranked
        ]
        return out
    global_rows = rows.filter(frame_key="").order_by("rank")
    if limit is not None:
        global_rows = global_rows[:limit]
    cruxes = {
        r.crux_key: {
            "id": r.crux_key,
            "rank": r.rank,
            "score": r.score,
            "credence": r.credence,
            "n_votes": r.n_votes,
            "uncertainty": r.uncertainty,
            "frames": [],
        }
        for r in global_rows
    }
    for r in (
        rows.exclude(frame_key="")
        .filter(crux_key__in=list(cruxes))
        .order_by("crux_key", "-score", "frame_key")
    ):
        cruxes[r.crux_key]["frames"].append(
            {
                "frame": r.frame_key,
                "score": r.score,
                "delta": r.delta,
                "strength_if_true": r.strength_if_true,
                "strength_if_false": r.strength_if_false,
            }
        )
    out["cruxes"] = sorted(cruxes.values(), key=lambda c: c["rank"])
    return out
