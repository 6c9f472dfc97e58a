"""Selectors shaped for the HTML pages: plain dicts, a fixed number of queries
whatever the map's size (the pages show bounded lists)."""

from collections import defaultdict

from django.db.models import Q

from claims.access import map_role
from claims.merged import LIVE  # merge tombstones: out of every list, search and graph
from claims.models import Edge, EdgeKind, Map, Node, NodeKind
from core.errors import NotFound

SEARCH_ROWS = 50


def node_moderation(*, the_map: Map, node: Node, user) -> dict:
    """The moderation state a node's page shows, checked: a hidden node is a 404 for
    everyone but the map's owner and editors (they see it, with who hid it and why).

    No query for a visible node (its page must not cost more for it)."""
    if node.hidden_at is None:
        return {"hidden": False}
    if map_role(user=user, map=the_map) not in ("owner", "editor"):
        raise NotFound(f"no node '{node.key}' in map '{the_map.slug}'")
    hidden_by = (
        Node.objects.filter(pk=node.pk).values_list("hidden_by__username", flat=True).first()
    )
    return {
        "hidden": True,
        "hidden_at": node.hidden_at,
        "hidden_by": hidden_by,
        "hidden_reason": node.hidden_reason,
    }


def nodes_by_key(the_map: Map, keys) -> dict[str, Node]:
    return {
        n.key: n
        for n in Node.objects.filter(LIVE, map=the_map, key__in=list(keys), hidden_at__isnull=True)
    }


def home_maps(*, maps_qs) -> list[Map]:
    # The frame, crux and node counts are the map's own fields (kept by the
    # services): the page reads one row per map, whatever the maps' sizes.
    return list(maps_qs.select_related("owner").order_by("slug"))


def map_search(*, the_map: Map, q: str) -> list[Node]:
    return list(
        Node.objects.filter(LIVE, map=the_map, hidden_at__isnull=True)
        .filter(Q(title__icontains=q) | Q(text__icontains=q))
        .order_by("kind", "title")[:SEARCH_ROWS]
    )


def edge_search(*, the_map: Map, q: str) -> list[tuple[str, str]]:
    """Edges whose id or source title contains `q`: (id, "source kind target") pairs.

    Not those touching a hidden node (moderated away): they are out of the pages."""
    rows = (
        Edge.objects.filter(map=the_map, source__hidden_at__isnull=True)
        .exclude(target__hidden_at__isnull=False)
        .filter(Q(key__icontains=q) | Q(source__title__icontains=q))
        .order_by("key")
        .values_list("key", "kind", "source__title", "target__title", "target_edge__key")[
            :SEARCH_ROWS
        ]
    )
    return [
        (key, f"{source} {kind} {target if target is not None else attacked}")
        for key, kind, source, target, attacked in rows
    ]


# How many nodes the graph view draws by default, and the larger views its
# "show more" link offers: beyond a thousand or so nodes a drawing is neither
# fast nor readable, so the view keeps the ones nearest the frame and says so.
GRAPH_LIMITS = (600, 1_200, 2_400)
GRAPH_LIMIT = GRAPH_LIMITS[0]
# Up to this many nodes the browser lays the graph out in layers (static/js/graph.js
# places the rows itself: a few milliseconds; labels wrapped, none overlapping); above
# it, in rings by distance from the frame (Cytoscape's own concentric layout).
GRAPH_LAYERED_MAX = 200
# Bump when the shape of graph_elements' answer changes, so that no server
# serves another version's cached JSON.
GRAPH_CACHE_FORMAT = 4
GRAPH_CACHE_SECONDS = 3600


def graph_elements(
    *, the_map: Map, frame: Node | None, kinds: set[str], limit: int = GRAPH_LIMIT
) -> dict:
    """Cytoscape elements: what bears on one frame (or on any frame), nearest first.

    A breadth-first walk against the edges from the frame (or from every frame)
    keeps the `limit` nodes closest to it; `total` tells how many bear on it.
    Each node carries `dist`, its distance from the frame; above GRAPH_LAYERED_MAX
    nodes the layout is "concentric" (rings by `dist`), else "layered" (the page's
    own placement: frames on top, rows by `dist`).
    Edges carry their key (`id` "e:<key>"; node keys never hold a colon), kind,
    weight and linked `group`. An undercut's `target` is the target node of the
    edge it attacks (so a drawing without junctions still has two ends) and its
    `target_edge` that edge's id; it is shown when the attacked edge is.
    Three queries whatever the map's size; titles only for the nodes shown.
    """
    from collections import deque

    nodes = {
        pk: (key, kind)
        for pk, key, kind in Node.objects.filter(
            LIVE, map=the_map, hidden_at__isnull=True
        ).values_list("pk", "key", "kind")
    }
    rows = Edge.objects.filter(map=the_map).values_list(
        "pk", "key", "source_id", "target_id", "target_edge_id", "kind", "weight", "group"
    )
    # An edge to a node added after the nodes were read (another statement,
    # another snapshot) is left out rather than failing the page.
    edges = [e for e in rows if e[2] in nodes and (e[3] in nodes or e[4] is not None)]
    by_pk = {e[0]: e for e in edges if e[3] is not None}
    # an undercut, drawn: its source, the attacked edge's target and the attacked edge
    undercuts = [
        (e, by_pk[e[4]])
        for e in edges
        if e[3] is None and e[4] in by_pk and by_pk[e[4]][5] != EdgeKind.RELATED
    ]
    into: dict[int, list[int]] = defaultdict(list)
    for _, _, s, t, _, kind, _, _ in edges:
        if t is not None and kind != EdgeKind.RELATED:  # only what bears on a frame
            into[t].append(s)
    for e, attacked in undercuts:  # an undercut bears on what the attacked edge bears on
        into[attacked[3]].append(e[2])
    if frame is not None:
        starts = [frame.pk]
    else:
        starts = sorted((pk for pk, n in nodes.items() if n[1] == NodeKind.FRAME), key=nodes.get)
    depth = dict.fromkeys(starts, 0)  # insertion order = nearest first
    queue = deque(starts)
    while queue:
        t = queue.popleft()
        for s in into[t]:
            if s not in depth:
                depth[s] = depth[t] + 1
                queue.append(s)
    if frame is None:  # the whole map: nodes no frame reaches come last, one band further out
        unreached = max(depth.values(), default=-1) + 1
        for pk in sorted(nodes, key=nodes.get):
            depth.setdefault(pk, unreached)
    candidates = [pk for pk in depth if nodes[pk][1] in kinds]
    shown = candidates[:limit]
    keep = set(shown)
    titles = dict(Node.objects.filter(pk__in=shown).values_list("pk", "title"))
    kept = [e for e in edges if e[3] is not None and e[2] in keep and e[3] in keep]
    kept_pks = {e[0] for e in kept}
    kept_undercuts = [
        (e, attacked) for e, attacked in undercuts if e[2] in keep and attacked[0] in kept_pks
    ]

    def edge_data(e, target: int, attacked=None) -> dict:
        data = {
            "id": f"e:{e[1]}",
            "source": nodes[e[2]][0],
            "target": nodes[target][0],
            "kind": e[5],
            "weight": e[6],
        }
        if e[7] is not None:
            data["group"] = e[7]
        if attacked is not None:
            data["target_edge"] = f"e:{attacked[1]}"
        return {"data": data}

    return {
        "total": len(candidates),
        "shown": len(shown),
        # the next larger view the page offers, while there is more to show
        "more": next((n for n in GRAPH_LIMITS if n > limit), None)
        if len(candidates) > len(shown)
        else None,
        "layout": "concentric" if len(shown) > GRAPH_LAYERED_MAX else "layered",
        "nodes": [
            {
                "data": {
                    "id": nodes[pk][0],
                    "label": titles.get(pk, ""),
                    "kind": nodes[pk][1],
                    "dist": depth[pk],
                }
            }
            for pk in shown
        ],
        "edges": [edge_data(e, e[3]) for e in kept]
        + [edge_data(e, attacked[3], attacked) for e, attacked in kept_undercuts],
    }


def graph_json(
    *, the_map: Map, frame: Node | None, kinds: set[str], limit: int = GRAPH_LIMIT
) -> bytes:
    """graph_elements as JSON bytes, from the cache while the map is unchanged.

    Computing them reads the whole map (10k nodes, 30k edges: 50-80 ms here, more
    under load) although the view shows at most `limit` nodes; every write
    bumps graph_version, so a key with it never serves an old graph. created_at
    keeps a map re-created under a reused id (a reset database) apart.
    """
    import contextlib
    import json

    from django.core.cache import cache

    key = "argmap:graph:{}:{}:{}:{}:{}:{}:{}".format(
        GRAPH_CACHE_FORMAT,
        the_map.pk,
        the_map.created_at.timestamp(),
        the_map.graph_version,
        frame.pk if frame is not None else "-",
        ",".join(sorted(kinds)),
        limit,
    )
    try:
        body = cache.get(key)
    except Exception:  # noqa: BLE001 - cache down: compute, as without a cache
        body = None
    if body is None:
        elements = graph_elements(the_map=the_map, frame=frame, kinds=kinds, limit=limit)
        body = json.dumps(elements, separators=(",", ":")).encode()
        # cache down: the next view computes again
        with contextlib.suppress(Exception):
            cache.set(key, body, timeout=GRAPH_CACHE_SECONDS)
    return body
