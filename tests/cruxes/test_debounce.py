"""The worker's debounce: a lone edit is ranked at once, a burst is still coalesced.

The debounce here is long (3 s) so that the difference is unmistakable: a lone
edit that waited for it would take over 3 s to rank.
"""

import time
from datetime import timedelta

import pytest

from claims.models import MapChange
from claims.services import map_create, node_create, node_update
from cruxes.models import RankingRun
from cruxes.services import ranking_refresh

pytestmark = pytest.mark.django_db

QUIET_MS = 3000


@pytest.fixture
def ranked_map(owner, settings):
    settings.RANKING_DEBOUNCE_MS = 0
    the_map = map_create(owner=owner, slug="quiet", title="Quiet")
    frame = node_create(
        map=the_map, kind="frame", title="A frame", category="outer", created_by=owner
    )
    node_create(map=the_map, kind="crux", title="A crux", created_by=owner)
    ranking_refresh(map_id=the_map.pk)
    settings.RANKING_DEBOUNCE_MS = QUIET_MS
    settings.RANKING_MAX_DELAY_MS = 2 * QUIET_MS
    return the_map, frame


def _age_changes(the_map, seconds: float) -> None:
    """Date the map's logged changes `seconds` earlier (a quiet spell without sleeping)."""
    for change in MapChange.objects.filter(map=the_map):
        MapChange.objects.filter(pk=change.pk).update(
            created_at=change.created_at - timedelta(seconds=seconds)
        )


def test_a_lone_edit_after_a_quiet_spell_is_ranked_without_waiting(ranked_map, owner):
    the_map, frame = ranked_map
    _age_changes(the_map, 60)
    node_update(node=frame, prior=0.7, edited_by=owner)
    started = time.monotonic()
    assert ranking_refresh(map_id=the_map.pk) == 1
    assert time.monotonic() - started < QUIET_MS / 1000
    the_map.refresh_from_db()
    assert RankingRun.objects.filter(map=the_map, graph_version=the_map.graph_version).exists()


def test_edits_in_quick_succession_wait_for_the_map_to_be_quiet(ranked_map, owner):
    the_map, frame = ranked_map
    node_update(node=frame, prior=0.6, edited_by=owner)
    node_update(node=frame, prior=0.7, edited_by=owner)  # a burst: two changes pending
    started = time.monotonic()
    assert ranking_refresh(map_id=the_map.pk) == 1  # both in one computation
    assert time.monotonic() - started >= QUIET_MS / 1000 * 0.9
    the_map.refresh_from_db()
    latest = RankingRun.objects.filter(map=the_map).order_by("-graph_version").first()
    assert latest.graph_version == the_map.graph_version
