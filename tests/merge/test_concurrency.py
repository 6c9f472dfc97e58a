"""Merges racing each other and racing votes, with real threads and transactions
(each thread has its own connection): one merge of an overlapping pair wins, the
other gets a 409 with nothing half-done; every vote accepted is counted once."""

import pytest
from django.db.models import Count

from claims.models import Edge, Map, Node, NodeMerge
from claims.services import node_merge
from core.errors import Conflict, Moved
from cruxes.models import Vote
from cruxes.selectors import ranking_inputs
from cruxes.services import vote_cast
from tests.concurrency.test_concurrency import run_together, unexpected
from tests.factories import UserFactory
from tests.merge.conftest import build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_merge(monkeypatch):
    """Each merge plans for half a second while holding the nodes' locks: what arrives
    meanwhile meets a merge in flight."""
    import time

    from claims.services import merge as merge_service

    real_plan = merge_service._plan

    def slow_plan(merged, survivor):
        time.sleep(0.5)
        return real_plan(merged, survivor)

    monkeypatch.setattr(merge_service, "_plan", slow_plan)


def consistent(the_map: Map) -> None:
    """The map's stored counts are its live rows', no vote sits on a tombstone."""
    the_map = Map.objects.get(pk=the_map.pk)
    live = Node.objects.filter(map=the_map, merged_into__isnull=True)
    assert the_map.node_count == live.count()
    assert the_map.crux_count == live.filter(kind="crux").count()
    assert the_map.edge_count == Edge.objects.filter(map=the_map).count()
    assert not Vote.objects.filter(node__merged_into__isnull=False).exists()
    assert not Edge.objects.filter(source__merged_into__isnull=False).exists()
    assert not Edge.objects.filter(target__merged_into__isnull=False).exists()


@pytest.mark.parametrize("shape", ["each_into_the_other", "one_into_two"])
def test_overlapping_merges_one_wins_the_other_gets_409(owner, shape):
    dups = build(owner)
    third = Node.objects.create(map=dups.map, key="third", kind="crux", title="Third")
    Map.objects.filter(pk=dups.map.pk).update(node_count=5, crux_count=3)
    voters_on = {
        n.pk: set(Vote.objects.filter(node=n).values_list("user_id", flat=True))
        for n in (dups.dup, dups.keep, third)
    }
    version = Map.objects.get(pk=dups.map.pk).graph_version
    pairs = {
        "each_into_the_other": [(dups.dup, dups.keep), (dups.keep, dups.dup)],
        "one_into_two": [(dups.dup, dups.keep), (dups.dup, third)],
    }[shape]
    results = run_together(
        2, lambda i: node_merge(merged=pairs[i][0], survivor=pairs[i][1], by=owner)
    )
    assert unexpected(results, Conflict) == []
    won = [r for r in results if isinstance(r, NodeMerge)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1
    assert "already merged" in lost[0].message
    assert Node.objects.filter(map=dups.map, merged_into__isnull=False).count() == 1
    assert Map.objects.get(pk=dups.map.pk).graph_version == version + 1
    merged, survivor = won[0].merged_id, won[0].survivor_id
    # Everyone who voted on either of the winning pair has one vote, on the survivor.
    assert (
        set(Vote.objects.filter(node_id=survivor).values_list("user_id", flat=True))
        == voters_on[merged] | voters_on[survivor]
    )
    consistent(dups.map)


def test_votes_arriving_during_a_merge_are_each_counted_once(owner, slow_merge):
    import time

    dups = build(owner)
    # The merge holds its locks a moment, so that votes surely arrive while it runs.
    late = [UserFactory(username=f"late{i}") for i in range(8)]
    # Half vote on the survivor, half on the duplicate (as a page opened before the merge
    # would), all while the merge runs.

    def work(i: int):
        if i == 0:
            return node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
        time.sleep(0.2)  # the merge has its locks by now
        user = late[i - 1]
        node = dups.keep if i % 2 else dups.dup
        return vote_cast(user=user, node=node, credence=0.3)

    results = run_together(len(late) + 1, work)
    # A vote that waited for the merge on the duplicate is refused with a pointer to the
    # survivor (Moved, a 409), never written on the tombstone.
    assert unexpected(results, Conflict, Moved) == []
    assert isinstance(results[0], NodeMerge)
    accepted = {late[i - 1].pk for i, r in enumerate(results) if i and isinstance(r, Vote)}
    on_survivor = Vote.objects.filter(node=dups.keep, user__in=late)
    assert set(on_survivor.values_list("user_id", flat=True)) == accepted
    assert on_survivor.values("user_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    consistent(dups.map)
    nodes, _ = ranking_inputs(map_id=dups.map.pk)
    keep = next(n for n in nodes if n.key == "keep")
    assert len(keep.credences) == 6 + len(accepted)


def test_links_arriving_during_a_merge_never_reach_the_tombstone(owner, slow_merge):
    import time

    from claims.services import edge_create

    dups = build(owner)
    ends = [
        Node.objects.create(map=dups.map, key=f"end{i}", kind="claim", title=f"End {i}")
        for i in range(4)
    ]

    def work(i: int):
        if i == 0:
            return node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
        time.sleep(0.2)
        return edge_create(
            map=dups.map, source=ends[i - 1], target=dups.dup, kind="supports", created_by=owner
        )

    results = run_together(len(ends) + 1, work)
    assert unexpected(results, Conflict, Moved) == []
    assert isinstance(results[0], NodeMerge)
    assert not Edge.objects.filter(target__merged_at__isnull=False).exists()


def test_comments_arriving_during_a_merge_never_stay_on_the_tombstone(owner, slow_merge):
    """Comments and replies on the merged node, written while its merge runs: each is
    either moved with the thread (written before) or refused with a 409 naming the
    survivor (after); none is left on the tombstone, and no thread deadlocks."""
    import time

    from discussion.models import Comment
    from discussion.services import comment_create

    dups = build(owner)
    parent = Comment.objects.filter(node=dups.dup, parent__isnull=True).first()
    assert parent is not None

    def work(i: int):
        if i == 0:
            return node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
        time.sleep(0.2)  # the merge holds the nodes' locks by now
        return comment_create(
            map=dups.map,
            author=owner,
            body=f"Written during the merge ({i})",
            node=None if i % 2 else dups.dup,  # a stale instance, read before the merge
            parent=parent if i % 2 else None,
        )

    results = run_together(5, work)
    assert unexpected(results, Moved) == []
    assert isinstance(results[0], NodeMerge)
    assert all(isinstance(r, Moved) and r.new_key == "keep" for r in results[1:])
    assert not Comment.objects.filter(node__merged_at__isnull=False).exists()
    assert not Comment.objects.filter(body__startswith="Written during").exists()


def test_a_delete_racing_a_merge_of_the_same_node_waits_instead_of_deadlocking(owner, slow_merge):
    """The delete locks the node before its edges, as the merge does: one waits for the
    other. Merge first: the delete is refused with a 409 naming the survivor."""
    import time

    from claims.services import node_delete

    dups = build(owner)

    def work(i: int):
        if i == 0:
            return node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
        time.sleep(0.2)
        return node_delete(node=dups.dup, user=owner)

    results = run_together(2, work)
    assert unexpected(results, Moved) == []
    assert isinstance(results[0], NodeMerge)
    assert isinstance(results[1], Moved) and results[1].new_key == "keep"
    assert Node.objects.filter(pk=dups.dup.pk, merged_at__isnull=False).exists()
    consistent(dups.map)
