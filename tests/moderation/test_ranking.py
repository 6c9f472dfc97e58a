"""A hidden node leaves the ranking at its next run and comes back after a restore."""

import pytest

from claims.models import Node
from claims.services import node_hide, node_restore
from cruxes.selectors import ranking_inputs
from cruxes.services import ranking_refresh

pytestmark = pytest.mark.django_db


def _ranked(client, the_map) -> list[str]:
    ranking_refresh(map_id=the_map.pk)
    body = client.get(f"/api/v1/maps/{the_map.slug}/ranking/").json()
    assert not body["stale"]
    return [c["id"] for c in body["cruxes"]]


def test_a_hidden_crux_leaves_the_ranking_at_the_next_run_and_returns_after_restore(
    mod_map, owner, client_for
):
    anyone = client_for()
    assert set(_ranked(anyone, mod_map)) == {"vandal", "good"}
    node_hide(node=Node.objects.get(map=mod_map, key="vandal"), by=owner, reason="spam")
    assert _ranked(anyone, mod_map) == ["good"]
    node_restore(node=Node.objects.get(map=mod_map, key="vandal"), by=owner)
    assert set(_ranked(anyone, mod_map)) == {"vandal", "good"}


def test_the_engine_gets_neither_the_hidden_node_nor_its_edges_nor_their_undercuts(mod_map, owner):
    node_hide(node=Node.objects.get(map=mod_map, key="good"), by=owner)
    nodes, edges = ranking_inputs(map_id=mod_map.pk)
    assert {n[0] for n in nodes} == {"frame", "vandal", "claim"}
    # good -> frame, claim -> good and the undercut of good -> frame are all gone.
    assert [(e[0], e[1], e[2]) for e in edges] == [("vandal", "frame", "supports")]


def test_hiding_a_claim_leaves_the_crux_it_supported_ranked(mod_map, owner, client_for):
    node_hide(node=Node.objects.get(map=mod_map, key="claim"), by=owner)
    assert set(_ranked(client_for(), mod_map)) == {"vandal", "good"}
