"""Ranking events in a map's activity: a run that changed the top ten cruxes.

Called right after a run is stored (cruxes.services.ranking_compute). The top ten
is the served global list's first ten (cruxes.selectors reads it in this order);
a run is compared with the map's previous successful run, and recorded at most
once, so a repeated or late call is harmless.
"""

from __future__ import annotations

from django.db import transaction

from claims.models import Activity, ActivityVerb, Node
from claims.services import activity_record
from cruxes.models import CruxScore, RankingRun, RunStatus

TOP = 10


def _top_ten(run_id: int) -> list[str]:
    # The served order (cruxes.selectors.rankings._stored_body): rank, connected first, key.
    return list(
        CruxScore.objects.filter(run_id=run_id, frame_key="")
        .order_by("rank", "-connected", "crux_key")
        .values_list("crux_key", flat=True)[:TOP]
    )


@transaction.atomic
def ranking_top_ten_changed(*, map_id: int, run_id: int) -> Activity | None:
    """Record RANKING_CHANGED when the run's top ten differs from the previous run's.

    Detail: {"run", "entered", "left" (crux keys, in rank order), "titles" (so that
    an entry still reads after a crux is deleted)}. Returns the entry, or None when
    nothing changed, the run is not a successful run of this map, or it is already
    recorded.
    """
    # Locked: two calls for the same run (a redelivered task) record it once.
    run = (
        RankingRun.objects.select_for_update()
        .filter(pk=run_id, map_id=map_id, status=RunStatus.OK)
        .only("pk", "graph_version")
        .first()
    )
    if run is None:
        return None
    if Activity.objects.filter(
        map_id=map_id, verb=ActivityVerb.RANKING_CHANGED, detail__run=run.pk
    ).exists():
        return None
    previous = (
        RankingRun.objects.filter(
            map_id=map_id, status=RunStatus.OK, graph_version__lt=run.graph_version
        )
        .order_by("-graph_version", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    now = _top_ten(run.pk)
    before = _top_ten(previous) if previous is not None else []
    entered = [k for k in now if k not in before]
    left = [k for k in before if k not in now]
    if not entered and not left:
        return None
    titles = dict(
        Node.objects.filter(map_id=map_id, key__in=entered + left).values_list("key", "title")
    )
    missing = [k for k in entered + left if k not in titles]
    if missing:
        # A crux that left because it was deleted: its title as the log last named it.
        for key, title in (
            Activity.objects.filter(map_id=map_id, node_key__in=missing)
            .exclude(title="")
            .order_by("-id")
            .values_list("node_key", "title")
        ):
            titles.setdefault(key, title)
    return activity_record(
        map_id=map_id,
        verb=ActivityVerb.RANKING_CHANGED,
        graph_version=run.graph_version,
        detail={"run": run.pk, "entered": entered, "left": left, "titles": titles},
    )
