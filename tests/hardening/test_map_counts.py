"""Each map keeps its own node, frame, crux and edge counts, right after every change
(issue 12, item 1).

The map list and the home page read the counts from the map's row instead of
counting the graph on every request (which cost more the larger the largest map
was). So every service that adds or removes nodes or edges must move them, in
the same UPDATE that bumps graph_version. Each test compares what the map list
and the home page show with the rows that are really there.
"""

import json
import re
import threading
from functools import partial

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient

from claims.models import Edge, Map, Node, NodeKind
from claims.services import (
    edge_create,
    edge_delete,
    edge_update,
    map_create,
    map_import,
    node_create,
    node_delete,
    node_update,
)
from core.errors import Conflict
from tests.concurrency.test_concurrency import run_together, unexpected
from tests.conftest import SEED_PATH

COUNTS = ("node_count", "frame_count", "crux_count", "edge_count")


def real_counts(the_map: Map) -> dict[str, int]:
    nodes = Node.objects.filter(map=the_map)
    return {
        "node_count": nodes.count(),
        "frame_count": nodes.filter(kind=NodeKind.FRAME).count(),
        "crux_count": nodes.filter(kind=NodeKind.CRUX).count(),
        "edge_count": Edge.objects.filter(map=the_map).count(),
    }


def stored_counts(the_map: Map) -> dict[str, int]:
    return Map.objects.values(*COUNTS).get(pk=the_map.pk)


def shown_counts(the_map: Map) -> dict[str, int]:
    """The counts a visitor sees: the API's map list and the home page's card."""
    listed = {m["slug"]: m for m in APIClient().get("/api/v1/maps/").json()}[the_map.slug]
    page = Client().get("/").content.decode()
    card = re.search(
        rf'href="/maps/{the_map.slug}/">[^<]*</a></h2>\s*<p class="muted">'
        r"(\d+) frames · (\d+) cruxes · (\d+) nodes",
        page,
    )
    assert card is not None, page
    frames, cruxes, nodes = map(int, card.groups())
    assert nodes == listed["nodes"], "the page and the API disagree"
    return {
        "node_count": listed["nodes"],
        "frame_count": frames,
        "crux_count": cruxes,
        "edge_count": listed["edges"],
    }


def assert_counts_are_real(the_map: Map) -> dict[str, int]:
    real = real_counts(the_map)
    assert stored_counts(the_map) == real
    assert shown_counts(the_map) == real
    return real


@pytest.fixture
def graph(owner):
    """A public map: one frame, three cruxes supporting it, one claim undermining a crux."""
    the_map = map_create(slug="counted", title="Counted", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    nodes = {"frame": frame}
    for key in ("crux-a", "crux-b", "crux-c"):
        nodes[key] = node_create(map=the_map, kind="crux", title=key, key=key, created_by=owner)
        edge_create(map=the_map, source=nodes[key], target=frame, kind="supports", created_by=owner)
    nodes["claim"] = node_create(
        map=the_map, kind="claim", title="Claim", key="claim", created_by=owner
    )
    edge_create(
        map=the_map,
        source=nodes["claim"],
        target=nodes["crux-a"],
        kind="undermines",
        created_by=owner,
    )
    return the_map, nodes


# --- every service that adds or removes rows --------------------------------------


@pytest.mark.django_db
def test_a_new_map_shows_no_nodes_and_no_edges(owner):
    the_map = map_create(slug="empty", title="Empty", owner=owner)
    assert assert_counts_are_real(the_map) == dict.fromkeys(COUNTS, 0)


@pytest.mark.django_db
def test_creating_nodes_and_edges_counts_each_by_kind(graph):
    the_map, _ = graph
    assert assert_counts_are_real(the_map) == {
        "node_count": 5,
        "frame_count": 1,
        "crux_count": 3,
        "edge_count": 4,
    }


@pytest.mark.django_db
def test_deleting_an_edge_counts_one_edge_less(graph, owner):
    the_map, nodes = graph
    edge = Edge.objects.get(source=nodes["crux-b"], target=nodes["frame"])
    edge_delete(edge=edge, user=owner)
    assert assert_counts_are_real(the_map)["edge_count"] == 3


@pytest.mark.django_db
def test_deleting_a_node_also_uncounts_the_edges_it_took_with_it(graph, owner):
    the_map, nodes = graph
    # crux-a has an edge out (to the frame) and one in (from the claim).
    node_delete(node=nodes["crux-a"], user=owner)
    assert assert_counts_are_real(the_map) == {
        "node_count": 4,
        "frame_count": 1,
        "crux_count": 2,
        "edge_count": 2,
    }
    node_delete(node=nodes["frame"], user=owner)
    assert assert_counts_are_real(the_map) == {
        "node_count": 3,
        "frame_count": 0,
        "crux_count": 2,
        "edge_count": 0,
    }


@pytest.mark.django_db
def test_a_node_deleted_twice_is_uncounted_once(graph, owner):
    """Two requests deleting one node: the second removes nothing and changes no count."""
    the_map, nodes = graph
    second_request = Node.objects.get(pk=nodes["crux-a"].pk)
    node_delete(node=nodes["crux-a"], user=owner)
    node_delete(node=second_request, user=owner)
    assert assert_counts_are_real(the_map)["node_count"] == 4


@pytest.mark.django_db
def test_an_edge_deleted_twice_is_uncounted_once(graph, owner):
    the_map, nodes = graph
    first = Edge.objects.get(source=nodes["crux-b"], target=nodes["frame"])
    second_request = Edge.objects.get(pk=first.pk)
    edge_delete(edge=first, user=owner)
    edge_delete(edge=second_request, user=owner)
    assert assert_counts_are_real(the_map)["edge_count"] == 3


@pytest.mark.django_db
def test_edits_that_add_and_remove_nothing_leave_the_counts(graph, owner):
    the_map, nodes = graph
    before = assert_counts_are_real(the_map)
    node_update(node=nodes["claim"], edited_by=owner, expected_revision=1, title="Reworded")
    node_update(node=nodes["crux-b"], edited_by=owner, prior=0.7)
    edge = Edge.objects.get(source=nodes["crux-b"], target=nodes["frame"])
    edge_update(edge=edge, kind="undermines", weight=0.3, user=owner)
    assert assert_counts_are_real(the_map) == before


@pytest.mark.django_db
def test_refused_changes_leave_the_counts(graph, owner):
    the_map, nodes = graph
    before = assert_counts_are_real(the_map)
    with pytest.raises(Conflict):
        node_create(map=the_map, kind="crux", title="Again", key="crux-a", created_by=owner)
    with pytest.raises(Conflict):
        edge_create(
            map=the_map,
            source=nodes["crux-a"],
            target=nodes["frame"],
            kind="supports",
            created_by=owner,
        )
    assert assert_counts_are_real(the_map) == before


@pytest.mark.django_db
def test_an_import_counts_the_files_nodes_and_edges(owner):
    doc = json.loads(SEED_PATH.read_bytes())
    map_import(data=doc, owner=owner)
    the_map = Map.objects.get(slug=doc["map"]["slug"])
    counted = assert_counts_are_real(the_map)
    kinds = [n["kind"] for n in doc["nodes"]]
    assert counted == {
        "node_count": len(doc["nodes"]),
        "frame_count": kinds.count("frame"),
        "crux_count": kinds.count("crux"),
        "edge_count": len(doc["edges"]),
    }
    assert counted["frame_count"] >= 13 and counted["crux_count"] >= 40


@pytest.mark.django_db
def test_a_replacing_import_counts_the_new_graph_not_the_old(owner):
    doc = json.loads(SEED_PATH.read_bytes())
    map_import(data=doc, owner=owner)
    smaller = json.loads(SEED_PATH.read_bytes())
    kept = {n["id"] for n in smaller["nodes"][:30]}
    smaller["nodes"] = [n for n in smaller["nodes"] if n["id"] in kept]
    # The arguments among the kept nodes (no undercuts, no linked groups cut in half).
    smaller["edges"] = [
        {**e, "group": None}
        for e in smaller["edges"]
        if e["source"] in kept and e.get("target") in kept
    ]
    map_import(data=smaller, owner=owner, replace=True)
    counted = assert_counts_are_real(Map.objects.get(slug=doc["map"]["slug"]))
    assert counted["node_count"] == 30 and counted["edge_count"] == len(smaller["edges"])


@pytest.mark.django_db
def test_deleting_nodes_and_edges_in_the_admin_keeps_the_counts(graph, admin_client):
    the_map, nodes = graph
    edge = Edge.objects.get(source=nodes["crux-c"], target=nodes["frame"])
    assert (
        admin_client.post(f"/admin/claims/edge/{edge.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert assert_counts_are_real(the_map)["edge_count"] == 3
    # Two nodes joined by an edge, in one action: the first delete takes that
    # edge with it, the second must not uncount it again.
    response = admin_client.post(
        "/admin/claims/node/",
        {
            "action": "delete_selected",
            "_selected_action": [str(nodes["claim"].pk), str(nodes["crux-a"].pk)],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert assert_counts_are_real(the_map) == {
        "node_count": 3,
        "frame_count": 1,
        "crux_count": 2,
        "edge_count": 1,
    }


# --- the database refuses impossible counts -------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"node_count": -1, "frame_count": 0, "crux_count": 0},
        {"edge_count": -1},
        {"frame_count": -1},
        {"crux_count": -1},
        {"node_count": 2, "frame_count": 2, "crux_count": 1},
    ],
    ids=["negative nodes", "negative edges", "negative frames", "negative cruxes", "too many"],
)
def test_the_database_refuses_counts_that_cannot_be(graph, change):
    the_map, _ = graph
    with pytest.raises(IntegrityError), transaction.atomic():
        Map.objects.filter(pk=the_map.pk).update(**change)


# --- the migration ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_nodes_and_edges_of_existing_maps():
    before = [("claims", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        OldMap, OldNode, OldEdge = (old.get_model("claims", m) for m in ("Map", "Node", "Edge"))
        full = OldMap.objects.create(slug="full", title="Full")
        OldMap.objects.create(slug="empty", title="Empty")
        frame = OldNode.objects.create(
            map=full, key="frame", kind="frame", category="outer", title="F"
        )
        OldNode.objects.create(map=full, key="claim", kind="claim", title="C")
        for i in range(3):
            crux = OldNode.objects.create(map=full, key=f"crux-{i}", kind="crux", title="X")
            OldEdge.objects.create(map=full, source=crux, target=frame, kind="supports")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert stored_counts(Map.objects.get(slug="full")) == {
        "node_count": 5,
        "frame_count": 1,
        "crux_count": 3,
        "edge_count": 3,
    }
    assert stored_counts(Map.objects.get(slug="empty")) == dict.fromkeys(COUNTS, 0)


# --- concurrent changes ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_nodes_created_at_once_on_one_map_are_all_counted(owner):
    """The UPDATE's row lock serialises the increments: none is lost."""
    the_map = map_create(slug="raced", title="Raced", owner=owner)
    kinds = [NodeKind.FRAME, NodeKind.CLAIM, NodeKind.CRUX, NodeKind.CRUX]

    def work(i: int) -> Node:
        kind = kinds[i % len(kinds)]
        return node_create(
            map=the_map,
            kind=kind,
            category="inner" if kind == NodeKind.FRAME else None,
            title=f"Node {i}",
            created_by=owner,
        )

    results = run_together(12, work)
    assert unexpected(results) == []
    assert assert_counts_are_real(the_map) == {
        "node_count": 12,
        "frame_count": 3,
        "crux_count": 6,
        "edge_count": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_nodes_and_edges_deleted_and_created_at_once_keep_the_counts_right(owner):
    """Deletes (some of one node or edge by two requests at once) racing with creates."""
    the_map = map_create(slug="churn", title="Churn", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    cruxes = [
        node_create(map=the_map, kind="crux", title=f"C{i}", key=f"c{i}", created_by=owner)
        for i in range(4)
    ]
    for crux in cruxes:
        edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    claim = node_create(map=the_map, kind="claim", title="Claim", key="claim", created_by=owner)
    related = edge_create(map=the_map, source=claim, target=frame, kind="related", created_by=owner)
    lock = threading.Lock()
    created: list[Node] = []

    def grow(i: int) -> None:
        crux = node_create(map=the_map, kind="crux", title=f"New {i}", created_by=owner)
        edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
        with lock:
            created.append(crux)

    # Each request reads its own copy of the row first, as two HTTP requests would:
    # the first two cruxes and the related edge are deleted twice at once.
    node_copies = [Node.objects.get(pk=c.pk) for c in [*cruxes, *cruxes[:2]]]
    edge_copies = [Edge.objects.get(pk=related.pk) for _ in range(2)]
    jobs = [partial(node_delete, node=n, user=owner) for n in node_copies]
    jobs += [partial(edge_delete, edge=e, user=owner) for e in edge_copies]
    jobs += [partial(grow, i) for i in range(4)]
    results = run_together(len(jobs), lambda i: jobs[i]())
    assert unexpected(results) == []
    assert len(created) == 4
    assert assert_counts_are_real(the_map) == {
        "node_count": 6,  # frame, claim and the four new cruxes
        "frame_count": 1,
        "crux_count": 4,
        "edge_count": 4,
    }
