"""schools_compute through the database: the acceptance electorates, the privacy floor,
live nodes only, idempotence and retention."""

import numpy as np
import pytest

from claims.models import Map, Node
from cruxes.models import SchoolMember, SchoolsRun
from cruxes.schools_service import SCHOOLS_KEEP_RUNS, schools_compute
from cruxes.services import vote_cast
from tests.schools.electorates import CRUX_KEYS, SPLIT_KEYS, camps
from tests.schools_service.electorate_db import build_camp_map, cast_votes

pytestmark = pytest.mark.django_db


def test_two_camps_give_two_groups_set_apart_by_the_five_split_cruxes(a_map, camp_voters):
    run = schools_compute(map_id=a_map.pk)
    assert run is not None
    assert run.voters == 30
    assert [(g["label"], g["size"]) for g in run.groups] == [("A", 15), ("B", 15)]
    for group in run.groups:
        # Those five, and nothing else: the camps' small gaps elsewhere set nobody apart.
        assert sorted(s["key"] for s in group["separating"]) == SPLIT_KEYS, group["label"]
        for s in group["separating"][:5]:
            assert abs(s["group_credence"] - s["others_credence"]) > 0.5
            assert s["title"] == f"Crux {s['key']}"
    # Each camp is exactly one group.
    group_of = dict(SchoolMember.objects.filter(run=run).values_list("user__username", "group"))
    camp_a = {group_of[u.username] for u in camp_voters[:15]}
    camp_b = {group_of[u.username] for u in camp_voters[15:]}
    assert len(camp_a) == len(camp_b) == 1 and camp_a != camp_b
    # Pooled credences: camp A voted 0.8-0.9 on the split cruxes, camp B 0.1-0.2.
    a = run.groups[camp_a.pop()]
    b = run.groups[camp_b.pop()]
    for key in SPLIT_KEYS:
        assert a["credences"][key] > 0.75 and b["credences"][key] < 0.25
    # The split cruxes support f0 and f1: camp A's view of them is the stronger one.
    assert a["frames"]["f0"] > b["frames"]["f0"] + 0.05
    assert a["frames"]["f1"] > b["frames"]["f1"] + 0.05
    assert set(a["frames"]) == {"f0", "f1", "f2", "f3"}
    assert run.detail["k"] == 2
    assert run.detail["silhouette"] >= run.detail["criterion"]["silhouette_min"]
    assert run.detail["silhouette"] >= run.detail["null_silhouette"] + 0.05
    assert run.duration_ms > 0


def test_a_random_electorate_gives_one_group_and_nothing_that_separates(a_map, random_voters):
    run = schools_compute(map_id=a_map.pk)
    assert run.detail["k"] == 1
    assert len(run.groups) == 1
    assert run.groups[0]["size"] == 30
    assert run.groups[0]["separating"] == []
    assert {g for (_, _, g) in run.detail["scatter"]} == {0}


def test_fewer_voters_than_the_floor_store_a_run_with_no_group(a_map, settings):
    settings.PRIVACY_MIN_VOTERS = 31  # the 30 voters are one too few
    cast_votes(a_map, build_camp_map(a_map), camps(0))
    run = schools_compute(map_id=a_map.pk)
    assert run.voters == 30
    assert run.groups == []
    assert run.detail["scatter"] == []
    assert not SchoolMember.objects.filter(run=run).exists()


def test_groups_show_credences_only_on_nodes_with_enough_voters(a_map, owner, settings):
    settings.PRIVACY_MIN_VOTERS = 3
    nodes = build_camp_map(a_map)
    votes = camps(0)
    votes[2:, CRUX_KEYS.index("c19")] = np.nan  # two voters on c19 only
    cast_votes(a_map, nodes, votes)
    run = schools_compute(map_id=a_map.pk)
    for group in run.groups:
        assert "c19" not in group["credences"]
        assert "c18" in group["credences"]
        assert "c19" not in [s["key"] for s in group["separating"]]


def test_hidden_and_merged_nodes_are_left_out(a_map, camp_voters, owner):
    from django.utils import timezone

    Node.objects.filter(map=a_map, key="c00").update(hidden_at=timezone.now())
    survivor = Node.objects.get(map=a_map, key="c01")
    Node.objects.filter(map=a_map, key="c02").update(merged_into=survivor)
    run = schools_compute(map_id=a_map.pk)
    assert run.detail["nodes"] == 18
    for group in run.groups:
        assert "c00" not in group["credences"] and "c02" not in group["credences"]
        assert {"c00", "c02"}.isdisjoint(s["key"] for s in group["separating"])


def test_a_second_compute_at_the_same_version_is_a_no_op(a_map, camp_voters):
    first = schools_compute(map_id=a_map.pk)
    assert schools_compute(map_id=a_map.pk) is None
    assert SchoolsRun.objects.filter(map=a_map).count() == 1
    assert SchoolMember.objects.filter(run=first).count() == 30


def test_a_new_vote_gives_a_new_run_and_only_the_newest_runs_are_kept(a_map, camp_voters):
    crux = Node.objects.get(map=a_map, key="c05")
    versions = []
    for i in range(SCHOOLS_KEEP_RUNS + 2):
        run = schools_compute(map_id=a_map.pk)
        assert run is not None
        versions.append(run.graph_version)
        vote_cast(user=camp_voters[0], node=crux, credence=0.3 + i / 20)
    kept = list(SchoolsRun.objects.filter(map=a_map).values_list("graph_version", flat=True))
    assert kept == sorted(versions, reverse=True)[:SCHOOLS_KEEP_RUNS]
    # Their members went with the pruned runs.
    assert SchoolMember.objects.filter(run__map=a_map).count() == 30 * SCHOOLS_KEEP_RUNS
    assert Map.objects.get(pk=a_map.pk).graph_version > max(versions)


def test_the_scatter_order_does_not_follow_user_ids(a_map, camp_voters):
    run = schools_compute(map_id=a_map.pk)
    by_point = list(
        SchoolMember.objects.filter(run=run).order_by("point").values_list("user_id", flat=True)
    )
    assert len(by_point) == len(run.detail["scatter"]) == 30
    assert by_point != sorted(by_point)
    # Each point's group is its member's group.
    for member in SchoolMember.objects.filter(run=run):
        assert run.detail["scatter"][member.point][2] == member.group


def test_a_group_keeps_its_label_from_one_run_to_the_next(a_map, camp_voters):
    def labels(run):
        members = SchoolMember.objects.filter(run=run).values_list("user__username", "group")
        return {name: run.groups[group]["label"] for name, group in members}

    crux = Node.objects.get(map=a_map, key="c06")
    seen = []  # (labels, points) of each run, read before a later run prunes it
    for i in range(3):
        run = schools_compute(map_id=a_map.pk)
        assert [g["id"] for g in run.groups] == [0, 1]
        points = dict(SchoolMember.objects.filter(run=run).values_list("user_id", "point"))
        seen.append((labels(run), points))
        # Each vote is a new version: a new shuffle of the rows, a new k-means seed.
        vote_cast(user=camp_voters[i], node=crux, credence=0.4 + i / 10)
    first = seen[0][0]
    assert set(first.values()) == {"A", "B"}
    assert all(later == first for later, _ in seen[1:])
    # The rows were shuffled anew each time: the points moved, the labels did not.
    assert seen[0][1] != seen[1][1] != seen[2][1]
