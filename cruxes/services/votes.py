"""Writes of credences on nodes and of strengths on edges (argument votes)."""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from claims.merged import moved_check
from claims.models import Edge, EdgeKind, Node
from claims.services.maps import map_graph_changed
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import check_probability
from cruxes.models import (
    STRENGTH_MAX,
    STRENGTH_MIN,
    EdgeVote,
    Vote,
    VoteAction,
)

logger = logging.getLogger(__name__)


# Votes are the busiest write, and a handful of tiny statements: the ORM's
# query building cost more CPU than PostgreSQL's work on them, so the vote
# path is plain SQL (its Python CPU per vote went from ~1.6 to ~0.35 ms here).
# Portable SQL: PostgreSQL, and SQLite (>= 3.35, for RETURNING) in development.


def _for_update(*, no_key: bool = False) -> str:
    """The row-lock clause of a raw SELECT ("" where there is none: SQLite)."""
    if not connection.features.has_select_for_update:
        return ""
    return " " + connection.ops.for_update_sql(no_key=no_key)


def _lock_node(node: Node) -> tuple[int, bool]:
    """Lock the node's row until commit; return its current revision and whether it is
    hidden by the moderators (issue 16: no new votes on a hidden node).

    NotFound if the node was deleted meanwhile. FOR NO KEY UPDATE, not FOR
    UPDATE: it serialises the votes and edits of the node without blocking rows
    that merely reference it (an edge being inserted takes KEY SHARE on its
    ends), which would deadlock against a subframe link that holds its map's
    row and waits for this node.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT revision, hidden_at IS NOT NULL, merged_at IS NOT NULL"  # noqa: S608
            " FROM claims_node WHERE id = %s" + _for_update(no_key=True),
            [node.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"the node '{node.key}' no longer exists")
    if row[2]:
        # Merged (issue 17) while this vote waited for the node: a 409 pointing at the
        # survivor, never a vote on the tombstone.
        moved_check(Node.objects.get(pk=node.pk))
    return row[0], bool(row[1])


def _lock_vote(*, user: AbstractBaseUser, node: Node) -> Vote | None:
    """The user's vote on the node, locked; read after _lock_node, in a statement
    (so a snapshot) of its own: it sees every vote committed before the node lock."""
    votes = Vote.objects.raw(
        "SELECT * FROM cruxes_vote WHERE user_id = %s AND node_id = %s"  # noqa: S608 (constant)
        + _for_update(),
        [user.pk, node.pk],
    )
    return next(iter(votes), None)


def _history_add(
    cursor, *, vote: Vote, action: str, previous: float | None, version: int, stamp
) -> None:
    cursor.execute(
        "INSERT INTO cruxes_votehistory (user_id, node_id, action, credence,"
        " previous_credence, node_revision, graph_version, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            vote.user_id,
            vote.node_id,
            action,
            None if action == VoteAction.WITHDRAW else vote.credence,
            previous,
            vote.node_revision,
            version,
            stamp,
        ],
    )


def _vote_row_write(cursor, model, vote, user_id, target, value, revision, now):
    """Insert `user_id`'s vote row on `target` (name, id: "node" or "edge"), or update
    `vote`, with `value` (field, value) at `revision`, in one plain statement (the vote
    path's throughput: no ORM save). Returns the vote, its fields set as written."""
    (target_name, target_id), (field, number) = target, value
    table, revision_field = model._meta.db_table, f"{target_name}_revision"
    stamp = connection.ops.adapt_datetimefield_value(now)
    if vote is None:
        vote = model(user_id=user_id, created_at=now, **{f"{target_name}_id": target_id})
        cursor.execute(
            f"INSERT INTO {table} (user_id, {target_name}_id, {field}, {revision_field},"  # noqa: S608
            " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [user_id, target_id, number, revision, stamp, stamp],
        )
        vote.pk = cursor.fetchone()[0]
        vote._state.adding = False
    else:
        cursor.execute(
            f"UPDATE {table} SET {field} = %s, {revision_field} = %s, updated_at = %s"  # noqa: S608
            " WHERE id = %s",
            [number, revision, stamp, vote.pk],
        )
    setattr(vote, field, number)
    setattr(vote, revision_field, revision)
    vote.updated_at = now
    return vote


@transaction.atomic
def vote_cast(*, user: AbstractBaseUser, node: Node, credence: object) -> Vote:
    """Create or change `user`'s credence on `node`; every change is kept in VoteHistory."""
    credence = check_probability(credence, field="credence")
    # Lock the node row: votes on one node serialise, so a first cast by the
    # same user from two requests cannot both insert.
    revision, hidden = _lock_node(node)
    if hidden:
        raise Conflict("this node is hidden by the map's moderators", fields={"node": ["hidden"]})
    vote = _lock_vote(user=user, node=node)
    if vote is not None and vote.credence == credence and vote.node_revision == revision:
        return vote  # nothing changed: no new version, no recompute
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    previous = None if vote is None else vote.credence
    with connection.cursor() as cursor:
        vote = _vote_row_write(
            cursor, Vote, vote, user.pk, ("node", node.pk), ("credence", credence), revision, now
        )
        # The version bump comes last: it locks the map's row, which every
        # write of the map waits for, until the commit.
        version = map_graph_changed(
            map_id=node.map_id, action="vote_cast", node_keys=[node.key], user=user
        )
        action = VoteAction.CAST if previous is None else VoteAction.CHANGE
        _history_add(
            cursor, vote=vote, action=action.value, previous=previous, version=version, stamp=stamp
        )
    return vote


@transaction.atomic
def vote_withdraw(*, user: AbstractBaseUser, node: Node) -> None:
    # Withdrawing stays possible on a hidden node: a vote is the voter's to take back.
    revision, _hidden = _lock_node(node)
    vote = _lock_vote(user=user, node=node)
    if vote is None:
        raise NotFound("you have no vote on this node")
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cruxes_vote WHERE id = %s", [vote.pk])
        version = map_graph_changed(
            map_id=node.map_id, action="vote_withdraw", node_keys=[node.key], user=user
        )
        # The revision the withdrawal happened at, as the history always said.
        vote.node_revision = revision
        _history_add(
            cursor,
            vote=vote,
            action=VoteAction.WITHDRAW.value,
            previous=vote.credence,
            version=version,
            stamp=stamp,
        )


# ---- edge votes: a strength in [0, 1] per person and edge ----------------------------


def check_strength(value: object, *, field: str = "strength") -> float:
    """An edge's strength: a real number in [0, 1], both ends allowed (booleans, strings,
    NaN and infinities refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(
            f"{field} must be a number between {STRENGTH_MIN:g} and {STRENGTH_MAX:g}",
            fields={field: ["must be a number"]},
        )
    # Compared as given: an int too large for a float must not reach float() (an
    # OverflowError); NaN fails every comparison, infinities are out of range.
    if not STRENGTH_MIN <= value <= STRENGTH_MAX:
        shown = f"{value:.6g}" if isinstance(value, float) or abs(value) < 10**20 else "(huge)"
        raise ValidationFailed(
            f"{field} {shown} is outside [{STRENGTH_MIN:g}, {STRENGTH_MAX:g}] (0 % to 100 %)",
            fields={field: [f"must be between {STRENGTH_MIN:g} and {STRENGTH_MAX:g}"]},
        )
    return float(value)


def _lock_edge(edge: Edge) -> int:
    """Lock the edge's row until commit and return its current revision (NotFound if it
    was deleted meanwhile). FOR NO KEY UPDATE, as _lock_node: the votes and edits of one
    edge serialise, rows that merely reference it (its votes, sources, undercuts) do not
    wait."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT revision FROM claims_edge WHERE id = %s"  # noqa: S608 (a constant clause)
            + _for_update(no_key=True),
            [edge.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"the edge '{edge.key}' no longer exists")
    return row[0]


def _lock_edge_vote(*, user: AbstractBaseUser, edge: Edge) -> EdgeVote | None:
    """The user's vote on the edge, locked; read after _lock_edge (see _lock_vote)."""
    votes = EdgeVote.objects.raw(
        "SELECT * FROM cruxes_edgevote WHERE user_id = %s AND edge_id = %s"  # noqa: S608
        + _for_update(),
        [user.pk, edge.pk],
    )
    return next(iter(votes), None)


def _edge_node_keys(edge: Edge) -> list[str]:
    """The nodes an edge vote bears on, for the map's change log (the ranking diff's
    "why"): the edge's two ends; for an undercut, its source and the ends of the
    argument it attacks."""
    if edge.kind == EdgeKind.UNDERCUTS and edge.target_edge_id is not None:
        attacked = edge.target_edge
        return [edge.source.key, attacked.source.key, attacked.target.key]
    return [edge.source.key, edge.target.key]


def _edge_history_add(
    cursor, *, vote: EdgeVote, action: str, previous: float | None, version: int, stamp
) -> None:
    cursor.execute(
        "INSERT INTO cruxes_edgevotehistory (user_id, edge_id, action, strength,"
        " previous_strength, edge_revision, graph_version, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            vote.user_id,
            vote.edge_id,
            action,
            None if action == VoteAction.WITHDRAW else vote.strength,
            previous,
            vote.edge_revision,
            version,
            stamp,
        ],
    )


@transaction.atomic
def edge_vote_cast(*, user: AbstractBaseUser, edge: Edge, strength: object) -> EdgeVote:
    """Create or change `user`'s strength of `edge`; every change is kept in
    EdgeVoteHistory, bumps the map's version and schedules the recompute.

    The strength: "if the source turned out true rather than false, how far would it
    move the target?" (for an undercut: how far the undercutter, if true, defeats the
    inference), from 0 to 1. Who may vote is the caller's check (Need.VOTE); how much
    the vote weighs is the voter's standing on the map (cruxes.standing), read when the
    ranking is computed.
    """
    strength = check_strength(strength)
    # The keys the change log names, read before any write (the caller's select_related
    # makes this free; the edge's ends cannot change while it exists).
    node_keys = _edge_node_keys(edge)
    revision = _lock_edge(edge)
    vote = _lock_edge_vote(user=user, edge=edge)
    if vote is not None and vote.strength == strength and vote.edge_revision == revision:
        return vote  # nothing changed: no new version, no recompute
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    previous = None if vote is None else vote.strength
    with connection.cursor() as cursor:
        vote = _vote_row_write(
            cursor,
            EdgeVote,
            vote,
            user.pk,
            ("edge", edge.pk),
            ("strength", strength),
            revision,
            now,
        )
        # "vote_..." like the node votes': the ranking diff never says who or when.
        version = map_graph_changed(
            map_id=edge.map_id, action="vote_edge_cast", node_keys=node_keys, user=user
        )
        action = VoteAction.CAST if previous is None else VoteAction.CHANGE
        _edge_history_add(
            cursor, vote=vote, action=action.value, previous=previous, version=version, stamp=stamp
        )
    return vote


@transaction.atomic
def edge_vote_withdraw(*, user: AbstractBaseUser, edge: Edge) -> None:
    """Withdraw `user`'s strength of `edge` (NotFound when there is none)."""
    node_keys = _edge_node_keys(edge)
    revision = _lock_edge(edge)
    vote = _lock_edge_vote(user=user, edge=edge)
    if vote is None:
        raise NotFound("you have no vote on this edge")
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cruxes_edgevote WHERE id = %s", [vote.pk])
        version = map_graph_changed(
            map_id=edge.map_id, action="vote_edge_withdraw", node_keys=node_keys, user=user
        )
        vote.edge_revision = revision
        _edge_history_add(
            cursor,
            vote=vote,
            action=VoteAction.WITHDRAW.value,
            previous=vote.strength,
            version=version,
            stamp=stamp,
        )
