"""Ranking events: a run that changed the top ten cruxes is an activity entry, once."""

import pytest
from django.contrib.auth.models import AnonymousUser

from claims.models import Activity, ActivityVerb, Map
from claims.services import edge_create, map_create, node_create, node_delete
from cruxes.activity import ranking_top_ten_changed
from cruxes.models import RankingRun
from cruxes.services import ranking_refresh, vote_cast
from discussion.activity import activity_of_map
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    settings.RANKING_DEBOUNCE_MS = 0


def ranking_entries(the_map: Map) -> list[Activity]:
    return list(Activity.objects.filter(map=the_map, verb=ActivityVerb.RANKING_CHANGED))


def run_now(the_map: Map) -> RankingRun:
    ranking_refresh(map_id=the_map.pk)
    return RankingRun.objects.filter(map=the_map).order_by("-graph_version").first()


def crux(the_map, owner, frame, key: str, weight: float = 0.5):
    node = node_create(map=the_map, kind="crux", title=f"Crux {key}", key=key, created_by=owner)
    edge_create(
        map=the_map, source=node, target=frame, kind="supports", weight=weight, created_by=owner
    )
    return node


@pytest.fixture
def ranked_map():
    owner = UserFactory(username="ranker")
    the_map = map_create(slug="ranked", title="Ranked", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="F", key="f", created_by=owner
    )
    other = node_create(
        map=the_map, kind="frame", category="inner", title="G", key="g", created_by=owner
    )
    for i in range(12):
        crux(the_map, owner, frame if i % 2 else other, f"c{i:02d}", weight=0.2 + i * 0.05)
    return the_map, owner, frame


def test_the_first_run_records_its_top_ten_once(ranked_map):
    the_map, _, _ = ranked_map
    run = run_now(the_map)  # the worker's run records it (cruxes.services.ranking_compute)
    [entry] = ranking_entries(the_map)
    assert len(entry.detail["entered"]) == 10 and entry.detail["left"] == []
    assert entry.detail["run"] == run.pk and entry.graph_version == run.graph_version
    assert entry.actor_id is None
    # A repeated (redelivered) call records nothing more.
    assert ranking_top_ten_changed(map_id=the_map.pk, run_id=run.pk) is None
    assert len(ranking_entries(the_map)) == 1


def test_a_run_that_changes_the_top_ten_says_what_entered_and_left(ranked_map):
    the_map, owner, frame = ranked_map
    first = run_now(the_map)
    top = ranking_entries(the_map)[0].detail["entered"]
    leaving = top[0]
    node_delete(node=the_map.nodes.get(key=leaving), user=owner)
    second = run_now(the_map)
    assert second.pk != first.pk
    entry = ranking_entries(the_map)[0]  # newest first
    assert entry.detail["run"] == second.pk
    assert entry.detail["left"] == [leaving]
    assert len(entry.detail["entered"]) == 1 and entry.detail["entered"][0] not in top
    assert entry.detail["titles"][entry.detail["entered"][0]].startswith("Crux ")
    # The entry reads as words on the activity page, naming the deleted crux by title.
    page = activity_of_map(map=the_map, user=AnonymousUser(), role=None)
    ranking = [e for e in page.entries if e["verb"] == "ranking_changed"]
    assert ranking[0]["text"].startswith("The top ten cruxes changed (entered: “Crux ")
    assert ranking[0]["text"].endswith(f"left: “Crux {leaving}”)")


def test_a_run_with_the_same_top_ten_records_nothing(ranked_map):
    the_map, owner, _ = ranked_map
    first = run_now(the_map)
    # A new claim linked to nothing: a new graph version and run, the same top ten.
    node_create(map=the_map, kind="claim", title="Aside", key="aside", created_by=owner)
    second = run_now(the_map)
    assert second.graph_version > first.graph_version
    assert ranking_top_ten_changed(map_id=the_map.pk, run_id=second.pk) is None
    assert len(ranking_entries(the_map)) == 1


def test_a_vote_is_never_an_activity_entry(ranked_map):
    the_map, _, _ = ranked_map
    vote_cast(user=UserFactory(username="v1"), node=the_map.nodes.get(key="c11"), credence=0.6)
    run_now(the_map)
    assert not Activity.objects.filter(map=the_map, actor__username="v1").exists()


def test_an_unknown_or_foreign_run_records_nothing(ranked_map):
    the_map, _, _ = ranked_map
    run = run_now(the_map)
    other = map_create(slug="other", title="Other", owner=UserFactory(username="o2"))
    assert ranking_top_ten_changed(map_id=other.pk, run_id=run.pk) is None
    assert ranking_top_ten_changed(map_id=the_map.pk, run_id=run.pk + 1000) is None
    assert len(ranking_entries(the_map)) == 1 and ranking_entries(other) == []
