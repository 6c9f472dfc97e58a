"""Selectors shaped for the pages that show the ranking and credences: plain
dicts, a fixed number of queries whatever the map's size (the pages show
bounded lists)."""

import difflib
from collections import defaultdict

from django.db.models import Q

from claims.models import Edge, EdgeKind, FrameCategory, Map, Node, NodeKind
from claims.page_selectors import nodes_by_key
from cruxes.models import CruxScore, RankingRun, RunStatus, Vote
from cruxes.privacy import privacy_floor, statistics_withheld
from cruxes.selectors import credence_summary, ranking_latest, ranking_overview

TOP_PER_FRAME = 3
GLOBAL_ROWS = 30
FRAME_ROWS = 30


def _histograms(node_ids: list[int]) -> dict[int, list[int] | None]:
    """10-bin vote histograms of the given nodes, in one query; None below the privacy floor."""
    hist: dict[int, list[int]] = defaultdict(lambda: [0] * 10)
    for node_id, credence in Vote.objects.filter(node_id__in=node_ids).values_list(
        "node_id", "credence"
    ):
        hist[node_id][min(int(credence * 10), 9)] += 1
    return defaultdict(
        lambda: [0] * 10,
        {pk: None if statistics_withheld(sum(bins)) else bins for pk, bins in hist.items()},
    )


def _my_votes(user, node_ids: list[int]) -> dict[int, tuple[float, int]]:
    if not user.is_authenticated:
        return {}
    return {
        node_id: (credence, revision)
        for node_id, credence, revision in Vote.objects.filter(
            user=user, node_id__in=node_ids
        ).values_list("node_id", "credence", "node_revision")
    }


def map_page(*, the_map: Map) -> dict:
    ranking = ranking_overview(map=the_map, limit=GLOBAL_ROWS, per_frame=TOP_PER_FRAME)
    frames = {
        n.key: n for n in Node.objects.filter(map=the_map, kind=NodeKind.FRAME).order_by("title")
    }
    strength = {f["id"]: f["strength"] for f in ranking["frames"]}
    per_frame = ranking["top_per_frame"]
    top_keys = {e["id"] for entries in per_frame.values() for e in entries}
    global_rows = ranking["cruxes"]
    titles = nodes_by_key(the_map, top_keys | {c["id"] for c in global_rows})
    groups = []
    for category, label in FrameCategory.choices:
        cards = [
            {
                "node": f,
                "strength": strength.get(f.key),
                "top": [
                    {"node": titles[e["id"]], "score": e["score"]}
                    for e in per_frame.get(f.key, [])
                    if e["id"] in titles
                ],
            }
            for f in frames.values()
            if f.category == category
        ]
        groups.append({"category": category, "label": label, "cards": cards})
    uncategorised = [f for f in frames.values() if f.category is None]
    if uncategorised:
        groups.append(
            {
                "category": "none",
                "label": "Frames without a category",
                "cards": [
                    {"node": f, "strength": strength.get(f.key), "top": []} for f in uncategorised
                ],
            }
        )
    rows = [{**c, "node": titles[c["id"]]} for c in global_rows if c["id"] in titles]
    return {"ranking": ranking, "groups": groups, "rows": rows, "privacy_floor": privacy_floor()}


def frame_page(*, the_map: Map, frame: Node, user) -> dict:
    ranking = ranking_latest(map=the_map, frame=frame.key, limit=FRAME_ROWS)
    strength = next((f["strength"] for f in ranking["frames"] if f["id"] == frame.key), None)
    keys = [c["id"] for c in ranking["cruxes"]]
    nodes = nodes_by_key(the_map, keys)
    ids = [n.pk for n in nodes.values()]
    hist = _histograms(ids)
    mine = _my_votes(user, ids)
    rows = []
    for c in ranking["cruxes"]:
        node = nodes.get(c["id"])
        if node is None:
            continue
        my = mine.get(node.pk)
        rows.append(
            {
                **c,
                "node": node,
                "histogram": hist[node.pk],
                "my_credence": my[0] if my else None,
                "my_stale": bool(my and my[1] < node.revision),
            }
        )
    tornado = sorted(
        (r for r in rows if r["strength_if_true"] is not None),
        key=lambda r: (-abs(r["strength_if_true"] - r["strength_if_false"]), r["id"]),
    )
    axis = _tornado_axis(tornado, strength)
    relatives = Edge.objects.filter(
        Q(source=frame) | Q(target=frame), kind__in=[EdgeKind.SUBFRAME_OF, EdgeKind.RELATED]
    ).select_related("source", "target")
    subframes, parents, related = [], [], []
    for e in relatives:
        if e.kind == EdgeKind.SUBFRAME_OF:
            (subframes if e.target_id == frame.pk else parents).append(
                e.source if e.target_id == frame.pk else e.target
            )
        else:
            related.append(e.target if e.source_id == frame.pk else e.source)
    return {
        "ranking": ranking,
        "strength": strength,
        "rows": rows,
        "tornado": tornado,
        "axis": axis,
        "subframes": subframes,
        "parents": parents,
        "related": related,
        "privacy_floor": privacy_floor(),
    }


def _tornado_axis(rows: list[dict], strength: float | None, width: int = 360) -> dict:
    """The tornado chart's horizontal axis: zoomed to the bars, padded by 10 %.

    Adds each row's bar geometry (x, w, rises) in SVG units of `width`.
    """
    values = [v for r in rows for v in (r["strength_if_true"], r["strength_if_false"])]
    if strength is not None:
        values.append(strength)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((hi - lo) * 0.1, 0.01)
    lo, hi = max(0.0, lo - pad), min(1.0, hi + pad)
    scale = width / (hi - lo)
    for r in rows:
        a, b = sorted((r["strength_if_false"], r["strength_if_true"]))
        r["bar"] = {
            "x": round((a - lo) * scale, 1),
            "w": max(round((b - a) * scale, 1), 1.0),
            "rises": r["strength_if_true"] >= r["strength_if_false"],
        }
    return {
        "lo": lo,
        "hi": hi,
        "height": 10 * len(rows) + 12,
        "now": None if strength is None else round((strength - lo) * scale, 1),
    }


def node_page(*, the_map: Map, node: Node, user) -> dict:
    run = (
        RankingRun.objects.filter(map=the_map, status=RunStatus.OK)
        .order_by("-graph_version")
        .only("pk", "graph_version")
        .first()
    )
    bears_on = []
    if run is not None:
        scores = list(
            CruxScore.objects.filter(run=run, crux_key=node.key)
            .exclude(frame_key="")
            .order_by("-score", "frame_key")
        )
        frames = nodes_by_key(the_map, [s.frame_key for s in scores])
        bears_on = [
            {"frame": frames[s.frame_key], "score": s.score, "delta": s.delta, "rank": s.rank}
            for s in scores
            if s.frame_key in frames
        ]
    incoming = list(
        Edge.objects.filter(target=node).select_related("source").order_by("kind", "source__title")
    )
    outgoing = list(
        Edge.objects.filter(source=node).select_related("target").order_by("kind", "target__title")
    )
    revisions = list(node.revisions.select_related("edited_by").order_by("-revision"))
    diffs = []
    newer_title, newer_text = node.title, node.text
    newer_revision = node.revision
    for r in revisions:
        diffs.append(
            {
                "revision": r.revision,
                "to": newer_revision,
                "edited_by": r.edited_by.username if r.edited_by else None,
                "at": r.created_at,
                "lines": list(
                    difflib.unified_diff(
                        f"{r.title}\n\n{r.text}".splitlines(),
                        f"{newer_title}\n\n{newer_text}".splitlines(),
                        lineterm="",
                        n=1,
                    )
                )[2:],
            }
        )
        newer_title, newer_text, newer_revision = r.title, r.text, r.revision
    mine = _my_votes(user, [node.pk]).get(node.pk)
    return {
        "bears_on": bears_on,
        "supporters": [e for e in incoming if e.kind == EdgeKind.SUPPORTS],
        "underminers": [e for e in incoming if e.kind == EdgeKind.UNDERMINES],
        "other_in": [e for e in incoming if e.kind not in (EdgeKind.SUPPORTS, EdgeKind.UNDERMINES)],
        "outgoing": outgoing,
        "diffs": diffs,
        "credence": credence_summary(node=node),
        "my_credence": mine[0] if mine else None,
        "my_stale": bool(mine and mine[1] < node.revision),
    }
