"""The edge-vote API (issue 14): PUT/GET/DELETE /api/v1/maps/{slug}/edges/{key}/vote/ and
GET .../strength/; who may vote, what others see, refused input that changes nothing."""

import pytest
from django.urls import resolve

from claims.models import Map
from cruxes import apis
from cruxes.models import EdgeVote, EdgeVoteHistory
from cruxes.ranking import pooled_strength
from tests.edge_votes.conftest import build, strength_url, vote_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAH = "nah--supports--frame"


def version(slug: str = "edges") -> int:
    return Map.objects.values_list("graph_version", flat=True).get(slug=slug)


def test_a_voter_puts_reads_changes_and_deletes_their_strength(graph, voter, api):
    client = api(voter)
    put = client.put(vote_url(NAH), {"strength": 0.8}, format="json")
    assert put.status_code == 200, put.content
    body = put.json()
    assert {k: body[k] for k in ("edge", "strength", "edge_revision", "stale")} == {
        "edge": NAH,
        "strength": 0.8,
        "edge_revision": 1,
        "stale": False,
    }
    assert client.get(vote_url(NAH)).json()["strength"] == 0.8
    assert client.put(vote_url(NAH), {"strength": 0.2}, format="json").json()["strength"] == 0.2
    assert EdgeVote.objects.get().strength == 0.2
    assert client.delete(vote_url(NAH)).status_code == 204
    assert not EdgeVote.objects.exists()
    actions = list(EdgeVoteHistory.objects.values_list("action", flat=True))
    assert actions == ["cast", "change", "withdraw"]
    gone = client.get(vote_url(NAH))
    assert gone.status_code == 404 and "not voted" in gone.json()["error"]["message"]
    again = client.delete(vote_url(NAH))
    assert again.status_code == 404 and "no vote on this edge" in again.json()["error"]["message"]


def test_zero_and_one_are_accepted(graph, voter, api):
    client = api(voter)
    assert client.put(vote_url(NAH), {"strength": 0}, format="json").json()["strength"] == 0
    assert client.put(vote_url(NAH), {"strength": 1}, format="json").json()["strength"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"strength": 1.01},
        {"strength": -0.5},
        {"strength": 2},
        {"strength": "0.5"},
        {"strength": True},
        {"strength": None},
        {"strength": [0.5]},
        {},
    ],
)
def test_a_strength_outside_0_1_or_not_a_number_is_a_400_naming_it_and_changes_nothing(
    graph, voter, api, counts, body
):
    client = api(voter)
    client.put(vote_url(NAH), {"strength": 0.4}, format="json")
    before, rows = version(), counts()
    refused = client.put(vote_url(NAH), body, format="json")
    assert refused.status_code == 400, refused.content
    assert "strength" in refused.json()["error"]["fields"]
    assert counts() == rows and version() == before
    assert EdgeVote.objects.get().strength == 0.4


def test_a_body_that_is_not_an_object_is_a_400(graph, voter, api, counts):
    rows = counts()
    refused = api(voter).put(vote_url(NAH), [0.5], format="json")
    assert refused.status_code == 400 and counts() == rows


def test_an_unknown_edge_is_a_404_naming_it_and_changes_nothing(graph, voter, api, counts):
    rows, before = counts(), version()
    for method in ("put", "delete", "get"):
        answer = getattr(api(voter), method)(
            vote_url("no-such-edge"), {"strength": 0.5}, format="json"
        )
        assert answer.status_code == 404
        assert "no edge 'no-such-edge' in map 'edges'" in answer.json()["error"]["message"]
    missing = api().get(strength_url("no-such-edge"))
    assert missing.status_code == 404 and "no-such-edge" in missing.json()["error"]["message"]
    assert counts() == rows and version() == before


def test_an_edge_of_another_map_is_not_found_through_this_one(graph, owner, voter, api, counts):
    build(owner, slug="other")
    rows = counts()
    assert api(voter).put(vote_url("nah--supports--frame", slug="nope"), {"strength": 0.5},
                          format="json").status_code == 404  # fmt: skip
    # The same key exists in both maps: each map's URL reaches its own edge.
    api(voter).put(vote_url(NAH, slug="other"), {"strength": 0.5}, format="json")
    assert EdgeVote.objects.get().edge.map.slug == "other"
    assert counts()["cruxes.EdgeVote"] == rows["cruxes.EdgeVote"] + 1


def test_anonymous_callers_get_401_and_hidden_maps_404(owner, voter, api, counts):
    build(owner, slug="secret", visibility="private")
    build(owner, slug="edges")
    rows = counts()
    assert api().put(vote_url(NAH), {"strength": 0.5}, format="json").status_code == 401
    hidden = api(voter).put(vote_url(NAH, slug="secret"), {"strength": 0.5}, format="json")
    assert hidden.status_code == 404
    assert api(voter).get(strength_url(NAH, slug="secret")).status_code == 404
    assert counts() == rows


def test_members_of_a_private_map_vote_on_its_edges(owner, api):
    from claims.services import member_set

    secret = build(owner, slug="secret", visibility="private")["map"]
    insider = UserFactory(username="insider")
    member_set(map=secret, username="insider", role="voter")
    answer = api(insider).put(vote_url(NAH, slug="secret"), {"strength": 0.5}, format="json")
    assert answer.status_code == 200


def test_the_routes_resolve_to_their_own_views_beside_the_edge_detail():
    assert resolve(vote_url(NAH)).func.view_class is apis.EdgeVoteApi
    assert resolve(strength_url(NAH)).func.view_class is apis.EdgeStrengthApi
    detail = resolve(f"/api/v1/maps/edges/edges/{NAH}/").func.view_class
    assert detail not in (apis.EdgeVoteApi, apis.EdgeStrengthApi)
    assert detail.__module__ == "claims.apis"


# --- the strength endpoint: pooled, privacy floor, members, one's own vote --------------


def cast(api, strengths: list[float], prefix: str = "v") -> list:
    people = [UserFactory(username=f"{prefix}{i}") for i in range(len(strengths))]
    for person, s in zip(people, strengths, strict=True):
        assert api(person).put(vote_url(NAH), {"strength": s}, format="json").status_code == 200
    return people


def test_with_no_votes_the_strength_is_the_authors_weight(graph, api):
    body = api().get(strength_url(NAH)).json()
    assert body == {
        "edge": NAH,
        "n": 0,
        "withheld": False,
        "strength": 0.6,
        "member_n": 0,
        "member_strength": 0.6,
        "author_weight": 0.6,
        "privacy_floor": 3,
        "mine": None,
    }


@pytest.mark.parametrize("n", [1, 2])
def test_below_the_privacy_floor_only_the_count_is_shown(graph, api, n):
    people = cast(api, [0.95, 0.05][:n])
    for viewer in (None, UserFactory(username="onlooker"), people[0]):
        body = api(viewer).get(strength_url(NAH)).json()
        assert body["n"] == n and body["withheld"] is True and body["strength"] is None
        assert body["author_weight"] == 0.6
        # No member voted: their figure is the author's weight, and gives nothing away.
        assert body["member_n"] == 0 and body["member_strength"] == 0.6


def test_from_the_floor_on_the_pooled_strength_weighs_each_voter_by_standing(graph, api):
    from claims.services import member_set

    # Three accounts with no standing on the map (0.1 each) and three members (1.0).
    cast(api, [0.9, 0.95, 1.0])
    members = cast(api, [0.2, 0.25, 0.3], prefix="m")
    for person in members:
        member_set(map=graph["map"], username=person.username, role="voter")
    body = api().get(strength_url(NAH)).json()
    expected = pooled_strength(
        [0.9, 0.95, 1.0, 0.2, 0.25, 0.3], [0.1, 0.1, 0.1, 1.0, 1.0, 1.0], 0.6
    )
    assert body["n"] == 6 and body["withheld"] is False
    assert body["strength"] == pytest.approx(expected)
    assert body["member_n"] == 3
    assert body["member_strength"] == pytest.approx(pooled_strength([0.2, 0.25, 0.3], None, 0.6))
    # Each vote counted fully, the outsiders' three would pull it well above.
    assert body["strength"] < pooled_strength([0.9, 0.95, 1.0, 0.2, 0.25, 0.3], None, 0.6) - 0.1


def test_one_members_figure_is_hidden_as_it_would_be_their_vote(graph, api, member):
    cast(api, [0.9, 0.95, 1.0])
    api(member).put(vote_url(NAH), {"strength": 0.2}, format="json")
    body = api().get(strength_url(NAH)).json()
    assert body["strength"] is not None and body["member_n"] == 1
    assert body["member_strength"] is None


def test_the_members_figure_is_hidden_while_the_others_are_below_the_floor(graph, api):
    from claims.services import member_set

    members = cast(api, [0.2, 0.25, 0.3], prefix="m")
    for person in members:
        member_set(map=graph["map"], username=person.username, role="voter")
    cast(api, [0.9, 0.95])  # two others: everyone's figure minus the members' shows theirs
    body = api().get(strength_url(NAH)).json()
    assert body["strength"] is not None and body["member_n"] == 3
    assert body["member_strength"] is None


def test_a_voter_sees_their_own_vote_and_no_one_elses(graph, api):
    alice, bob = cast(api, [0.37, 0.81], prefix="p")
    assert api(alice).get(strength_url(NAH)).json()["mine"] == {
        "strength": 0.37,
        "edge_revision": 1,
        "stale": False,
    }
    assert api(bob).get(strength_url(NAH)).json()["mine"]["strength"] == 0.81
    assert api().get(strength_url(NAH)).json()["mine"] is None
    assert api(UserFactory(username="carol")).get(strength_url(NAH)).json()["mine"] is None
    # The vote endpoint answers the caller's own vote only.
    assert api(bob).get(vote_url(NAH)).json()["strength"] == 0.81


def test_the_ranking_diff_never_says_who_voted_on_an_edge_or_when(owner, voter, api):
    from cruxes.services import ranking_refresh

    the_map = build(owner, undercut=False)["map"]
    ranking_refresh(map_id=the_map.pk)
    v_from = version()
    api(voter).put(vote_url(NAH), {"strength": 0.05}, format="json")
    ranking_refresh(map_id=the_map.pk)
    diff = api().get(f"/api/v1/maps/edges/ranking/diff/?from={v_from}&to={version()}").json()
    entries = [w for c in diff["cruxes"] for w in c["why"]]
    assert entries  # the vote moved the ranking (the engine pools edge strengths)
    for entry in entries:
        assert entry["action"] == "vote_edge_cast"
        assert "user" not in entry and "at" not in entry
