"""After an engine upgrade every map is ranked again by the new formulas."""

import pytest

from claims.services import map_create, node_create
from cruxes import ranking
from cruxes.models import RankingRun
from cruxes.selectors import ranking_runs
from cruxes.services import ranking_needed, ranking_refresh

pytestmark = pytest.mark.django_db


def test_a_run_of_an_older_engine_is_recomputed_and_the_new_one_served(owner):
    the_map = map_create(slug="upgrade", title="Upgrade", owner=owner)
    node_create(map=the_map, kind="frame", category="outer", title="F", key="f", created_by=owner)
    the_map.refresh_from_db()
    old = RankingRun.objects.create(
        map=the_map, graph_version=the_map.graph_version, engine_version="1.0"
    )
    assert ranking_needed(map_id=the_map.pk)  # the old engine's run does not count
    assert ranking_refresh(map_id=the_map.pk) == 1
    assert not ranking_needed(map_id=the_map.pk)
    new = RankingRun.objects.filter(map=the_map).exclude(pk=old.pk).get()
    assert (new.graph_version, new.engine_version) == (old.graph_version, ranking.ENGINE_VERSION)
    assert ranking_runs(map=the_map)[0].pk == new.pk  # the newest engine's run comes first
