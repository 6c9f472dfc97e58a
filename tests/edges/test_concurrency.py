"""Edge writes racing each other and the votes, with real threads on the real PostgreSQL:
no deadlock, no 500, and the rules (groups, one undercut per pair, counts) still hold."""

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from claims.models import Edge, Map
from claims.services import edge_create, edge_delete, edge_update, map_create, node_create
from core.errors import ArgmapError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12
JOIN_TIMEOUT = 45


def run_together(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def thread(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


def unexpected(results: list[object]) -> list[BaseException]:
    """Anything raised but a domain refusal (a deadlock or a constraint is not one)."""
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, ArgmapError)]


@pytest.fixture
def race(db):
    the_map = map_create(slug="race", title="Race", owner=None)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="F", key="frame", created_by=None
    )
    nodes = [
        node_create(map=the_map, kind="crux", title=f"N{i}", key=f"n{i}", created_by=None)
        for i in range(THREADS)
    ]
    edge = edge_create(map=the_map, source=nodes[0], target=frame, kind="supports", created_by=None)
    return {"map": the_map, "frame": frame, "nodes": nodes, "edge": edge}


def test_edits_and_strength_votes_of_one_edge_do_not_deadlock(race):
    from cruxes.services import edge_vote_cast

    voters = [UserFactory(username=f"v{i}") for i in range(THREADS // 2)]
    rounds = 6

    def work(i: int) -> None:
        for k in range(rounds):
            if i % 2:
                edge_update(edge=race["edge"], rationale=f"reason {i}-{k}", weight=0.1 + k / 10)
            else:
                edge_vote_cast(user=voters[i // 2], edge=race["edge"], strength=k / rounds)

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    edge = Edge.objects.get(pk=race["edge"].pk)
    assert edge.revision == 1 + edge.revisions.count()


def test_undercuts_racing_the_deletion_of_their_edge_leave_consistent_counts(race):
    def work(i: int) -> str:
        if i == 0:
            edge_delete(edge=race["edge"])
            return "deleted"
        edge_create(
            map=race["map"],
            source=race["nodes"][i],
            target_edge=race["edge"],
            kind="undercuts",
            created_by=None,
        )
        return "created"

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    assert not Edge.objects.filter(pk=race["edge"].pk).exists()
    # an undercut created before the deletion went with it; none outlives its edge
    assert not Edge.objects.filter(kind="undercuts").exists()
    the_map = Map.objects.get(pk=race["map"].pk)
    assert the_map.edge_count == Edge.objects.filter(map=the_map).count() == 0


def test_concurrent_premises_cannot_make_a_group_of_two_kinds(race):
    def work(i: int) -> str:
        edge_create(
            map=race["map"],
            source=race["nodes"][i],
            target=race["frame"],
            kind="supports" if i % 2 else "undermines",
            group="joint",
            created_by=None,
        )
        return "created"

    results = run_together(THREADS - 1, lambda i: work(i + 1))
    assert unexpected(results) == []
    kinds = set(Edge.objects.filter(group="joint").values_list("kind", flat=True))
    assert len(kinds) == 1
    made = sum(r == "created" for r in results)
    assert made == Edge.objects.filter(group="joint").count() >= 1


def test_one_undercut_per_pair_and_one_edge_per_id_under_a_race(race):
    def work(i: int) -> str:
        edge_create(
            map=race["map"],
            source=race["nodes"][1],
            target_edge=race["edge"],
            kind="undercuts",
            key=f"u{i}",
            created_by=None,
        )
        return "created"

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    assert sum(r == "created" for r in results) == 1
    assert Edge.objects.filter(kind="undercuts").count() == 1
