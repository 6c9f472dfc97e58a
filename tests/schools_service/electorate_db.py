"""The schools acceptance electorates (tests/schools/electorates.py) put in the database:
the camp map's frames, cruxes and edges as rows, the voters as users, their credences
as Vote rows."""

from __future__ import annotations

import numpy as np
from django.db.models import F

from claims.models import Map, Node
from core.validation import CREDENCE_MAX, CREDENCE_MIN
from cruxes.models import Vote
from cruxes.services import ranking_compute
from tests.factories import EdgeFactory, FrameFactory, NodeFactory, UserFactory
from tests.schools.electorates import CRUX_KEYS, camp_map


def build_camp_map(the_map: Map, *, seed: int = 0) -> dict[str, Node]:
    """Four frames f0-f3 and twenty cruxes c00-c19 linked as camp_map(seed) says."""
    nodes_in, edges_in = camp_map(seed)
    nodes: dict[str, Node] = {}
    for n in nodes_in:
        factory = FrameFactory if n.kind == "frame" else NodeFactory
        title = f"Frame {n.key}" if n.kind == "frame" else f"Crux {n.key}"
        nodes[n.key] = factory(map=the_map, key=n.key, title=title)
    for e in edges_in:
        EdgeFactory(
            source=nodes[e.source],
            target=nodes[e.target],
            kind=e.kind,
            weight=min(1.0, e.weight),
        )
    return nodes


def cast_votes(
    the_map: Map, nodes: dict[str, Node], votes: np.ndarray, *, prefix: str = "voter"
) -> list:
    """One user a row of `votes` (named prefix00, prefix01, ...), a Vote per cast cell."""
    votes = np.clip(votes, CREDENCE_MIN, CREDENCE_MAX)  # NaN stays NaN
    users = [UserFactory(username=f"{prefix}{i:02d}") for i in range(votes.shape[0])]
    Vote.objects.bulk_create(
        Vote(user=user, node=nodes[key], credence=float(x), node_revision=nodes[key].revision)
        for user, row in zip(users, votes.tolist(), strict=True)
        for key, x in zip(CRUX_KEYS, row, strict=True)
        if x == x  # NaN: no vote
    )
    # A vote bumps the map's version: the schools are computed at a version of their own.
    Map.objects.filter(pk=the_map.pk).update(graph_version=F("graph_version") + 1)
    ranking_compute(map_id=the_map.pk)
    return users
