"""Selectors shaped for the pages that show the ranking and credences: plain
dicts, a fixed number of queries whatever the map's size (the pages show
bounded lists)."""

import difflib
import re
from collections import defaultdict

from django.db.models import F, Q

from claims.merged import LIVE
from claims.models import Edge, EdgeKind, EdgeRevision, FrameCategory, Map, Node, NodeKind
from claims.page_selectors import node_moderation, nodes_by_key
from cruxes.models import CruxScore, RankingRun, RunStatus, Vote
from cruxes.privacy import privacy_floor, statistics_withheld
from cruxes.selectors import (
    credence_summary,
    edge_strengths,
    rank_change,
    ranking_diff_latest,
    ranking_latest,
    ranking_overview,
    ranking_rank_changes,
    stored_route,
)

TOP_PER_FRAME = 3
GLOBAL_ROWS = 30
FRAME_ROWS = 30
PANEL_FRAMES = 3  # frames a node page's "why this rank" explains (the most moved)
# "People are split": disagreement (0-1, the shrunk spread of the votes) from which the
# page calls it high, and moderate.
SPLIT_HIGH = 0.5
SPLIT_MODERATE = 0.2
CHANGED_ROWS = 5  # the map page's "what changed" strip: the cruxes that moved most


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
        n.key: n
        for n in Node.objects.filter(
            LIVE, map=the_map, kind=NodeKind.FRAME, hidden_at__isnull=True
        ).order_by("title")
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
    moves = ranking_rank_changes(
        map=the_map, graph_version=ranking["graph_version"], keys=[c["id"] for c in global_rows]
    )
    rows = [
        {
            **c,
            "node": titles[c["id"]],
            "change": rank_change(
                old_rank=moves["ranks"].get(c["id"]), new_rank=c["rank"], since=moves["from"]
            ),
        }
        for c in global_rows
        if c["id"] in titles
    ]
    return {
        "ranking": ranking,
        "groups": groups,
        "rows": rows,
        "privacy_floor": privacy_floor(),
        "changed": _what_changed(the_map, ranking["graph_version"]),
    }


_ACTIONS = {  # MapChange.action in the words of the "what changed" strip
    "vote_cast": "a vote on",
    "vote_withdraw": "a withdrawn vote on",
    "vote_edge_cast": "a strength vote on an argument of",
    "vote_edge_withdraw": "a withdrawn strength vote on an argument of",
    "node_create": "the new node",
    "node_update": "an edit of",
    "node_delete": "the removal of",
    "edge_create": "a new argument between",
    "edge_update": "an edit of an argument between",
    "edge_delete": "a removed argument between",
    "map_import": "the map's import",
    "member_admit": "a member admitted (their votes now count fully)",
    "member_remove": "a member removed",
    "node_hide": "a node hidden by the moderators:",
    "node_restore": "the restoring of",
    "node_revert": "a revert of",
    "edge_revert": "a reverted argument between",
}


def _what_changed(the_map: Map, graph_version: int | None) -> dict | None:
    """The map page's "what changed" strip: the cruxes the latest run moved most against
    the run before it (cruxes.selectors.ranking_diff), each with what changed on the map
    in between in plain words. A fixed number of queries (the diff is cached per pair of
    runs; the titles are one query)."""
    diff = ranking_diff_latest(map=the_map, graph_version=graph_version)
    if diff is None:
        return None
    moved = [m for m in diff["cruxes"] if m["old_rank"] != m["new_rank"]][:CHANGED_ROWS]
    because, seen = [], set()
    for m in moved:
        for w in m["why"]:  # one line per kind of change and its nodes (3 votes on X: one)
            what = (w["action"], tuple(w["nodes"]), w.get("user"))
            if what not in seen:
                seen.add(what)
                because.append(w)
    keys = {m["id"] for m in moved} | {k for w in because[:CHANGED_ROWS] for k in w["nodes"]}
    titles = nodes_by_key(the_map, keys) if keys else {}
    rows = []
    for m in moved:
        node = titles.get(m["id"])
        rows.append(
            {
                "node": node,
                "key": m["id"],
                "old_rank": m["old_rank"],
                "new_rank": m["new_rank"],
                "change": rank_change(
                    old_rank=m["old_rank"], new_rank=m["new_rank"], since=diff["from"]
                )
                if m["new_rank"] is not None
                else {"kind": "gone", "by": 0, "since": diff["from"]},
            }
        )
    causes = [
        {
            "what": _ACTIONS.get(w["action"], w["action"].replace("_", " ")),
            "nodes": [titles.get(k) or k for k in w["nodes"][:3]],
            "more": max(len(w["nodes"]) - 3, 0),
            "user": w.get("user"),
        }
        for w in because[:CHANGED_ROWS]
    ]
    return {"from": diff["from"], "to": diff["to"], "rows": rows, "causes": causes}


def frame_page(*, the_map: Map, frame: Node, user) -> dict:
    moderation = node_moderation(the_map=the_map, node=frame, user=user)
    ranking = ranking_latest(map=the_map, frame=frame.key, limit=FRAME_ROWS)
    strength = next((f["strength"] for f in ranking["frames"] if f["id"] == frame.key), None)
    keys = [c["id"] for c in ranking["cruxes"]]
    routes = {c["id"]: _route_to(c["why"], frame.key) for c in ranking["cruxes"]}
    nodes = nodes_by_key(the_map, {*keys, *(k for r in routes.values() for k in r)})
    hops = _hop_kinds(nodes, routes.values())
    ids = [n.pk for n in nodes.values()]
    hist = _histograms(ids)
    mine = _my_votes(user, ids)
    moves = ranking_rank_changes(
        map=the_map, graph_version=ranking["graph_version"], keys=keys, frame=frame.key
    )
    rows = []
    for c in ranking["cruxes"]:
        node = nodes.get(c["id"])
        if node is None:
            continue
        my = mine.get(node.pk)
        why = _why_panel(c, ranking.get("ranked"), scope="for this frame")
        why["moves"] = [
            _move(
                frame=frame,
                now=strength,
                if_true=c["strength_if_true"],
                if_false=c["strength_if_false"],
                route=_hops(routes[c["id"]], nodes, hops),
            )
        ]
        why["more"] = sum(1 for m in c["why"]["frames"] if m["frame"] != frame.key)
        rows.append(
            {
                **c,
                "node": node,
                "histogram": hist[node.pk],
                "my_credence": my[0] if my else None,
                "my_stale": bool(my and my[1] < node.revision),
                "panel": why,
                "change": rank_change(
                    old_rank=moves["ranks"].get(c["id"]), new_rank=c["rank"], since=moves["from"]
                ),
            }
        )
    tornado = sorted(
        (r for r in rows if r["strength_if_true"] is not None),
        key=lambda r: (-abs(r["strength_if_true"] - r["strength_if_false"]), r["id"]),
    )
    axis = _tornado_axis(tornado, strength)
    relatives = (
        Edge.objects.filter(
            Q(source=frame) | Q(target=frame), kind__in=[EdgeKind.SUBFRAME_OF, EdgeKind.RELATED]
        )
        .filter(source__hidden_at__isnull=True, target__hidden_at__isnull=True)
        .select_related("source", "target")
    )
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
        "moderation": moderation,
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
    moderation = node_moderation(the_map=the_map, node=node, user=user)
    run = (
        RankingRun.objects.filter(map=the_map, status=RunStatus.OK)
        .order_by("-graph_version")
        .only("pk", "graph_version", "frames", "ranked")
        .first()
    )
    bears_on, panel = [], None
    if run is not None:
        # The crux's global row and its frames' rows, in one query.
        rows = list(CruxScore.objects.filter(run=run, crux_key=node.key))
        overall = next((s for s in rows if s.frame_key == ""), None)
        scores = sorted(
            (s for s in rows if s.frame_key != ""), key=lambda s: (-s.score, s.frame_key)
        )
        moved = sorted(scores, key=lambda s: (-abs(s.delta), s.frame_key))[:PANEL_FRAMES]
        routes = {s.frame_key: stored_route(s.path) for s in moved}
        route_keys = {k for r in routes.values() for k in r}
        frames = nodes_by_key(the_map, {*(s.frame_key for s in scores), *route_keys})
        hops = _hop_kinds(frames, routes.values())
        tallies = run.ranked or {}
        bears_on = [
            {
                "frame": frames[s.frame_key],
                "score": s.score,
                "delta": s.delta,
                "rank": s.rank,
                "shared": str(s.rank) in tallies.get(s.frame_key, {}).get("shared", {}),
            }
            for s in scores
            if s.frame_key in frames
        ]
        if overall is not None:
            panel = _node_panel(run, overall, moved, routes, frames, hops, len(scores))
    incoming, outgoing = node_edges(the_map=the_map, node=node, user=user)
    _attach_edge_revisions([*incoming, *outgoing])
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
                "title": word_diff(r.title, newer_title),
                "text": word_diff(r.text, newer_text),
            }
        )
        newer_title, newer_text, newer_revision = r.title, r.text, r.revision
    mine = _my_votes(user, [node.pk]).get(node.pk)
    return {
        "bears_on": bears_on,
        "why": panel,
        "supporters": [e for e in incoming if e["edge"].kind == EdgeKind.SUPPORTS],
        "underminers": [e for e in incoming if e["edge"].kind == EdgeKind.UNDERMINES],
        "other_in": [
            e for e in incoming if e["edge"].kind not in (EdgeKind.SUPPORTS, EdgeKind.UNDERMINES)
        ],
        "outgoing": outgoing,
        "diffs": diffs,
        "credence": credence_summary(node=node),
        "my_credence": mine[0] if mine else None,
        "my_stale": bool(mine and mine[1] < node.revision),
        "moderation": moderation,
    }


def _attach_edge_revisions(entries: list[dict]) -> None:
    """Each edge entry's older revisions, newest first, as `revisions` (for the owner's
    and editors' "Revert to this"): one query for every edge of the page."""
    every = []
    stack = list(entries)
    while stack:
        entry = stack.pop()
        every.append(entry)
        stack.extend(entry["undercut_by"])
    by_edge: dict[int, list[dict]] = defaultdict(list)
    for row in (
        EdgeRevision.objects.filter(edge_id__in={e["edge"].pk for e in every})
        .order_by("edge_id", "-revision")
        .values(
            "edge_id",
            "revision",
            "rationale",
            "weight",
            "group",
            "sources",
            "created_at",
            editor=F("edited_by__username"),
        )
    ):
        by_edge[row["edge_id"]].append(row)
    for entry in every:
        entry["revisions"] = by_edge.get(entry["edge"].pk, [])


_WORDS = re.compile(r"\s+|[^\s\w]|\w+")


def word_diff(old: str, new: str) -> list[dict]:
    """`old` -> `new` as the revision history shows it: runs of words kept, removed
    ("del") or added ("add"), [{"op": "same" | "del" | "add", "text": ...}]; a changed
    word is its removal then its addition. Words, spaces and punctuation are the units,
    so a changed word is marked alone, not its whole line."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[dict] = []

    def put(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        if out and out[-1]["op"] == op:
            out[-1]["text"] += "".join(tokens)
        else:
            out.append({"op": op, "text": "".join(tokens)})

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            put("same", a[i1:i2])
        else:
            put("del", a[i1:i2])
            put("add", b[j1:j2])
    return out


# ---- The edges of a node page: arguments with their rationale, sources and strength ----


def node_edges(*, the_map: Map, node: Node, user) -> tuple[list[dict], list[dict]]:
    """The edges into and out of `node` as the node page shows them, in a fixed number of
    queries whatever their number: the edges and their sources; the undercuts of those
    and their sources; the other premises of the linked arguments out of the node (when
    there are any); the votes, and (when there are votes) the voters' standing.

    Each: {"edge": Edge (its ends, and an undercut's attacked edge with its ends,
    loaded), "sources": [EdgeSource], "group_with": [Node] (the other premises of its
    linked argument), "undercut_by": [the same dicts, for the undercuts attacking it],
    "strength": cruxes.selectors.edge_strengths' summary (privacy floor applied, the
    viewer's own vote under "mine")}. Incoming first by kind and source title,
    outgoing by kind and target title.
    """
    # Not the edges to or from another node that is hidden (moderated away), nor the
    # undercuts of an argument between hidden nodes.
    shown = list(
        Edge.objects.filter(Q(target=node) | Q(source=node))
        .exclude(Q(source__hidden_at__isnull=False) & ~Q(source=node))
        .exclude(Q(target__hidden_at__isnull=False) & ~Q(target=node))
        .exclude(target_edge__source__hidden_at__isnull=False)
        .exclude(target_edge__target__hidden_at__isnull=False)
        .select_related("source", "target", "target_edge__source", "target_edge__target")
        .prefetch_related("sources")
    )
    undercuts = list(
        Edge.objects.filter(target_edge__in=[e.pk for e in shown], kind=EdgeKind.UNDERCUTS)
        .filter(source__hidden_at__isnull=True)
        .select_related("source")
        .prefetch_related("sources")
        .order_by("source__title", "key")
    )
    # Linked premises: those into this node are all among `shown`; those out of it need
    # the other premises into their targets (one query, only when there are any: folded
    # into the first, the OR would make PostgreSQL scan every edge).
    partners: dict[tuple[int, str, str], list[Node]] = defaultdict(list)
    for e in shown:
        if e.group and e.target_id == node.pk:
            partners[node.pk, e.kind, e.group].append(e.source)
    grouped_out = [e for e in shown if e.group and e.source_id == node.pk]
    if grouped_out:
        for e in (
            Edge.objects.filter(
                map=the_map,
                target_id__in={e.target_id for e in grouped_out},
                group__in={e.group for e in grouped_out},
            )
            .exclude(source=node)
            .filter(source__hidden_at__isnull=True)
            .select_related("source")
        ):
            partners[e.target_id, e.kind, e.group].append(e.source)
    strengths = edge_strengths(edges=[*shown, *undercuts], user=user)
    undercut_by: dict[int, list[dict]] = defaultdict(list)
    for u in undercuts:
        undercut_by[u.target_edge_id].append(_edge_entry(u, strengths, [], []))

    def entry(e: Edge) -> dict:
        group_with = []
        if e.group:
            group_with = sorted(
                (p for p in partners[e.target_id, e.kind, e.group] if p.pk != e.source_id),
                key=lambda p: (p.title, p.key),
            )
        return _edge_entry(e, strengths, group_with, undercut_by.get(e.pk, []))

    incoming = sorted(
        (e for e in shown if e.target_id == node.pk), key=lambda e: (e.kind, e.source.title, e.key)
    )
    outgoing = sorted(
        (e for e in shown if e.source_id == node.pk),
        key=lambda e: (e.kind, _far_end_title(e), e.key),
    )
    return [entry(e) for e in incoming], [entry(e) for e in outgoing]


def _far_end_title(edge: Edge) -> str:
    return edge.target.title if edge.target is not None else edge.target_edge.source.title


def _edge_entry(edge: Edge, strengths: dict, group_with: list, undercut_by: list) -> dict:
    return {
        "edge": edge,
        "sources": list(edge.sources.all()),  # prefetched
        "group_with": group_with,
        "undercut_by": undercut_by,
        "strength": strengths[edge.pk],
    }


# ---- "Why this rank": the panels of the frame and node pages -----------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _why_panel(crux: dict, ranked: dict | None, *, scope: str) -> dict:
    """A crux's place in a list and its figures, as the panel's words need them.

    `crux` is a ranking row (credence and disagreement already None below the privacy
    floor); `ranked` the list's tally ({"count", "shared"}), None for a run stored
    before runs kept one.
    """
    rank = crux["rank"]
    sharing = int((ranked or {}).get("shared", {}).get(str(rank), 1))
    disagreement = crux.get("disagreement")
    withheld = statistics_withheld(crux["n_votes"])
    split = None
    if disagreement is not None and crux["n_votes"] and not withheld:
        split = (
            "high"
            if disagreement >= SPLIT_HIGH
            else "moderate"
            if disagreement >= SPLIT_MODERATE
            else "low"
        )
    return {
        "rank": rank,
        "ordinal": _ordinal(rank),
        "others": sharing - 1,
        "count": (ranked or {}).get("count"),
        "scope": scope,
        "connected": crux.get("connected", True),
        "n_votes": crux["n_votes"],
        "withheld": withheld,
        "floor": privacy_floor(),
        "credence": crux["credence"],
        "split": split,
        "discriminates": (crux.get("discrimination") or 0.0) > 0.0,
        "moves": [],
        "more": 0,
    }


def _node_panel(run, overall, moved, routes, nodes, hops, n_frames: int) -> dict:
    """The node page's panel: the crux's global place, and the frames it moves most."""
    withheld = statistics_withheld(overall.n_votes)  # the privacy floor, as the API's
    crux = {
        "rank": overall.rank,
        "n_votes": overall.n_votes,
        "credence": None if withheld else overall.credence,
        "disagreement": None if withheld else overall.disagreement,
        "discrimination": overall.discrimination,
        "connected": overall.connected,
    }
    panel = _why_panel(crux, (run.ranked or {}).get(""), scope="among all cruxes")
    strength = {f["id"]: f.get("strength") for f in run.frames or []}
    panel["moves"] = [
        _move(
            frame=nodes.get(s.frame_key) or s.frame_key,
            now=strength.get(s.frame_key),
            if_true=s.strength_if_true,
            if_false=s.strength_if_false,
            route=_hops(routes.get(s.frame_key, []), nodes, hops),
        )
        for s in moved
    ]
    panel["more"] = n_frames - len(moved)
    return panel


def _move(*, frame, now, if_true, if_false, route) -> dict:
    """How resolving the crux would move one frame, and the argument that carries it.

    `frame` is the frame's Node, or its key when it has since been deleted."""
    return {
        "frame": frame if isinstance(frame, Node) else None,
        "frame_key": frame.key if isinstance(frame, Node) else frame,
        "now": now,
        "if_true": if_true,
        "if_false": if_false,
        "route": route,
    }


def _route_to(why: dict, frame_key: str) -> list[str]:
    return next((m["path"] for m in why["frames"] if m["frame"] == frame_key), [])


def _hop_kinds(nodes: dict[str, Node], routes) -> dict[tuple[int, int], str]:
    """(source id, target id) -> "supports" / "undermines" for the routes' arguments,
    in one query (none when there is no route)."""
    ids = {nodes[k].pk for route in routes for k in route if k in nodes}
    if not ids:
        return {}
    kinds: dict[tuple[int, int], set[str]] = defaultdict(set)
    for source, target, kind in Edge.objects.filter(
        source_id__in=ids, target_id__in=ids, kind__in=[EdgeKind.SUPPORTS, EdgeKind.UNDERMINES]
    ).values_list("source_id", "target_id", "kind"):
        kinds[source, target].add(kind)
    return {pair: " and ".join(sorted(k)) for pair, k in kinds.items()}


def _hops(route: list[str], nodes: dict[str, Node], kinds: dict) -> list[dict]:
    """A route as the page shows it: each node (None when deleted since the run, then its
    key), and the kind of the argument to the next one."""
    out = []
    for i, key in enumerate(route):
        node = nodes.get(key)
        kind = None
        if i + 1 < len(route):
            nxt = nodes.get(route[i + 1])
            kind = kinds.get((node.pk, nxt.pk)) if node and nxt else None
            kind = kind or "bears on"  # the argument was removed since the run
        out.append({"node": node, "key": key, "kind": kind})
    return out
