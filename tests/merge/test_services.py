"""node_merge / node_merge_preview / node_unmerge (issue 17): nothing is lost, the
graph stays whole, a refusal changes nothing, the undo restores exactly."""

import statistics
from datetime import timedelta

import pytest
from django.db.models import Max

from claims.models import (
    Activity,
    ActivityVerb,
    Edge,
    EdgeSource,
    Map,
    MapChange,
    Node,
    NodeMerge,
    Source,
)
from claims.selectors import map_export_bytes
from claims.services import edge_create, node_create, node_merge, node_merge_preview, node_unmerge
from core.errors import Conflict, ValidationFailed
from cruxes.models import EdgeVote, EdgeVoteHistory, Vote, VoteAction, VoteHistory
from cruxes.selectors import credence_summary, ranking_inputs
from cruxes.services import vote_cast
from discussion.models import Comment, Watch
from tests.conftest import table_counts
from tests.factories import UserFactory
from tests.merge.conftest import build, edge_ends

pytestmark = pytest.mark.django_db


def fresh(node: Node) -> Node:
    return Node.objects.get(pk=node.pk)


def test_votes_move_and_the_more_recent_of_two_stands(dups, owner):
    before = {(v.user_id, v.node_id): v.credence for v in Vote.objects.all()}
    node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    v = dups.voters
    on_keep = dict(Vote.objects.filter(node=dups.keep).values_list("user_id", "credence"))
    assert not Vote.objects.filter(node=dups.dup).exists()
    assert on_keep == {
        v[0].pk: before[(v[0].pk, dups.dup.pk)],
        v[1].pk: before[(v[1].pk, dups.dup.pk)],
        v[2].pk: before[(v[2].pk, dups.dup.pk)],
        v[3].pk: before[(v[3].pk, dups.keep.pk)],  # their vote on dup was older
        v[4].pk: before[(v[4].pk, dups.dup.pk)],  # their vote on keep was older
        v[5].pk: before[(v[5].pk, dups.keep.pk)],
    }
    # The votes that gave way are in the history, with their credence.
    merged = VoteHistory.objects.filter(action=VoteAction.MERGED)
    assert sorted(merged.values_list("user_id", "credence", "node_id")) == sorted(
        [
            (v[3].pk, before[(v[3].pk, dups.dup.pk)], dups.keep.pk),
            (v[4].pk, before[(v[4].pk, dups.keep.pk)], dups.keep.pk),
        ]
    )


def test_the_survivors_aggregates_are_those_of_the_union(dups, owner, settings):
    settings.PRIVACY_MIN_VOTERS = 3
    node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    # By hand: v0..v2 and v4 from dup (0.2, 0.3, 0.4, 0.6), v3 and v5 from keep.
    union = [0.2, 0.3, 0.4, 0.9 - 0.05 * 3, 0.6, 0.9 - 0.05 * 5]
    summary = credence_summary(node=fresh(dups.keep))
    assert summary["n"] == 6
    assert summary["withheld"] is False
    assert summary["mean"] == pytest.approx(statistics.fmean(union))
    assert summary["median"] == pytest.approx(statistics.median(union))
    # The ranking's input: the survivor carries the union, the tombstone is gone.
    nodes, edges = ranking_inputs(map_id=dups.map.pk)
    by_key = {n.key: n for n in nodes}
    assert "dup" not in by_key
    assert sorted(by_key["keep"].credences) == pytest.approx(sorted(union))
    assert all("dup" not in (e.source, e.target) for e in edges)


def test_edges_are_repointed_combined_and_self_loops_dropped(dups, owner):
    combined = Edge.objects.get(source=dups.dup, target=dups.frame)
    kept = Edge.objects.get(source=dups.keep, target=dups.frame)
    strengths = dict(EdgeVote.objects.filter(edge=combined).values_list("user_id", "strength"))
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    assert edge_ends(dups.map) == {
        ("keep", "frame", "supports"),
        ("other", "keep", "supports"),
        ("other", kept.key, "undercuts"),  # the undercut of the combined edge followed it
    }
    kept = Edge.objects.get(pk=kept.pk)
    # The combined edge's rationale is appended to the kept one's.
    assert kept.rationale == "Hard to detect, hard to fix\n\nPassing evals is what deception means"
    assert list(EdgeSource.objects.filter(edge=kept).values_list("document", flat=True)) == [
        "Edge doc"
    ]
    # Edge votes followed the edge: v0 moved; v1's older vote on kept gave way to theirs
    # on the combined edge; v2's on the combined edge was older than theirs on kept.
    v = dups.voters
    assert dict(EdgeVote.objects.filter(edge=kept).values_list("user_id", "strength")) == {
        v[0].pk: strengths[v[0].pk],
        v[1].pk: strengths[v[1].pk],
        v[2].pk: 0.8,
    }
    assert sorted(
        EdgeVoteHistory.objects.filter(action=VoteAction.MERGED).values_list("user_id", "strength")
    ) == sorted([(v[1].pk, 0.9), (v[2].pk, strengths[v[2].pk])])
    dropped = merge.record["edge_moves"]["drop"]
    assert len(dropped) == 1
    assert merge.record["edges_removed"][0]["kind"] in ("supports", "related")


def test_the_preview_lists_what_would_move_and_writes_nothing(dups, owner):
    counts = table_counts()
    version = Map.objects.get(pk=dups.map.pk).graph_version
    preview = node_merge_preview(merged=dups.dup, survivor=dups.keep)
    assert table_counts() == counts
    assert Map.objects.get(pk=dups.map.pk).graph_version == version
    assert preview["refusal"] is None
    assert preview["votes"] == 5 and preview["vote_conflicts"] == 2
    assert preview["edge_votes"] == 3 and preview["edge_vote_conflicts"] == 2
    # other -> dup, and other's undercut of the combined edge (onto the kept one).
    assert [(e["source"], e["kind"]) for e in preview["edges_repointed"]] == [
        ("other", "supports"),
        ("other", "undercuts"),
    ]
    assert [(e["source"], e["target"]) for e in preview["edges_combined"]] == [("dup", "frame")]
    assert [(e["source"], e["target"]) for e in preview["self_loops_dropped"]] == [("dup", "keep")]
    assert preview["sources"] == 1  # "Shared paper" is on both
    assert preview["comments"] == 2


def test_the_merged_node_becomes_a_tombstone_and_counts_stay_right(dups, owner):
    before = Map.objects.get(pk=dups.map.pk)
    changes = MapChange.objects.filter(map=dups.map).count()
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    after = Map.objects.get(pk=dups.map.pk)
    dup = fresh(dups.dup)
    assert dup.merged_into_id == dups.keep.pk and dup.merged_at is not None
    assert after.graph_version == before.graph_version + 1  # exactly once
    assert MapChange.objects.filter(map=dups.map).count() == changes + 1
    assert merge.graph_version == after.graph_version
    assert after.node_count == before.node_count - 1
    assert after.crux_count == before.crux_count - 1
    assert after.edge_count == Edge.objects.filter(map=dups.map).count()
    entry = Activity.objects.filter(map=dups.map).first()
    assert entry.verb == ActivityVerb.NODE_MERGED and entry.node_key == "dup"
    assert entry.detail == {"merge": merge.pk, "into": "keep"}
    # Its revisions and vote history stay under the tombstone.
    assert VoteHistory.objects.filter(node=dup, action=VoteAction.CAST).count() == 5


def test_sources_comments_and_watches_move_to_the_survivor(dups, owner):
    node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    assert list(
        Source.objects.filter(node=dups.keep)
        .order_by("position")
        .values_list("document", flat=True)
    ) == ["Shared paper", "Hubinger 2019"]
    assert Source.objects.filter(node=dups.dup).count() == 2  # the tombstone keeps its own
    kept = Edge.objects.get(source=dups.keep, target=dups.frame)
    assert Comment.objects.filter(node=dups.keep).count() == 1
    assert Comment.objects.filter(edge=kept).count() == 1
    assert not Comment.objects.filter(node=dups.dup).exists()
    assert sorted(Watch.objects.filter(node=dups.keep).values_list("user_id", flat=True)) == sorted(
        [dups.voters[0].pk, dups.voters[1].pk]
    )


def export(the_map: Map) -> bytes:
    return map_export_bytes(map=Map.objects.get(pk=the_map.pk))


def state(the_map: Map) -> dict:
    """What people see, apart from history: the export and the rows it does not show."""
    return {
        "export": export(the_map),
        "votes": sorted(Vote.objects.values_list("pk", "user_id", "node_id", "credence")),
        "edge_votes": sorted(EdgeVote.objects.values_list("pk", "user_id", "edge_id", "strength")),
        "comments": sorted(Comment.objects.values_list("pk", "node_id", "edge_id")),
        "watches": sorted(Watch.objects.values_list("pk", "user_id", "node_id")),
        "edges": sorted(
            Edge.objects.values_list(
                "pk", "key", "source_id", "target_id", "target_edge_id", "rationale"
            )
        ),
        "counts": Map.objects.filter(pk=the_map.pk)
        .values_list("node_count", "frame_count", "crux_count", "edge_count")
        .get(),
    }


def test_merge_then_undo_restores_the_map_exactly(dups, owner):
    before = state(dups.map)
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    assert export(dups.map) != before["export"]
    node_unmerge(merge=merge, by=owner)
    assert state(dups.map) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == owner
    assert fresh(dups.dup).merged_into_id is None
    entry = Activity.objects.filter(map=dups.map).first()
    assert entry.verb == ActivityVerb.NODE_UNMERGED
    assert entry.detail == {"merge": merge.pk, "into": "keep"}
    # The history only grows: the restored votes say so.
    assert VoteHistory.objects.filter(action=VoteAction.UNMERGED).count() == 2


def test_an_undo_of_an_undone_merge_is_refused(dups, owner):
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    node_unmerge(merge=merge, by=owner)
    before = state(dups.map)
    with pytest.raises(Conflict, match="already undone"):
        node_unmerge(merge=NodeMerge.objects.get(pk=merge.pk), by=owner)
    assert state(dups.map) == before


def test_the_undo_is_refused_when_a_moved_vote_changed_since(dups, owner):
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    vote_cast(user=dups.voters[0], node=fresh(dups.keep), credence=0.99)
    before = state(dups.map)
    with pytest.raises(Conflict, match="a vote it moved was changed"):
        node_unmerge(merge=merge, by=owner)
    assert state(dups.map) == before
    assert NodeMerge.objects.get(pk=merge.pk).undone_at is None


def test_the_undo_is_refused_when_the_survivor_was_merged_since(dups, owner):
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    third = node_create(map=dups.map, kind="crux", title="Third", key="third", created_by=owner)
    node_merge(merged=fresh(dups.keep), survivor=third, by=owner)
    before = state(dups.map)
    with pytest.raises(Conflict, match="'keep' was merged into another node"):
        node_unmerge(merge=merge, by=owner)
    assert state(dups.map) == before


def test_the_undo_is_refused_after_the_retention_period(dups, owner, settings):
    settings.MERGE_UNDO_DAYS = 30
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    NodeMerge.objects.filter(pk=merge.pk).update(created_at=merge.created_at - timedelta(days=31))
    before = state(dups.map)
    with pytest.raises(Conflict, match="older than 30 days"):
        node_unmerge(merge=NodeMerge.objects.get(pk=merge.pk), by=owner)
    assert state(dups.map) == before


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("itself", ValidationFailed, "into itself"),
        ("other_map", ValidationFailed, "same map"),
        ("frame", ValidationFailed, "a frame merges only with a frame"),
        ("already", Conflict, "already merged"),
        ("into_tombstone", Conflict, "already merged"),
    ],
)
def test_a_refused_merge_changes_nothing(dups, owner, case, error, message):
    elsewhere = build(owner, slug="elsewhere")
    spare = node_create(map=dups.map, kind="crux", title="Spare", key="spare", created_by=owner)
    if case in ("already", "into_tombstone"):
        node_merge(merged=spare, survivor=dups.other, by=owner)
    pairs = {
        "itself": (dups.dup, dups.dup),
        "other_map": (dups.dup, elsewhere.keep),
        "frame": (dups.frame, dups.keep),
        "already": (fresh(spare), dups.keep),
        "into_tombstone": (dups.dup, fresh(spare)),
    }
    counts, before = table_counts(), state(dups.map)
    merged, survivor = pairs[case]
    with pytest.raises(error, match=message):
        node_merge(merged=merged, survivor=survivor, by=owner)
    assert table_counts() == counts
    assert state(dups.map) == before
    assert node_merge_preview(merged=merged, survivor=survivor)["refusal"]


def test_a_subframe_cycle_refuses_the_merge_naming_it(dups, owner):
    a = node_create(
        map=dups.map, kind="frame", category="outer", title="A", key="fa", created_by=owner
    )
    b = node_create(
        map=dups.map, kind="frame", category="outer", title="B", key="fb", created_by=owner
    )
    c = node_create(
        map=dups.map, kind="frame", category="outer", title="C", key="fc", created_by=owner
    )
    # a under b, b under c: merging c into a would put a under itself through b.
    edge_create(map=dups.map, source=a, target=b, kind="subframe_of", created_by=owner)
    edge_create(map=dups.map, source=b, target=c, kind="subframe_of", created_by=owner)
    counts, before = table_counts(), state(dups.map)
    with pytest.raises(Conflict, match="cycle of subframes: fa -> fb -> fa"):
        node_merge(merged=c, survivor=a, by=owner)
    assert table_counts() == counts and state(dups.map) == before
    # A subframe link between the two themselves is a self-loop: dropped, not a cycle.
    node_merge(merged=b, survivor=a, by=owner)
    assert ("fa", "fc", "subframe_of") in edge_ends(dups.map)


def test_a_hidden_node_can_be_merged(dups, owner):
    from claims.services import node_hide

    node_hide(node=dups.dup, by=owner, reason="duplicate")
    node_merge(merged=fresh(dups.dup), survivor=dups.keep, by=owner)
    assert Vote.objects.filter(node=dups.keep).count() == 6


def test_undercuts_clashing_after_the_move_are_combined(dups, owner):
    kept = Edge.objects.get(source=dups.keep, target=dups.frame)
    edge_create(
        map=dups.map, source=dups.other, target_edge=kept, kind="undercuts", created_by=owner
    )
    before = state(dups.map)
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    assert Edge.objects.filter(kind="undercuts", target_edge=kept).count() == 1
    assert Map.objects.get(pk=dups.map.pk).edge_count == Edge.objects.filter(map=dups.map).count()
    node_unmerge(merge=merge, by=owner)
    assert state(dups.map) == before


def test_an_edge_key_taken_since_refuses_the_undo(dups, owner):
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    gone = merge.record["edges_removed"][0]["key"]
    edge_create(
        map=dups.map,
        source=dups.other,
        target=dups.frame,
        kind="supports",
        key=gone,
        created_by=owner,
    )
    with pytest.raises(Conflict, match=f"edge key '{gone}' was taken since"):
        node_unmerge(merge=merge, by=owner)
    assert fresh(dups.dup).merged_into_id == dups.keep.pk


def test_new_users_votes_on_the_survivor_after_the_merge_stay_on_undo(dups, owner):
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    late = UserFactory(username="late")
    vote_cast(user=late, node=fresh(dups.keep), credence=0.4)
    node_unmerge(merge=merge, by=owner)
    assert Vote.objects.get(user=late).node_id == dups.keep.pk
    assert Vote.objects.aggregate(m=Max("pk"))["m"] is not None


def test_a_cycle_through_an_undercut_refuses_the_merge(dups, owner):
    # keep undercuts other -> dup; once dup is keep, keep would undercut an argument
    # for itself: its credence would depend on itself.
    argument = Edge.objects.get(source=dups.other, target=dups.dup)
    edge_create(
        map=dups.map, source=dups.keep, target_edge=argument, kind="undercuts", created_by=owner
    )
    counts, before = table_counts(), state(dups.map)
    with pytest.raises(Conflict, match="cycle through an undercut: keep -> keep"):
        node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    assert table_counts() == counts and state(dups.map) == before
    assert (
        "cycle through an undercut"
        in node_merge_preview(merged=dups.dup, survivor=dups.keep)["refusal"]
    )


def test_an_export_keeps_the_merge_and_an_import_merges_again(dups, owner):
    from claims.services import map_import

    node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    data = export(dups.map)
    assert b'"merged_into": "keep"' in data
    copy = Map.objects.get(slug=map_import(data=data, owner=owner, slug="copy").slug)
    tombstone = Node.objects.get(map=copy, key="dup")
    assert tombstone.merged_into.key == "keep" and tombstone.merged_at is not None
    assert copy.node_count == Node.objects.filter(map=copy, merged_at__isnull=True).count()
    assert export(copy).replace(b'"slug": "copy"', b"") == data.replace(b'"slug": "dups"', b"")


def test_comments_on_a_dropped_edge_and_replies_since_go_back_on_undo(dups, owner):
    loop = Edge.objects.get(source=dups.dup, target=dups.keep)
    on_loop = Comment.objects.create(map=dups.map, edge=loop, author=owner, body="Same thing")
    on_dup = Comment.objects.get(node=dups.dup)
    merge = node_merge(merged=dups.dup, survivor=dups.keep, by=owner)
    # Nothing is lost: the dropped edge's comment is on the survivor meanwhile.
    on_loop.refresh_from_db()
    assert (on_loop.node_id, on_loop.edge_id) == (dups.keep.pk, None)
    reply = Comment.objects.create(
        map=dups.map, node=dups.keep, parent=on_dup, depth=1, author=owner, body="Agreed"
    )
    node_unmerge(merge=merge, by=owner)
    on_loop.refresh_from_db()
    reply.refresh_from_db()
    assert (on_loop.node_id, on_loop.edge_id) == (None, loop.pk)
    assert reply.node_id == dups.dup.pk  # the thread stays in one place
