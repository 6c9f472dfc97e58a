"""A map with two duplicate cruxes ("dup" and "keep") and everything a merge moves:
votes (some people voted on both), edges (one the move re-points, one it combines with
the survivor's, one it turns into a self-loop, an undercut of the combined one),
sources, comments and watches."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from claims.models import Edge, Map, MapMember, Node
from claims.services import edge_create, map_create, node_create
from cruxes.models import EdgeVote, Vote
from cruxes.services import edge_vote_cast, vote_cast
from discussion.models import Comment, Watch
from tests.factories import UserFactory


@dataclass
class Duplicates:
    map: Map
    dup: Node
    keep: Node
    frame: Node
    other: Node
    voters: list


def _age(model, pk: int, minutes: int) -> None:
    """Make a vote older than the others (the merge keeps the more recent of two)."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def build(owner, *, slug: str = "dups") -> Duplicates:
    the_map = map_create(slug=slug, title="Duplicates", owner=owner)
    voters = [UserFactory(username=f"{slug}-v{i}") for i in range(6)]
    for user in voters:
        MapMember.objects.create(map=the_map, user=user, role="voter")
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="A frame", key="frame", created_by=owner
    )
    dup = node_create(
        map=the_map,
        kind="crux",
        title="A deceptively aligned model would pass our evaluations",
        key="dup",
        created_by=owner,
        sources=[{"document": "Hubinger 2019", "locator": "s4"}, {"document": "Shared paper"}],
    )
    keep = node_create(
        map=the_map,
        kind="crux",
        title="Deceptive alignment is hard to detect",
        key="keep",
        created_by=owner,
        sources=[{"document": "Shared paper"}],
    )
    other = node_create(
        map=the_map, kind="claim", title="Evals are weak", key="other", created_by=owner
    )
    # dup -> frame collides with keep -> frame (combined); other -> dup is re-pointed;
    # dup -> keep becomes keep -> keep (dropped); other undercuts dup -> frame.
    combined = edge_create(
        map=the_map,
        source=dup,
        target=frame,
        kind="supports",
        created_by=owner,
        rationale="Passing evals is what deception means",
        sources=[{"document": "Edge doc"}],
    )
    kept = edge_create(
        map=the_map,
        source=keep,
        target=frame,
        kind="supports",
        created_by=owner,
        rationale="Hard to detect, hard to fix",
    )
    edge_create(map=the_map, source=other, target=dup, kind="supports", created_by=owner)
    edge_create(map=the_map, source=dup, target=keep, kind="related", created_by=owner)
    edge_create(map=the_map, source=other, target_edge=combined, kind="undercuts", created_by=owner)
    # Votes: v0..v2 on dup only, v3..v4 on both, v5 on keep only.
    for i, user in enumerate(voters):
        if i <= 4:
            vote_cast(user=user, node=dup, credence=0.2 + 0.1 * i)
        if i >= 3:
            vote_cast(user=user, node=keep, credence=0.9 - 0.05 * i)
    # v3's vote on dup is older (keep's stands); v4's on keep is older (dup's stands).
    _age(Vote, Vote.objects.get(user=voters[3], node=dup).pk, 30)
    _age(Vote, Vote.objects.get(user=voters[4], node=keep).pk, 30)
    for i, user in enumerate(voters[:3]):
        edge_vote_cast(user=user, edge=combined, strength=0.3 + 0.1 * i)
    edge_vote_cast(user=voters[1], edge=kept, strength=0.9)
    _age(EdgeVote, EdgeVote.objects.get(user=voters[1], edge=kept).pk, 30)
    edge_vote_cast(user=voters[2], edge=kept, strength=0.8)
    Comment.objects.create(map=the_map, node=dup, author=owner, body="Same as keep?")
    Comment.objects.create(map=the_map, edge=combined, author=owner, body="On the edge")
    Watch.objects.create(user=voters[0], map=the_map, node=dup)
    Watch.objects.create(user=voters[1], map=the_map, node=dup)
    Watch.objects.create(user=voters[1], map=the_map, node=keep)
    return Duplicates(map=the_map, dup=dup, keep=keep, frame=frame, other=other, voters=voters)


@pytest.fixture
def dups(owner) -> Duplicates:
    return build(owner)


def edge_ends(the_map: Map) -> set[tuple]:
    return {
        (e.source.key, e.target.key if e.target else e.target_edge.key, e.kind)
        for e in Edge.objects.filter(map=the_map).select_related("source", "target", "target_edge")
    }
