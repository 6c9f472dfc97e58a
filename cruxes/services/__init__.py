"""Writes of the cruxes app: votes on nodes and edges (votes.py), and the ranking runs the
worker computes, stores and prunes (rankings.py)."""

from cruxes.services.rankings import (
    PRUNE_BATCH_ROWS,
    PRUNE_BATCH_RUNS,
    STORED_MIN_DELTA,
    ranking_compute,
    ranking_needed,
    ranking_prune,
    ranking_prune_all,
    ranking_record_failure,
    ranking_refresh,
    ranking_snapshot,
    ranking_store,
    ranking_sweep,
    runs_kept,
)
from cruxes.services.votes import (
    check_strength,
    edge_vote_cast,
    edge_vote_withdraw,
    vote_cast,
    vote_withdraw,
)

__all__ = [
    "PRUNE_BATCH_ROWS",
    "PRUNE_BATCH_RUNS",
    "STORED_MIN_DELTA",
    "check_strength",
    "edge_vote_cast",
    "edge_vote_withdraw",
    "ranking_compute",
    "ranking_needed",
    "ranking_prune",
    "ranking_prune_all",
    "ranking_record_failure",
    "ranking_refresh",
    "ranking_snapshot",
    "ranking_store",
    "ranking_sweep",
    "runs_kept",
    "vote_cast",
    "vote_withdraw",
]
