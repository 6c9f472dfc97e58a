"""The double crux through the API: consent first, then the answer (issue 18)."""

import pytest

from cruxes.models import ShareAudience
from cruxes.sharing import sharing_set
from tests.double_crux.conftest import camp_map_build, votes_put
from tests.factories import UserFactory
from tests.schools import electorates as el

pytestmark = pytest.mark.django_db

URL = "/api/v1/maps/camps/double-crux/"


def test_two_camp_members_who_shared_see_the_five_split_cruxes_first(camps, client_for):
    the_map, voters = camps
    a, b = voters[0], voters[-1]
    sharing_set(user=b, map=the_map, audience=ShareAudience.CHOSEN, viewers=[a.username])
    response = client_for(a).get(URL, {"with": b.username})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["no_frame_disagreement"] is False
    assert {f["key"] for f in body["frames"]} >= {"f0", "f1"}
    first_five = [c["key"] for c in body["cruxes"][:5]]
    assert sorted(first_five) == el.SPLIT_KEYS
    top = body["cruxes"][0]
    # Both credences: mine (mine) and theirs (they shared), each their own vote.
    assert top["a"]["own"] and top["b"]["own"]
    assert top["a"]["vote"] > 0.7 and top["b"]["vote"] < 0.3
    assert top["title"].startswith("Crux c0")
    assert top["url"] == f"/maps/camps/nodes/{top['key']}/"
    assert top["frames"] and top["frames"][0]["gap_after"] < top["frames"][0]["gap_before"]
    assert top["reason"].startswith("you hold ") and f" and {b.username} holds " in top["reason"]
    assert body["with"] == {"kind": "person", "username": b.username}


def test_without_their_consent_the_answer_is_403_and_names_no_credence(camps, client_for):
    the_map, voters = camps
    a, b, c = voters[0], voters[-1], voters[1]
    client = client_for(a)
    # Nobody (the default).
    response = client.get(URL, {"with": b.username})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        f"{b.username} has not shared their credences on this map with you"
    )
    # Chosen, but not me.
    sharing_set(user=b, map=the_map, audience=ShareAudience.CHOSEN, viewers=[c.username])
    assert client.get(URL, {"with": b.username}).status_code == 403
    assert client_for(c).get(URL, {"with": b.username}).status_code == 200
    # Everyone: me too; and back to nobody: 403 again (the cache does not outlive consent).
    sharing_set(user=b, map=the_map, audience=ShareAudience.EVERYONE)
    assert client.get(URL, {"with": b.username}).status_code == 200
    sharing_set(user=b, map=the_map, audience=ShareAudience.NOBODY)
    assert client.get(URL, {"with": b.username}).status_code == 403


def test_sharing_with_me_does_not_share_mine_with_them(camps, client_for):
    the_map, voters = camps
    a, b = voters[0], voters[-1]
    sharing_set(user=b, map=the_map, audience=ShareAudience.CHOSEN, viewers=[a.username])
    assert client_for(a).get(URL, {"with": b.username}).status_code == 200
    assert client_for(b).get(URL, {"with": a.username}).status_code == 403


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 400, "with"),
        ({"with": ""}, 400, "with"),
        ({"with": "camp-a-00"}, 400, "with"),  # yourself
        ({"with": "nobody-by-that-name"}, 404, "with"),
        ({"with": "camp-b-29", "group": "1"}, 400, "with"),
        ({"group": "x"}, 400, "group"),
        ({"group": "1", "against": "-2"}, 400, "against"),
        ({"group": "1", "against": "1"}, 400, "against"),
        ({"with": "camp-b-29", "limit": "0"}, 400, "limit"),
        ({"with": "camp-b-29", "limit": "abc"}, 400, "limit"),
        ({"with": "camp-b-29", "frame": "f0"}, 400, "frame"),
        ({"group": "1"}, 404, "group"),  # no schools run yet
    ],
)
def test_bad_parameters_are_refused_by_name(camps, client_for, params, status, field):
    the_map, voters = camps
    sharing_set(user=voters[-1], map=the_map, audience=ShareAudience.EVERYONE)
    response = client_for(voters[0]).get(URL, params)
    assert response.status_code == status, response.json()
    assert field in response.json()["error"]["fields"]


def test_a_pair_that_agrees_on_every_frame_is_told_so(camps, client_for):
    the_map, voters = camps
    a, b = voters[0], voters[1]  # the same camp
    sharing_set(user=b, map=the_map, audience=ShareAudience.EVERYONE)
    body = client_for(a).get(URL, {"with": b.username}).json()
    assert body["no_frame_disagreement"] is True
    assert body["cruxes"] == [] and body["frames"] == []


def test_a_third_persons_few_votes_stay_hidden_where_a_side_did_not_vote(owner, client_for):
    """Where a side did not vote its value is the community's; on a crux fewer than the
    privacy floor voted on, that would be their votes: it is withheld, in the numbers and
    in the words."""
    the_map, voters = camp_map_build(owner)
    lone = voters[-1]
    # One third person's vote is all c03 has; ann votes on it, ben does not.
    the_map.nodes.get(key="c03").votes.exclude(user=lone).delete()
    lone_vote = the_map.nodes.get(key="c03").votes.get().credence
    a, b = UserFactory(username="ann"), UserFactory(username="ben")
    votes_put(a, the_map, {"c00": 0.95, "c01": 0.95, "c02": 0.95, "c03": 0.95})
    votes_put(b, the_map, {"c00": 0.05, "c01": 0.05, "c02": 0.05})
    sharing_set(user=b, map=the_map, audience=ShareAudience.EVERYONE)
    body = client_for(a).get(URL, {"with": "ben"}).json()
    rows = {c["key"]: c for c in body["cruxes"]}
    assert {"c00", "c01", "c02", "c03"} <= set(rows)
    row = rows["c03"]
    assert row["a"] == {"credence": pytest.approx(0.95, abs=0.01), "vote": 0.95, "own": True}
    assert row["b"] == {"credence": None, "vote": None, "own": False}
    assert "ben did not vote" in row["reason"]
    assert f"{lone_vote:.2f}" not in row["reason"]
    # ben's own votes are shown: he shared them.
    assert rows["c00"]["a"]["vote"] == 0.95 and rows["c00"]["b"]["vote"] == 0.05
