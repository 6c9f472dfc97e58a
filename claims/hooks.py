"""How the graph app reaches the apps built on it without importing them.

`claims` owns the graph; `cruxes` (votes and the ranking) depends on it, never
the other way. Some graph operations involve what depends on the graph: the
recompute after every change, the votes an argmap file carries, the aggregated
credences an export shows, and the node pages (which show the ranking) that
the graph's forms return to with their errors. The app that provides them
registers its functions here once, at start-up (`AppConfig.ready`); claims
calls them without knowing who listens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class VoteStore(Protocol):
    """What a map file's votes (on nodes and on edges) and an export's credences need from
    the votes app."""

    def votes_import(
        self,
        *,
        map_id: int,
        votes: list[dict],
        node_ids: dict[str, int],
        now: datetime,
        progress: Callable[..., None],
    ) -> None: ...

    def votes_export(self, *, map_id: int) -> Iterator[dict]:
        """{"node", "user", "credence"} in the canonical order (node key, then username)."""
        ...

    def votes_count(self, *, map_id: int) -> int: ...

    def edge_votes_import(
        self,
        *,
        map_id: int,
        edge_votes: list[dict],
        edge_ids: dict[str, int],
        now: datetime,
        progress: Callable[..., None],
    ) -> None:
        """A map file's edge votes ({"edge", "user", "strength"}; edge_ids: edge key -> pk)."""
        ...

    def edge_votes_export(self, *, map_id: int) -> Iterator[dict]:
        """{"edge", "user", "strength"} in the canonical order (edge key, then username)."""
        ...

    def edge_votes_count(self, *, map_id: int) -> int: ...

    def credences_shown(self, *, map_id: int) -> dict[str, tuple[float | None, int]]:
        """Each node's (community credence, vote count) as others may see it."""
        ...


@dataclass
class _Registry:
    graph_changed: list[Callable[[int], Any]]
    votes: VoteStore | None = None
    node_page: Callable[..., Any] | None = None


_registry = _Registry(graph_changed=[])


def on_graph_changed(callback: Callable[[int], Any]) -> None:
    """Call `callback(map_id)` after every committed change of a map."""
    if callback not in _registry.graph_changed:
        _registry.graph_changed.append(callback)


def register_vote_store(store: VoteStore) -> None:
    _registry.votes = store


def register_node_page(render: Callable[..., Any]) -> None:
    """`render(request, *, the_map, node, forms, status)`: a node's or frame's page.

    The graph's forms (add, link, edit) live on those pages; when one is refused
    claims shows the page again with the form's errors.
    """
    _registry.node_page = render


def node_page(request: Any, *, the_map: Any, node: Any, forms: dict, status: int) -> Any:
    if _registry.node_page is None:
        raise RuntimeError("no node page registered (is the cruxes app installed?)")
    return _registry.node_page(request, the_map=the_map, node=node, forms=forms, status=status)


def graph_changed(map_id: int) -> None:
    """Tell every listener; one failing listener must not fail the committed write."""
    for callback in _registry.graph_changed:
        try:
            callback(map_id)
        except Exception:
            logger.exception("graph-changed listener %r failed for map %s", callback, map_id)


def vote_store() -> VoteStore:
    if _registry.votes is None:
        raise RuntimeError("no vote store registered (is the cruxes app installed?)")
    return _registry.votes
