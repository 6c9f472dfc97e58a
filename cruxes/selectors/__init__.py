"""Reads of the cruxes app: the engine's input (inputs.py), the stored rankings as served
(rankings.py), votes and their summaries (votes.py), and the ranking's history
(history.py)."""

from cruxes.selectors.history import (
    rank_change,
    ranking_diff,
    ranking_diff_latest,
    ranking_rank_changes,
    ranking_runs,
)
from cruxes.selectors.inputs import ranking_inputs, weighed_votes
from cruxes.selectors.rankings import (
    ranking_latest,
    ranking_latest_json,
    ranking_overview,
    ranking_render_ahead,
    stored_route,
)
from cruxes.selectors.votes import (
    credence_summary,
    edge_get_for_vote,
    edge_strength,
    edge_strengths,
    edge_vote_get,
    map_credences,
    vote_get,
)

__all__ = [
    "credence_summary",
    "edge_get_for_vote",
    "edge_strength",
    "edge_strengths",
    "edge_vote_get",
    "map_credences",
    "rank_change",
    "ranking_diff",
    "ranking_diff_latest",
    "ranking_inputs",
    "ranking_latest",
    "ranking_latest_json",
    "ranking_overview",
    "ranking_rank_changes",
    "ranking_render_ahead",
    "ranking_runs",
    "stored_route",
    "vote_get",
    "weighed_votes",
]
