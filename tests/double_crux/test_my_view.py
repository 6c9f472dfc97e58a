"""My view through the API: my frames and cruxes from my credences, and where I differ."""

import pytest
from django.core.cache import cache

from cruxes.services import vote_cast
from tests.double_crux.conftest import camp_map_build

pytestmark = pytest.mark.django_db

URL = "/api/v1/maps/camps/me/"


def test_a_camp_member_sees_their_frames_above_the_community_and_why(camps, client_for):
    the_map, voters = camps
    body = client_for(voters[0]).get(URL).json()  # camp A: high on the split cruxes
    assert body["votes"] == 20
    frames = {f["key"]: f for f in body["frames"]}
    assert set(frames) == {"f0", "f1", "f2", "f3"}
    # The split cruxes support f0 and f1: camp A finds them likelier than everyone.
    assert frames["f0"]["mine"] > frames["f0"]["community"] + 0.05
    assert frames["f1"]["mine"] > frames["f1"]["community"] + 0.05
    assert frames["f0"]["title"] == "Frame f0" and frames["f0"]["url"] == "/maps/camps/frames/f0/"
    differing = [d["key"] for d in body["differences"]["cruxes"]]
    assert set(differing[:5]) == {"c00", "c01", "c02", "c03", "c04"}
    first = body["differences"]["cruxes"][0]
    assert first["words"].startswith("You hold 'Crux c0")
    assert "points higher" in first["words"]
    assert body["differences"]["frames"][0]["key"] in {"f0", "f1"}
    assert len(body["cruxes"]) == 20 and body["cruxes"][0]["rank"] == 1
    assert all(c["my_vote"] is not None for c in body["cruxes"])


def test_someone_who_never_voted_sees_the_community_view(camps, outsider, client_for):
    body = client_for(outsider).get(URL).json()
    assert body["votes"] == 0
    assert all(f["mine"] == f["community"] for f in body["frames"])
    assert body["differences"] == {"frames": [], "cruxes": []}


def test_a_new_vote_is_seen_at_once_not_served_from_the_cache(owner, outsider, client_for):
    the_map, _ = camp_map_build(owner)
    client = client_for(outsider)
    before = client.get(URL).json()
    vote_cast(user=outsider, node=the_map.nodes.get(key="c00"), credence=0.01)
    after = client.get(URL).json()
    assert after["votes"] == 1 and after["graph_version"] > before["graph_version"]
    mine = {c["key"]: c for c in after["cruxes"]}
    assert "c00" not in mine or mine["c00"]["my_vote"] == 0.01
    assert any(d["key"] == "c00" for d in after["differences"]["cruxes"])
    assert cache.get(f"argmap:myview:{the_map.pk}:{after['graph_version']}:{outsider.pk}")
