"""Ranking runs are pruned to a bounded history (issue 12, item 3).

Every run stores a score row per crux and frame; before pruning, 60 votes on a
20k-node map grew the scores from 21k to 1.15M rows. Kept: the newest
RANKING_KEEP_RUNS runs, the newest successful run whatever its age, and the
newest run of each of the last RANKING_KEEP_DAILY_DAYS days.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from argmap.celery import app
from claims.models import Map
from claims.services import edge_create, map_create, node_create
from cruxes.models import CruxScore, RankingRun, RunStatus
from cruxes.services import ranking_prune, ranking_record_failure, ranking_refresh, vote_cast
from cruxes.services import rankings as services
from cruxes.tasks import prune_ranking_runs
from tests.factories import UserFactory
from tests.worker import celery_worker, purge_broker, wait_for

pytestmark = pytest.mark.django_db

NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    # ranking_refresh runs in-process here, right after each vote: no burst to wait out.
    settings.RANKING_DEBOUNCE_MS = 0


def build_map(slug: str = "kept") -> tuple[Map, object]:
    owner = UserFactory(username=f"{slug}-owner")
    the_map = map_create(slug=slug, title=slug.title(), owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", created_by=owner
    )
    rival = node_create(
        map=the_map, kind="frame", category="outer", title="Rival", created_by=owner
    )
    cruxes = [
        node_create(map=the_map, kind="crux", title=f"Crux {i}", created_by=owner) for i in range(4)
    ]
    for i, crux in enumerate(cruxes):
        edge_create(
            map=the_map, source=crux, target=frame, kind="supports", weight=0.2 + i / 10,
            created_by=owner,
        )  # fmt: skip
        edge_create(
            map=the_map, source=crux, target=rival, kind="undermines", weight=0.5,
            created_by=owner,
        )  # fmt: skip
    return the_map, cruxes[0]


def vote_and_rank(the_map: Map, crux, voter, i: int) -> None:
    vote_cast(user=voter, node=crux, credence=0.2 + (i % 60) / 100)
    assert ranking_refresh(map_id=the_map.pk) == 1


def stored_versions(the_map: Map) -> list[int]:
    return list(
        RankingRun.objects.filter(map=the_map)
        .order_by("-graph_version")
        .values_list("graph_version", flat=True)
    )


def test_a_hundred_votes_leave_only_the_retained_runs_and_their_scores(client, settings):
    assert settings.RANKING_KEEP_RUNS == 20  # the default
    the_map, crux = build_map()
    ranking_refresh(map_id=the_map.pk)
    rows_per_run = CruxScore.objects.filter(run__map=the_map).count()
    assert rows_per_run > 0
    voter = UserFactory(username="steady-voter")
    for i in range(100):
        vote_and_rank(the_map, crux, voter, i)

    the_map.refresh_from_db()
    versions = stored_versions(the_map)
    # All computed today: the daily run of today is the newest, already kept.
    assert versions == list(range(the_map.graph_version, the_map.graph_version - 20, -1))
    kept_runs = RankingRun.objects.filter(map=the_map)
    assert CruxScore.objects.exclude(run__in=kept_runs).count() == 0
    assert CruxScore.objects.count() == 20 * rows_per_run

    runs = client.get("/api/v1/maps/kept/ranking/runs/").json()
    assert [r["graph_version"] for r in runs] == versions
    latest, previous = versions[0], versions[1]
    diff = client.get(f"/api/v1/maps/kept/ranking/diff/?from={previous}&to={latest}")
    assert diff.status_code == 200
    assert diff.json()["from"] == previous and diff.json()["to"] == latest
    assert {c["id"] for c in diff.json()["cruxes"]} >= {crux.key}


def test_a_diff_with_a_pruned_run_is_a_404_that_names_the_stored_versions(client, settings):
    settings.RANKING_KEEP_RUNS = 3
    the_map, crux = build_map()
    ranking_refresh(map_id=the_map.pk)
    first = stored_versions(the_map)[0]
    voter = UserFactory(username="voter")
    for i in range(5):
        vote_and_rank(the_map, crux, voter, i)
    versions = stored_versions(the_map)
    assert first not in versions and len(versions) == 3

    response = client.get(f"/api/v1/maps/kept/ranking/diff/?from={first}&to={versions[0]}")
    assert response.status_code == 404
    error = response.json()["error"]
    assert "pruned" in error["message"]
    assert f"stored versions: {', '.join(map(str, versions))}" in error["message"]
    assert "pruned" in error["fields"]["from"][0]


def test_one_run_a_day_is_kept_for_the_daily_window(settings):
    settings.RANKING_KEEP_RUNS = 1000  # no pruning while the history is built
    the_map, crux = build_map()
    voter = UserFactory(username="voter")
    for i in range(10):
        vote_and_rank(the_map, crux, voter, i)
    runs = list(RankingRun.objects.filter(map=the_map).order_by("graph_version"))
    assert len(runs) == 10
    days_ago = [5, 5, 4, 2, 2, 1, 1, 0, 0, 0]  # oldest run first
    for run, days in zip(runs, days_ago, strict=True):
        RankingRun.objects.filter(pk=run.pk).update(computed_at=NOON - timedelta(days=days))

    settings.RANKING_KEEP_RUNS = 2
    settings.RANKING_KEEP_DAILY_DAYS = 3  # today, yesterday, the day before
    assert ranking_prune(map_id=the_map.pk, now=NOON) == 6

    v = [run.graph_version for run in runs]
    # the newest two; the newest of today (v[9]), of 1 day ago (v[6]), of 2 days ago (v[4])
    assert stored_versions(the_map) == [v[9], v[8], v[6], v[4]]
    assert set(CruxScore.objects.values_list("run__graph_version", flat=True)) == {
        v[9], v[8], v[6], v[4]
    }  # fmt: skip


def test_the_latest_successful_run_is_kept_however_many_failures_follow(client, settings):
    settings.RANKING_KEEP_RUNS = 2
    settings.RANKING_KEEP_DAILY_DAYS = 0
    the_map, crux = build_map()
    voter = UserFactory(username="voter")
    for i in range(3):
        vote_and_rank(the_map, crux, voter, i)
    ok_version = stored_versions(the_map)[0]
    for later in range(1, 6):
        ranking_record_failure(map_id=the_map.pk, version=ok_version + later, error="boom")
    ranking_prune(map_id=the_map.pk)

    statuses = list(
        RankingRun.objects.filter(map=the_map)
        .order_by("-graph_version")
        .values_list("graph_version", "status")
    )
    assert statuses == [
        (ok_version + 5, RunStatus.FAILED),
        (ok_version + 4, RunStatus.FAILED),
        (ok_version, RunStatus.OK),
    ]
    ranking = client.get("/api/v1/maps/kept/ranking/").json()
    assert ranking["graph_version"] == ok_version and ranking["cruxes"]


def test_pruning_again_changes_nothing(settings):
    settings.RANKING_KEEP_RUNS = 1000
    the_map, crux = build_map()
    voter = UserFactory(username="voter")
    for i in range(6):
        vote_and_rank(the_map, crux, voter, i)
    settings.RANKING_KEEP_RUNS = 2
    assert ranking_prune(map_id=the_map.pk) == 4
    scores = CruxScore.objects.count()
    assert ranking_prune(map_id=the_map.pk) == 0
    assert len(stored_versions(the_map)) == 2 and CruxScore.objects.count() == scores


def test_score_rows_are_deleted_in_bounded_statements(settings, monkeypatch):
    settings.RANKING_KEEP_RUNS = 1000
    the_map, crux = build_map()
    voter = UserFactory(username="voter")
    for i in range(4):
        vote_and_rank(the_map, crux, voter, i)
    settings.RANKING_KEEP_RUNS = 2
    doomed = CruxScore.objects.filter(
        run__graph_version__lt=stored_versions(the_map)[1], run__map=the_map
    ).count()
    monkeypatch.setattr(services, "PRUNE_BATCH_ROWS", 5)
    with CaptureQueriesContext(connection) as captured:
        ranking_prune(map_id=the_map.pk)
    deletes = [
        q["sql"] for q in captured if q["sql"].startswith(f"DELETE FROM {CruxScore._meta.db_table}")
    ]
    assert all("LIMIT 5" in sql for sql in deletes)
    assert len(deletes) >= doomed / 5
    assert len(stored_versions(the_map)) == 2


@pytest.mark.django_db(transaction=True)
def test_two_prunes_at_once_both_finish_and_keep_the_same_runs(settings, monkeypatch):
    settings.RANKING_KEEP_RUNS = 1000
    the_map, crux = build_map()
    voter = UserFactory(username="voter")
    for i in range(8):
        vote_and_rank(the_map, crux, voter, i)
    kept = stored_versions(the_map)[:2]
    settings.RANKING_KEEP_RUNS = 2
    monkeypatch.setattr(services, "PRUNE_BATCH_ROWS", 3)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def prune() -> None:
        try:
            start.wait()
            ranking_prune(map_id=the_map.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=prune) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    ranking_prune(map_id=the_map.pk)  # whatever one left to the other is done now
    assert stored_versions(the_map) == kept
    assert set(CruxScore.objects.values_list("run__graph_version", flat=True)) == set(kept)


def test_beat_prunes_maps_that_get_no_new_run(settings):
    settings.RANKING_KEEP_RUNS = 1000
    the_map, crux = build_map()
    quiet, quiet_crux = build_map("quiet")
    voter = UserFactory(username="voter")
    for i in range(6):
        vote_and_rank(the_map, crux, voter, i)
        vote_and_rank(quiet, quiet_crux, voter, i)
    settings.RANKING_KEEP_RUNS = 3
    assert prune_ranking_runs() == 2 * 3
    assert len(stored_versions(the_map)) == len(stored_versions(quiet)) == 3
    app.finalize()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["cruxes.tasks.prune_ranking_runs"] == settings.RANKING_PRUNE_SECONDS


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_prunes_after_storing_each_run():
    from cruxes.selectors import ranking_latest

    purge_broker()
    the_map, crux = build_map("worked")
    voter = UserFactory(username="voter")

    def fresh():
        current = Map.objects.get(pk=the_map.pk)
        ranking = ranking_latest(map=current)
        return None if ranking["stale"] else ranking

    with celery_worker(purge=False, env={"RANKING_KEEP_RUNS": "3"}):
        wait_for(fresh, timeout=10)
        for i in range(6):
            vote_cast(user=voter, node=crux, credence=0.3 + i / 20)
            wait_for(fresh, timeout=10)
        # The prune follows the run it makes room for, under the same lock.
        wait_for(lambda: len(stored_versions(the_map)) <= 3, timeout=10)
    the_map.refresh_from_db()
    versions = stored_versions(the_map)
    assert versions[0] == the_map.graph_version
    assert len(versions) == 3
    assert CruxScore.objects.exclude(run__graph_version__in=versions).count() == 0
