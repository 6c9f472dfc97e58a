"""Reads of votes: a person's own vote, edge strengths and credence summaries (the
privacy floor applied)."""

import logging
from collections import defaultdict

from claims.models import Edge, Map, Node
from cruxes import ranking
from cruxes.models import EdgeVote, Vote
from cruxes.privacy import privacy_floor, statistics_withheld
from cruxes.selectors.inputs import ranking_inputs
from cruxes.standing import map_standing

logger = logging.getLogger(__name__)


def vote_get(*, user, node: Node) -> dict | None:
    vote = Vote.objects.filter(user=user, node=node).first()
    if vote is None:
        return None
    return {
        "node": node.key,
        "credence": vote.credence,
        "node_revision": vote.node_revision,
        "current_revision": node.revision,
        "stale": vote.node_revision < node.revision,
        "updated_at": vote.updated_at,
    }


def edge_get_for_vote(*, map: Map, key: str) -> Edge:
    """The map's edge named `key`, with the nodes an edge vote names (its ends, and for
    an undercut the ends of the argument it attacks); NotFound naming it otherwise."""
    from core.errors import NotFound

    edge = (
        Edge.objects.select_related(
            "source", "target", "target_edge__source", "target_edge__target"
        )
        .filter(map=map, key=key)
        .first()
    )
    if edge is None:
        raise NotFound(f"no edge '{key}' in map '{map.slug}'", fields={"edge": ["not found"]})
    return edge


def edge_vote_get(*, user, edge: Edge) -> dict | None:
    """The caller's own strength of an edge (others' votes are never shown)."""
    vote = EdgeVote.objects.filter(user=user, edge=edge).first()
    if vote is None:
        return None
    return {
        "edge": edge.key,
        "strength": vote.strength,
        "edge_revision": vote.edge_revision,
        "current_revision": edge.revision,
        "stale": vote.edge_revision < edge.revision,
        "updated_at": vote.updated_at,
    }


def edge_strengths(*, edges: list[Edge], user=None) -> dict[int, dict]:
    """Each edge's pooled strength as others may see it, in two queries whatever the
    number of edges (their votes, their voters' standing): {edge id: summary}.

    The summary: `n` votes; `strength`, pooled as the ranking pools it
    (ranking.pooled_strength: each vote weighed by its voter's standing on the map, the
    author's weight counting as pseudo-votes), None below the privacy floor;
    `member_n` and `member_strength`, the map's owner and admitted members alone (None
    below the floor, or while the other voters are fewer than the floor: the difference
    would give theirs away); `author_weight`; and, for `user`, their own vote
    (`mine`: {strength, edge_revision, stale}, else None), shown to them only.
    """
    if not edges:
        return {}
    by_id = {e.pk: e for e in edges}
    votes: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for edge_id, user_id, strength, revision in EdgeVote.objects.filter(
        edge_id__in=list(by_id)
    ).values_list("edge_id", "user_id", "strength", "edge_revision"):
        votes[edge_id].append((user_id, strength, revision))
    map_ids = {e.map_id for e in edges}
    voters = {user_id for rows in votes.values() for user_id, _, _ in rows}
    # One map in practice (a page's edges, or one edge): one query each.
    standings = {map_id: map_standing(map_id=map_id, voters=voters) for map_id in map_ids}
    me = user.pk if user is not None and user.is_authenticated else None
    out = {}
    for pk, edge in by_id.items():
        rows = votes.get(pk, [])
        standing = standings[edge.map_id]
        strengths = [s for _, s, _ in rows]
        weights = [standing.weight(u) for u, _, _ in rows]
        members = [s for u, s, _ in rows if standing.is_member(u)]
        n, member_n = len(rows), len(members)
        withheld = statistics_withheld(n)
        member_hidden = statistics_withheld(member_n) or (
            member_n > 0 and statistics_withheld(n - member_n)
        )
        mine = next(
            (
                {"strength": s, "edge_revision": r, "stale": r < edge.revision}
                for u, s, r in rows
                if u == me
            ),
            None,
        )
        out[pk] = {
            "edge": edge.key,
            "n": n,
            "withheld": withheld,
            "strength": None
            if withheld
            else ranking.pooled_strength(strengths, weights, edge.weight),
            "member_n": member_n,
            "member_strength": None
            if member_hidden
            else ranking.pooled_strength(members, None, edge.weight),
            "author_weight": edge.weight,
            "privacy_floor": privacy_floor(),
            "mine": mine,
        }
    return out


def edge_strength(*, edge: Edge, user=None) -> dict:
    """One edge's pooled strength (edge_strengths)."""
    return edge_strengths(edges=[edge], user=user)[edge.pk]


def map_credences(*, map_id: int) -> dict[str, tuple[float | None, int]]:
    """Aggregated community credence and vote count of every node (by key), for exports.

    The credence is None below the privacy floor (with the prior and n in the
    file, it would give the votes back).
    """
    from cruxes.ranking.credence import aggregate_one

    nodes, _ = ranking_inputs(map_id=map_id)
    out = {}
    for node in nodes:
        # Weighed by standing, as the ranking's credence of the node is.
        agg = aggregate_one(node.credences, node.prior, node.weights)
        out[node.key] = (None if statistics_withheld(agg.n) else agg.credence, agg.n)
    return out


def credence_summary(*, node: Node) -> dict:
    """n, mean, median, log-odds mean, SD, 10-bin histogram, prior, pooled credence;
    and the same figures of the map's members' votes alone (`members`).

    The pooled `credence` weighs each vote by its voter's standing on the map
    (cruxes.standing), as the ranking does; the other statistics count every
    vote once. Below the privacy floor (`withheld`), only n and the prior.
    """
    from cruxes.ranking.credence import aggregate_one

    votes = list(Vote.objects.filter(node=node).values_list("user_id", "credence"))
    standing = map_standing(map_id=node.map_id, voters={user_id for user_id, _ in votes})
    everyone = aggregate_one(
        [c for _, c in votes], node.prior, [standing.weight(u) for u, _ in votes]
    )
    members = aggregate_one([c for u, c in votes if standing.is_member(u)], node.prior)
    out = {**_figures(everyone), "privacy_floor": privacy_floor(), "prior": everyone.prior}
    # The members' figures and everyone's differ by the others' votes: with fewer
    # of those than the floor, the two together would give them away.
    others = everyone.n - members.n
    out["members"] = _figures(members, hidden=members.n > 0 and statistics_withheld(others))
    return out


def _figures(agg, *, hidden: bool = False) -> dict:
    """An aggregate as others may see it: statistics only from the privacy floor on."""
    if hidden or statistics_withheld(agg.n):
        return {
            "n": agg.n,
            "withheld": True,
            "mean": None,
            "median": None,
            "logodds_mean": None,
            "sd": None,
            "histogram": None,
            "credence": None,
        }
    return {
        "n": agg.n,
        "withheld": False,
        "mean": agg.mean,
        "median": agg.median,
        "logodds_mean": agg.logodds_mean,
        "sd": agg.sd,
        "histogram": list(agg.histogram),
        "credence": agg.credence,
    }
