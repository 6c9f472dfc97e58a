import pytest

from tests.schools.electorates import camps, random_electorate
from tests.schools_service.electorate_db import build_camp_map, cast_votes


@pytest.fixture
def camp_voters(a_map):
    """The acceptance electorate on `a_map`: voters 0-14 camp A, 15-29 camp B."""
    nodes = build_camp_map(a_map)
    return cast_votes(a_map, nodes, camps(0), prefix="camper")


@pytest.fixture
def random_voters(a_map):
    nodes = build_camp_map(a_map)
    return cast_votes(a_map, nodes, random_electorate(0), prefix="randomer")
