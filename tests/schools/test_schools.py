"""find_schools and separating_cruxes on synthetic electorates (the acceptance cases)."""

from __future__ import annotations

import numpy as np
import pytest

from cruxes.ranking import rank
from cruxes.ranking.schools import find_schools, separating_cruxes

from .electorates import (
    CRUX_KEYS,
    SPLIT_KEYS,
    VOTERS,
    camp_map,
    camps,
    random_electorate,
)

CAMP_A = set(range(VOTERS // 2))


def _members(schools) -> list[set[int]]:
    return [set(g.members.tolist()) for g in schools.groups]


@pytest.mark.parametrize("seed", range(3))
def test_two_camps_give_two_groups_separated_by_the_five_split_cruxes(seed):
    schools = find_schools(camps(seed), node_keys=CRUX_KEYS, min_size=3, seed=seed)
    assert schools.k == 2
    assert sorted(map(sorted, _members(schools))) == [
        sorted(CAMP_A),
        sorted(set(range(VOTERS)) - CAMP_A),
    ]
    assert [g.size for g in schools.groups] == [15, 15]
    nodes, edges = camp_map()
    separating = separating_cruxes(schools, rank(nodes, edges), top=5)
    for group in schools.groups:
        top = separating[group.index]
        assert {s.key for s in top} == set(SPLIT_KEYS)
        assert all(abs(s.gap) > 2.0 for s in top)  # 0.85 against 0.15: about 3.5 in log-odds
    a = next(g for g in schools.groups if 0 in g.members)
    assert all(a.credences[k] > 0.75 for k in SPLIT_KEYS)


@pytest.mark.parametrize("seed", range(3))
def test_two_camps_are_found_with_a_third_of_the_votes_missing(seed):
    votes = camps(seed, missing=0.33)
    assert np.isnan(votes).mean() > 0.25
    schools = find_schools(votes, node_keys=CRUX_KEYS, min_size=3, seed=seed)
    assert schools.k == 2
    assert sorted(map(sorted, _members(schools))) == [
        sorted(CAMP_A),
        sorted(set(range(VOTERS)) - CAMP_A),
    ]
    separating = separating_cruxes(schools, dict.fromkeys(CRUX_KEYS, 1.0), top=5)
    assert {s.key for s in separating[0]} == set(SPLIT_KEYS)


@pytest.mark.parametrize("seed", range(8))
def test_a_random_electorate_gives_one_group(seed):
    schools = find_schools(
        random_electorate(100 + seed), node_keys=CRUX_KEYS, min_size=3, seed=seed
    )
    assert schools.k == 1
    assert schools.groups[0].size == VOTERS
    assert (schools.labels == 0).all()
    assert separating_cruxes(schools, dict.fromkeys(CRUX_KEYS, 1.0)) == {0: []}


def test_no_group_smaller_than_min_size_is_formed():
    schools = find_schools(camps(0), node_keys=CRUX_KEYS, min_size=16, seed=0)
    assert schools.k == 1


def test_every_voter_gets_a_2d_coordinate_and_the_camps_lie_apart():
    schools = find_schools(camps(1), node_keys=CRUX_KEYS, min_size=3, seed=0)
    xy = schools.coordinates
    assert xy.shape == (VOTERS, 2) and np.isfinite(xy).all()
    a, b = xy[: VOTERS // 2, 0], xy[VOTERS // 2 :, 0]
    assert a.max() < b.min() or b.max() < a.min()  # the first component splits the camps


def test_the_same_seed_gives_the_same_schools():
    votes = camps(2, missing=0.2)
    one = find_schools(votes, node_keys=CRUX_KEYS, min_size=3, seed=7)
    two = find_schools(votes.copy(), node_keys=CRUX_KEYS, min_size=3, seed=7)
    assert one.k == two.k
    assert (one.labels == two.labels).all()
    assert np.array_equal(one.coordinates, two.coordinates)
    assert one.silhouette == two.silhouette


def test_bad_shapes_are_refused_and_tiny_electorates_are_one_group():
    with pytest.raises(ValueError, match="voters × nodes"):
        find_schools(np.zeros((3, 2)), node_keys=["a"], min_size=1)
    one = find_schools(np.array([[0.2, 0.9]]), node_keys=["a", "b"], min_size=1)
    assert one.k == 1 and one.groups[0].size == 1
    empty = find_schools(np.full((4, 2), np.nan), node_keys=["a", "b"], min_size=1)
    assert empty.k == 1 and empty.groups[0].credences == {}


def test_credences_outside_the_unit_interval_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        find_schools(np.array([[0.2, 1.2], [0.3, np.nan]]), node_keys=["a", "b"], min_size=1)
