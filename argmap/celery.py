"""The Celery app of argmap: configuration comes from Django settings (CELERY_*)."""

import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning

from argmap.env import env_bool

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")

# `make run` as root (a container, a throwaway VM) made the worker greet with a
# SecurityWarning about superuser privileges that a developer can do nothing
# about. It stays on in production (DEBUG off), where the operator chooses the
# user (the image runs as `argmap`); the worker never accepts pickle, the case
# that makes root dangerous and that Celery refuses outright.
if env_bool("DEBUG", False):
    warnings.filterwarnings(
        "ignore",
        message="You're running the worker with superuser privileges",
        category=SecurityWarning,
    )

app = Celery("argmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_tasks(sender: Celery, **kwargs: object) -> None:
    # A lost message must not leave a map stale forever: beat sweeps regularly.
    from django.conf import settings

    sender.add_periodic_task(
        float(settings.RANKING_SWEEP_SECONDS),
        sender.signature("cruxes.tasks.sweep_stale_rankings"),
        name="sweep stale rankings",
    )
    # Old ranking runs are pruned after each new run; this also prunes maps that
    # get no new run (a backlog, or a lowered RANKING_KEEP_RUNS).
    sender.add_periodic_task(
        float(settings.RANKING_PRUNE_SECONDS),
        sender.signature("cruxes.tasks.prune_ranking_runs"),
        name="prune old ranking runs",
    )
    # Schools of thought follow the ranking, throttled on busy maps: the sweep picks up
    # a busy map's last changes and repairs a lost message.
    sender.add_periodic_task(
        float(max(settings.SCHOOLS_MIN_INTERVAL_S, 10)),
        sender.signature("cruxes.tasks.sweep_stale_schools"),
        name="sweep stale schools of thought",
    )
    # The possible-duplicates lists (issue 17): a lost message must not leave one stale.
    from claims.tasks import DUPLICATES_SWEEP_SECONDS

    sender.add_periodic_task(
        float(DUPLICATES_SWEEP_SECONDS),
        sender.signature("claims.tasks.sweep_stale_duplicates"),
        name="sweep stale duplicates lists",
    )
