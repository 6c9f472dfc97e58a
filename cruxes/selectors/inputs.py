"""The ranking engine's input read from the database (one consistent map: nodes, edges,
votes, weighed by standing)."""

import logging

from django.db import connection

from claims.models import Edge, Node
from cruxes import ranking
from cruxes.models import EdgeVote, Vote
from cruxes.ranking.types import gc_paused
from cruxes.standing import Standing, map_standing

logger = logging.getLogger(__name__)


def ranking_inputs(
    *, map_id: int, standing: Standing | None = None
) -> tuple[list["ranking.NodeInput"], list["ranking.EdgeInput"]]:
    """The engine's input for a map: nodes with their voters' credences and the
    weights of those votes (each voter's standing on the map, cruxes.standing), and edges
    with their key, group, attacked edge (undercuts), author's weight and their voters'
    strengths, weighed by the same standing.

    Plain cursor rows rather than the ORM's iterator: a 100k-node map is ~600k rows
    (nodes, edges, votes), and the ORM's per-row work was a third of the load time.
    No ORDER BY on nodes or edges: the engine orders its input itself. The cyclic
    garbage collector is paused while the records are built: it would rescan them
    again and again.
    """
    node_table, edge_table = Node._meta.db_table, Edge._meta.db_table
    vote_table, edge_vote_table = Vote._meta.db_table, EdgeVote._meta.db_table
    # Standing first: in the snapshot's transaction, one query for all the voters (or
    # the caller's, read in the same snapshot).
    if standing is None:
        standing = map_standing(map_id=map_id)
    full, partial = standing.members | standing.trusted, standing.nonmember_weight
    # Votes of full weight and the others apart: most nodes have only one kind,
    # and then no (credence, weight) pairs need building and sorting.
    full_votes: dict[int, list[float]] = {}
    partial_votes: dict[int, list[float]] = {}
    keys: dict[int, str] = {}
    with gc_paused(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.node_id, v.credence, v.user_id FROM {vote_table} v"  # noqa: S608 - tables
            f" JOIN {node_table} n ON n.id = v.node_id"
            " WHERE n.map_id = %s AND n.hidden_at IS NULL AND n.merged_at IS NULL",
            [map_id],
        )
        for node_id, credence, user_id in cursor.fetchall():
            (full_votes if user_id in full else partial_votes).setdefault(node_id, []).append(
                credence
            )
        cursor.execute(
            # A tombstone of a merge (issue 17) is out like a hidden node: its votes and
            # edges moved to the survivor, and it must not rank beside it.
            f"SELECT id, key, kind, prior,"  # noqa: S608
            f" hidden_at IS NOT NULL OR merged_at IS NOT NULL FROM {node_table}"
            " WHERE map_id = %s",
            [map_id],
        )
        nodes = []
        NodeInput = ranking.NodeInput
        hidden: set[int] = set()
        for pk, key, kind, prior, is_hidden in cursor.fetchall():
            if is_hidden:
                # Moderated away (issue 16) or merged (17): out of the ranking with its edges.
                hidden.add(pk)
                continue
            keys[pk] = key
            # Sorted credences, and no weights when every vote weighs 1.0 (weighed_votes).
            votes = weighed_votes(full_votes.get(pk), partial_votes.get(pk), partial)
            nodes.append(NodeInput(key, kind, prior, *votes))
        # The edges' strength votes first (few), apart by weight as the node votes are;
        # then the edges, built positionally in one pass (a 100k-node map has ~300k).
        full_strengths: dict[int, list[float]] = {}
        partial_strengths: dict[int, list[float]] = {}
        cursor.execute(
            f"SELECT v.edge_id, v.strength, v.user_id FROM {edge_vote_table} v"  # noqa: S608
            f" JOIN {edge_table} e ON e.id = v.edge_id WHERE e.map_id = %s",
            [map_id],
        )
        for pk, strength, user_id in cursor.fetchall():
            (full_strengths if user_id in full else partial_strengths).setdefault(pk, []).append(
                strength
            )
        voted = full_strengths.keys() | partial_strengths.keys()
        cursor.execute(
            'SELECT id, key, source_id, target_id, target_edge_id, kind, weight, e."group"'  # noqa: S608
            f" FROM {edge_table} e WHERE map_id = %s",
            [map_id],
        )
        rows = cursor.fetchall()
        if hidden:
            rows = _without_hidden(rows, hidden)
        edge_keys = {row[0]: row[1] for row in rows} if any(row[4] for row in rows) else {}
        EdgeInput = ranking.EdgeInput
        edges = [
            EdgeInput(
                keys[s],
                "" if t is None else keys[t],  # an undercut names an edge, not a node
                kind,
                w,
                key,
                group,
                None if attacked is None else edge_keys[attacked],
                *(
                    weighed_votes(full_strengths.get(pk), partial_strengths.get(pk), partial)
                    if pk in voted
                    else ((), ())
                ),
            )
            for pk, key, s, t, attacked, kind, w, group in rows
        ]
    return nodes, edges


def _without_hidden(rows: list[tuple], hidden: set[int]) -> list[tuple]:
    """The edge rows without those touching a hidden node, nor the undercuts of those
    (rows as ranking_inputs reads them: id, key, source_id, target_id, target_edge_id, ...)."""
    gone = {row[0] for row in rows if row[2] in hidden or row[3] in hidden}
    return [row for row in rows if row[0] not in gone and row[4] not in gone]


def weighed_votes(
    counted: list[float] | None, discounted: list[float] | None, partial: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Votes and their weights as the engine takes them: sorted (the pooling is
    order-free, sorted tuples are canonical), and no weights when all weigh 1.0."""
    if discounted is None:
        return (tuple(sorted(counted)) if counted else ()), ()
    if counted is None:
        values = tuple(sorted(discounted))
        return values, (partial,) * len(values)
    pairs = sorted([(v, 1.0) for v in counted] + [(v, partial) for v in discounted])
    return tuple(v for v, _ in pairs), tuple(w for _, w in pairs)
