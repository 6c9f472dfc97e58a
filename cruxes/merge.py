"""The votes' part of a node merge (issue 17; claims.services.merge calls it through
claims.hooks): no vote is lost.

Each vote on the merged node moves to the survivor. Where the same person voted on
both, the more recent vote stands (the survivor's on a tie) and the other is deleted
and recorded in VoteHistory with action MERGED on the survivor (credence: the vote that
gave way), so nothing goes without a trace. Edge votes follow their edges the same way
when two edges are combined; the votes (and vote history) of an edge the merge drops
are kept in the merge's record. The undo puts every vote back where it was, and
refuses when a moved vote changed since (restoring it would undo its owner's change).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from claims.services.merge import rows_restore, rows_snapshot
from core.errors import Conflict
from cruxes.models import EdgeVote, EdgeVoteHistory, Vote, VoteAction, VoteHistory


def _stamp(value: Any) -> str:
    return value.isoformat()


def _history(model, *, rows: list[tuple], version: int) -> None:
    """Append history rows: (user_id, target_id, action, value, revision)."""
    if not rows:
        return
    node = model is VoteHistory
    target, value, revision = (
        ("node_id", "credence", "node_revision")
        if node
        else ("edge_id", "strength", "edge_revision")
    )
    now = timezone.now()
    model.objects.bulk_create(
        model(
            user_id=user_id,
            **{target: target_id, value: number, revision: rev},
            action=action,
            graph_version=version,
            created_at=now,
        )
        for user_id, target_id, action, number, rev in rows
    )


def _fold(
    model,
    *,
    target: str,
    value: str,
    revision: str,
    gone_id: int,
    kept_id: int,
    kept_revision: int | None,
    version: int,
    history,
) -> dict:
    """Move the votes on `gone_id` to `kept_id` (a node or an edge), the more recent
    of one person's two votes standing (the kept one's on a tie). Returns the undo data.

    A few statements whatever the number of votes: a crux with hundreds of voters is
    exactly what gets added twice.
    """
    gone = {v.user_id: v for v in model.objects.filter(**{target: gone_id})}
    kept = {v.user_id: v for v in model.objects.filter(**{target: kept_id}, user_id__in=list(gone))}
    moving, giving_way, merged_rows = [], [], []
    for user_id, vote in sorted(gone.items()):
        other = kept.get(user_id)
        if other is None or vote.updated_at > other.updated_at:
            moving.append(vote)
            loser = other
        else:
            loser = vote
        if other is not None:
            giving_way.append(loser.pk)
            merged_rows.append(
                (
                    user_id,
                    kept_id,
                    VoteAction.MERGED,
                    getattr(loser, value),
                    getattr(other, revision),
                )
            )
    gave_way = rows_snapshot(model.objects.filter(pk__in=giving_way))
    model.objects.filter(pk__in=giving_way).delete()
    moved = [
        {
            "id": vote.pk,
            "revision": getattr(vote, revision),
            "value": getattr(vote, value),
            "updated_at": _stamp(vote.updated_at),
        }
        for vote in moving
    ]
    # update(): no auto_now, each vote keeps the time it was cast (the undo checks it).
    changes = (
        {target: kept_id} if kept_revision is None else {target: kept_id, revision: kept_revision}
    )
    model.objects.filter(pk__in=[vote.pk for vote in moving]).update(**changes)
    _history(history, rows=merged_rows, version=version)
    return {"from": gone_id, "to": kept_id, "moved": moved, "gave_way": gave_way}


def _unfold(
    model, *, target: str, value: str, revision: str, data: dict, history, version: int
) -> None:
    moved = {m["id"]: m for m in data["moved"]}
    now = {
        pk: (number, _stamp(stamp))
        for pk, number, stamp in model.objects.filter(
            pk__in=list(moved), **{target: data["to"]}
        ).values_list("pk", value, "updated_at")
    }
    if any(now.get(pk) != (m["value"], m["updated_at"]) for pk, m in moved.items()):
        raise Conflict(
            "this merge can no longer be undone exactly: a vote it moved was changed or "
            "withdrawn since",
            fields={"merge": ["a moved vote changed since"]},
        )
    by_revision: dict[int, list[int]] = {}
    for pk, m in moved.items():
        by_revision.setdefault(m["revision"], []).append(pk)
    for number, pks in by_revision.items():
        model.objects.filter(pk__in=pks).update(**{target: data["from"], revision: number})
    gave_way = data["gave_way"]
    if gave_way:
        wanted = {(r["user_id"], r[target]) for r in gave_way}
        present = model.objects.filter(
            user_id__in={u for u, _ in wanted}, **{f"{target}__in": {t for _, t in wanted}}
        ).values_list("user_id", target)
        if model.objects.filter(pk__in=[r["id"] for r in gave_way]).exists() or (
            wanted & set(present)
        ):
            raise Conflict(
                "this merge can no longer be undone exactly: a vote that gave way in it "
                "was cast again since",
                fields={"merge": ["a vote was cast again since"]},
            )
    rows_restore(model, gave_way)
    _history(
        history,
        rows=[
            (r["user_id"], r[target], VoteAction.UNMERGED, r[value], r[revision]) for r in gave_way
        ],
        version=version,
    )


_NODE = {"target": "node_id", "value": "credence", "revision": "node_revision"}
_EDGE = {"target": "edge_id", "value": "strength", "revision": "edge_revision"}


class VotesInMerge:
    name = "votes"

    def preview(self, *, merged_id: int, survivor_id: int, edge_moves: dict) -> dict:
        voters = set(Vote.objects.filter(node_id=merged_id).values_list("user_id", flat=True))
        both = Vote.objects.filter(node_id=survivor_id, user_id__in=voters).count()
        edge_votes = conflicts = 0
        for gone, kept in edge_moves["combine"].items():
            users = set(
                EdgeVote.objects.filter(edge_id=int(gone)).values_list("user_id", flat=True)
            )
            edge_votes += len(users)
            conflicts += EdgeVote.objects.filter(edge_id=kept, user_id__in=users).count()
        dropped = EdgeVote.objects.filter(edge_id__in=edge_moves["drop"]).count()
        return {
            "votes": len(voters),
            "vote_conflicts": both,
            "edge_votes": edge_votes,
            "edge_vote_conflicts": conflicts,
            "edge_votes_dropped": dropped,
        }

    def merge(self, *, merged_id: int, survivor_id: int, edge_moves: dict, version: int) -> dict:
        from claims.models import Node

        survivor_revision = (
            Node.objects.filter(pk=survivor_id).values_list("revision", flat=True).get()
        )
        # A moved vote was cast on other words: it says the survivor's revision, which the
        # merge declares the same claim.
        nodes = _fold(
            Vote,
            **_NODE,
            gone_id=merged_id,
            kept_id=survivor_id,
            kept_revision=survivor_revision,
            version=version,
            history=VoteHistory,
        )
        edges = [
            _fold(
                EdgeVote,
                **_EDGE,
                gone_id=int(gone),
                kept_id=kept,
                kept_revision=None,
                version=version,
                history=EdgeVoteHistory,
            )
            for gone, kept in sorted(edge_moves["combine"].items(), key=lambda kv: int(kv[0]))
        ]
        removed = [int(pk) for pk in edge_moves["combine"]] + list(edge_moves["drop"])
        # What the edges that go take with them (their history; a dropped edge's votes).
        dropped_votes = rows_snapshot(EdgeVote.objects.filter(edge_id__in=removed))
        history = rows_snapshot(EdgeVoteHistory.objects.filter(edge_id__in=removed))
        return {
            "nodes": nodes,
            "edges": edges,
            "edge_votes_dropped": dropped_votes,
            "edge_history_removed": history,
        }

    def unmerge(self, *, data: dict, version: int) -> None:
        # A refusal part-way is rolled back with the caller's transaction: nothing half-done.
        _unfold(Vote, **_NODE, data=data["nodes"], history=VoteHistory, version=version)
        for part in data["edges"]:
            _unfold(EdgeVote, **_EDGE, data=part, history=EdgeVoteHistory, version=version)
        rows_restore(EdgeVote, data["edge_votes_dropped"])
        rows_restore(EdgeVoteHistory, data["edge_history_removed"])


VOTES_IN_MERGE = VotesInMerge()
