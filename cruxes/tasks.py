"""Celery tasks: a few lines each, calling services. They take ids, never models."""

from celery import shared_task

from cruxes import services


@shared_task(
    name="cruxes.tasks.recompute_ranking",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def recompute_ranking(map_id: int) -> int:
    """Bring the map's ranking up to its graph_version; returns computations done."""
    return services.ranking_refresh(map_id=map_id)


@shared_task(name="cruxes.tasks.sweep_stale_rankings", ignore_result=True)
def sweep_stale_rankings() -> int:
    """Re-enqueue every map whose latest run is older than its graph (lost messages)."""
    return services.ranking_sweep()
