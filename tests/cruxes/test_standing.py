"""A voter's standing on a map weighs their vote (issue 13, item 3; cruxes/standing.py).

The owner and admitted members count fully; other signed-in voters count
RANKING_NONMEMBER_WEIGHT until admitted, or until an old enough account with
enough nodes of its own on the map earns full weight. The ranking's inputs, the
stored ranking, the credence API and the node page all weigh votes by it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Map, MapChange
from claims.services import edge_create, map_create, member_set, node_create, node_delete
from cruxes.ranking.credence import aggregate_one
from cruxes.selectors import ranking_inputs, ranking_latest
from cruxes.services import ranking_needed, ranking_refresh, vote_cast
from cruxes.standing import map_standing
from tests.factories import UserFactory
from tests.test_project import run_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    # ranking_refresh runs in-process here, right after the votes: no burst to wait out.
    settings.RANKING_DEBOUNCE_MS = 0


def small_map(owner, slug: str = "standing"):
    """A frame and a crux that supports it."""
    the_map = map_create(slug=slug, title=slug.title(), owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=owner)
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    return Map.objects.get(pk=the_map.pk), crux


def old_account(username: str, days: int = 120):
    return UserFactory(username=username, date_joined=timezone.now() - timedelta(days=days))


def contribute(the_map, user, count: int) -> list:
    return [
        node_create(
            map=the_map,
            kind="claim",
            title=f"{user.username} {i}",
            key=f"{user.username}-{i}",
            created_by=user,
        )
        for i in range(count)
    ]


def weights_on(the_map, *users) -> list[float]:
    standing = map_standing(map_id=the_map.pk, voters={u.pk for u in users})
    return [standing.weight(u.pk) for u in users]


# --- the rule -----------------------------------------------------------------


def test_the_owner_and_admitted_members_count_fully(owner, voter, editor):
    the_map, _ = small_map(owner)
    member_set(map=the_map, username="voter", role="voter")
    member_set(map=the_map, username="editor", role="editor")
    assert weights_on(the_map, owner, voter, editor) == [1.0, 1.0, 1.0]


def test_other_signed_in_voters_count_the_nonmember_weight(owner, outsider, settings):
    the_map, _ = small_map(owner)
    assert weights_on(the_map, outsider) == [0.1]
    settings.RANKING_NONMEMBER_WEIGHT = 0.25
    assert weights_on(the_map, outsider) == [0.25]


def test_an_old_account_with_three_nodes_on_the_map_counts_fully(owner):
    the_map, _ = small_map(owner)
    veteran = old_account("veteran")
    contribute(the_map, veteran, 3)
    assert weights_on(the_map, veteran) == [1.0]


def test_a_young_account_or_too_few_nodes_does_not_earn_full_weight(owner):
    the_map, _ = small_map(owner)
    elsewhere, _ = small_map(owner, slug="elsewhere")
    young = old_account("young", days=30)
    contribute(the_map, young, 3)
    sparse = old_account("sparse")
    contribute(the_map, sparse, 2)
    contribute(elsewhere, sparse, 5)  # nodes on another map are no record on this one
    assert weights_on(the_map, young, sparse) == [0.1, 0.1]


def test_a_contribution_counts_only_while_its_node_exists(owner):
    the_map, _ = small_map(owner)
    veteran = old_account("veteran")
    first, *_ = contribute(the_map, veteran, 3)
    assert weights_on(the_map, veteran) == [1.0]
    node_delete(node=first)
    assert weights_on(the_map, veteran) == [0.1]


def test_the_track_record_thresholds_are_settings(owner, settings):
    the_map, _ = small_map(owner)
    newcomer = old_account("newcomer", days=10)
    contribute(the_map, newcomer, 1)
    assert weights_on(the_map, newcomer) == [0.1]
    settings.RANKING_TRUSTED_ACCOUNT_DAYS = 7
    settings.RANKING_TRUSTED_CONTRIBUTIONS = 1
    assert weights_on(the_map, newcomer) == [1.0]


def test_standing_costs_one_query_whatever_the_number_of_voters(owner, django_assert_num_queries):
    the_map, _ = small_map(owner)
    few = [UserFactory(username=f"few{i}").pk for i in range(2)]
    many = [UserFactory(username=f"many{i}").pk for i in range(60)]
    for voters in (few, many, None):
        with django_assert_num_queries(1):
            map_standing(map_id=the_map.pk, voters=voters)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RANKING_NONMEMBER_WEIGHT": "lots"}, "RANKING_NONMEMBER_WEIGHT='lots' must be a number"),
        ({"RANKING_NONMEMBER_WEIGHT": "1.5"}, "must be a number from 0 to 1"),
        ({"RANKING_NONMEMBER_WEIGHT": "nan"}, "must be a number from 0 to 1"),
        ({"RANKING_TRUSTED_CONTRIBUTIONS": "0"}, "RANKING_TRUSTED_CONTRIBUTIONS 1 or more"),
        ({"RANKING_TRUSTED_ACCOUNT_DAYS": "soon"}, "is not an integer"),
    ],
)
def test_a_malformed_standing_setting_stops_start_up(env, message):
    result = run_settings({"DEBUG": "1", **env})
    assert result.returncode != 0
    assert message in result.stderr


# --- the ranking's inputs and the stored ranking ------------------------------


def test_ranking_inputs_weigh_each_vote_by_its_voters_standing(owner, voter, outsider):
    the_map, crux = small_map(owner)
    member_set(map=the_map, username="voter", role="voter")
    vote_cast(user=voter, node=crux, credence=0.8)
    vote_cast(user=outsider, node=crux, credence=0.3)
    frame = the_map.nodes.get(key="frame")
    vote_cast(user=voter, node=frame, credence=0.6)
    nodes = {n.key: n for n in ranking_inputs(map_id=the_map.pk)[0]}
    assert nodes["crux"].credences == (0.3, 0.8)
    assert nodes["crux"].weights == (0.1, 1.0)
    # Only full-weight votes: no weights, which the engine reads as all 1.0.
    assert nodes["frame"].credences == (0.6,) and nodes["frame"].weights == ()


def test_ranking_inputs_read_standing_in_one_more_query(owner, django_assert_num_queries):
    the_map, crux = small_map(owner)
    for i in range(20):
        vote_cast(user=UserFactory(username=f"v{i}"), node=crux, credence=0.6)
    # standing, votes, nodes, edge votes, edges: the same five whatever the map's size
    with django_assert_num_queries(5):
        ranking_inputs(map_id=the_map.pk)


def stored_credence(the_map) -> float:
    ranking_refresh(map_id=the_map.pk)
    crux = next(c for c in ranking_latest(map=the_map)["cruxes"] if c["id"] == "crux")
    return crux["credence"]


def test_a_stored_ranking_weighs_nonmember_votes_less_than_member_votes(owner):
    members_map, members_crux = small_map(owner, slug="members-vote")
    others_map, others_crux = small_map(owner, slug="others-vote")
    for i in range(3):
        member = UserFactory(username=f"member{i}")
        member_set(map=members_map, username=member.username, role="voter")
        vote_cast(user=member, node=members_crux, credence=0.99)
        vote_cast(user=UserFactory(username=f"fresh{i}"), node=others_crux, credence=0.99)
    by_members = stored_credence(members_map) - 0.5
    by_others = stored_credence(others_map) - 0.5
    assert by_members > 0.3
    assert 0 < by_others < by_members / 3


def three_outsiders_vote(the_map, crux) -> list:
    voters = [UserFactory(username=f"outsider{i}") for i in range(3)]
    for voter in voters:
        vote_cast(user=voter, node=crux, credence=0.99)
    return voters


def test_admitting_a_voter_through_the_api_turns_their_weight_to_one_in_the_next_run(owner):
    the_map, crux = small_map(owner)
    first, *_ = three_outsiders_vote(the_map, crux)
    before = stored_credence(the_map)
    assert before == pytest.approx(aggregate_one([0.99] * 3, 0.5, [0.1] * 3).credence, abs=1e-6)
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(
        "/api/v1/maps/standing/members/",
        {"username": first.username, "role": "voter"},
        format="json",
    )
    assert response.status_code == 201
    assert ranking_needed(map_id=the_map.pk)
    admitted = stored_credence(the_map)
    expected = aggregate_one([0.99] * 3, 0.5, [1.0, 0.1, 0.1]).credence
    assert admitted == pytest.approx(expected, abs=1e-6) and admitted > before + 0.1
    response = api.delete(f"/api/v1/maps/standing/members/?username={first.username}")
    assert response.status_code == 204
    assert ranking_needed(map_id=the_map.pk)
    assert stored_credence(the_map) == pytest.approx(before, abs=1e-6)


def test_admitting_a_member_bumps_the_graph_version_and_schedules_the_recompute(
    owner, voter, django_capture_on_commit_callbacks
):
    the_map, _ = small_map(owner)
    version = the_map.graph_version
    with django_capture_on_commit_callbacks() as scheduled:
        member_set(map=the_map, username="voter", role="voter", by=owner)
    assert len(scheduled) == 1
    the_map.refresh_from_db()
    assert the_map.graph_version == version + 1
    change = MapChange.objects.get(map=the_map, graph_version=version + 1)
    # Who was admitted, and what they voted on, is not written in the public log.
    assert (change.action, change.node_keys, change.user) == ("member_admit", [], owner)


def test_a_change_of_role_leaves_the_ranking_as_it_is(owner, voter):
    the_map, _ = small_map(owner)
    member_set(map=the_map, username="voter", role="voter")
    ranking_refresh(map_id=the_map.pk)
    member_set(map=the_map, username="voter", role="editor")
    assert not ranking_needed(map_id=the_map.pk)


def test_rank_map_files_carry_no_standing_so_every_vote_weighs_one():
    from cruxes.ranking.argmap import inputs_from_argmap

    doc = {
        "format": "argmap",
        "version": 1,
        "nodes": [
            {"id": "frame", "kind": "frame", "title": "Frame", "prior": 0.5},
            {"id": "crux", "kind": "crux", "title": "Crux", "prior": 0.5},
        ],
        "edges": [{"source": "crux", "target": "frame", "kind": "supports", "weight": 1.0}],
        "votes": [
            {"node": "crux", "user": "a", "credence": 0.9},
            {"node": "crux", "user": "b", "credence": 0.7},
        ],
    }
    nodes, _ = inputs_from_argmap(doc)
    crux = next(n for n in nodes if n.key == "crux")
    assert crux.credences == (0.9, 0.7) and crux.weights == ()


# --- what others see: every voter's figures and the members' ---------------


def vote_as(the_map, crux, credences: list[float], *, members: bool, prefix: str) -> None:
    for i, credence in enumerate(credences):
        user = UserFactory(username=f"{prefix}{i}")
        if members:
            member_set(map=the_map, username=user.username, role="voter")
        vote_cast(user=user, node=crux, credence=credence)


def credence_api(slug: str = "standing") -> dict:
    response = APIClient().get(f"/api/v1/maps/{slug}/nodes/crux/credence/")
    assert response.status_code == 200
    return response.json()


STATISTICS = ("mean", "median", "logodds_mean", "sd", "histogram", "credence")


def test_the_credence_api_reports_members_figures_beside_everyones(owner):
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.7, 0.8, 0.9], members=True, prefix="m")
    vote_as(the_map, crux, [0.1, 0.2, 0.3], members=False, prefix="o")
    body = credence_api()
    assert body["n"] == 6 and body["withheld"] is False
    assert body["mean"] == pytest.approx(0.5)
    weighted = aggregate_one([0.7, 0.8, 0.9, 0.1, 0.2, 0.3], 0.5, [1.0] * 3 + [0.1] * 3)
    assert body["credence"] == pytest.approx(weighted.credence)
    # The members outweigh three times as many votes the other way.
    assert body["credence"] > 0.6
    members = body["members"]
    assert members["n"] == 3 and members["withheld"] is False
    assert members["mean"] == pytest.approx(0.8) and sum(members["histogram"]) == 3
    assert members["credence"] == pytest.approx(aggregate_one([0.7, 0.8, 0.9], 0.5).credence)


def test_members_figures_are_withheld_below_the_floor_of_their_own_count(owner):
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.7, 0.8], members=True, prefix="m")
    vote_as(the_map, crux, [0.1, 0.2, 0.3], members=False, prefix="o")
    body = credence_api()
    assert body["withheld"] is False and body["mean"] is not None
    members = body["members"]
    assert members["n"] == 2 and members["withheld"] is True
    assert {key: members[key] for key in STATISTICS} == dict.fromkeys(STATISTICS)


def test_members_figures_are_withheld_while_the_other_voters_are_too_few_to_hide(owner):
    # Everyone's mean over 4 and the members' over 3 would give the one other vote.
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.7, 0.8, 0.9], members=True, prefix="m")
    vote_as(the_map, crux, [0.13], members=False, prefix="o")
    body = credence_api()
    assert body["n"] == 4 and body["withheld"] is False
    assert body["members"]["n"] == 3 and body["members"]["withheld"] is True
    assert body["members"]["mean"] is None and body["members"]["credence"] is None


def test_everyone_is_withheld_below_the_floor_and_so_are_the_members(owner):
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.7, 0.8], members=True, prefix="m")
    body = credence_api()
    assert body["withheld"] is True and body["credence"] is None
    assert body["members"]["withheld"] is True and body["members"]["credence"] is None


def test_a_map_voted_by_members_alone_shows_the_same_figures_twice(owner):
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.6, 0.7, 0.8], members=True, prefix="m")
    body = credence_api()
    for key in STATISTICS:
        assert body["members"][key] == pytest.approx(body[key])


def test_the_node_page_shows_the_members_figures(owner, client):
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.7, 0.8, 0.9], members=True, prefix="m")
    vote_as(the_map, crux, [0.1, 0.2, 0.3], members=False, prefix="o")
    page = client.get("/maps/standing/nodes/crux/").content.decode()
    pooled = aggregate_one([0.7, 0.8, 0.9], 0.5).credence
    assert f"The map's members alone: {pooled * 100:.0f} %" in page
    assert "from 3 votes (mean 80 %, median 80 %)" in page


def test_the_node_page_withholds_the_members_figures_that_would_give_a_vote_away(owner, client):
    the_map, crux = small_map(owner)
    vote_as(the_map, crux, [0.7, 0.8, 0.9], members=True, prefix="m")
    vote_as(the_map, crux, [0.13], members=False, prefix="o")
    page = client.get("/maps/standing/nodes/crux/").content.decode()
    assert "members alone" not in page
    assert "3 of the votes are by the map" in page
