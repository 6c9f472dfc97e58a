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


class MergeParticipant(Protocol):
    """What an app built on the graph moves when a node is merged into another (issue 17).

    `merge` runs inside the merge's transaction, after the graph's rows are locked
    and before its edges move: it moves the app's rows from the merged node (and from
    the edges `edge_moves` names) to the survivor, and returns what it needs to undo
    that exactly (plain JSON). `unmerge` gets that back, in the undo's transaction.
    It raises core.errors.Conflict, naming why, when an exact restore is no longer
    possible (the undo is then refused as a whole).
    """

    name: str

    def merge(
        self, *, merged_id: int, survivor_id: int, edge_moves: dict, version: int
    ) -> dict: ...

    def unmerge(self, *, data: dict, version: int) -> None: ...


@dataclass
class _Registry:
    graph_changed: list[Callable[[int], Any]]
    wording_changed: list[Callable[[int], Any]] | None = None
    votes: VoteStore | None = None
    node_page: Callable[..., Any] | None = None
    merge_participants: list[MergeParticipant] | None = None


_registry = _Registry(graph_changed=[], wording_changed=[], merge_participants=[])


def register_merge_participant(participant: MergeParticipant) -> None:
    """Add an app's part of a node merge (once per name: ready() may run twice in tests)."""
    participants = _registry.merge_participants
    assert participants is not None
    participants[:] = [p for p in participants if p.name != participant.name]
    participants.append(participant)


def merge_participants() -> list[MergeParticipant]:
    return list(_registry.merge_participants or ())


def on_graph_changed(callback: Callable[[int], Any]) -> None:
    """Call `callback(map_id)` after every committed change of a map."""
    if callback not in _registry.graph_changed:
        _registry.graph_changed.append(callback)


def on_wording_changed(callback: Callable[[int], Any]) -> None:
    """Call `callback(map_id)` after a committed change of which nodes a map has or of
    their words (not after votes or links): what reads the text, such as the
    duplicate finder, listens here instead of waking on every vote."""
    listeners = _registry.wording_changed
    assert listeners is not None
    if callback not in listeners:
        listeners.append(callback)


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


def graph_changed(map_id: int, *, wording: bool = False) -> None:
    """Tell every listener (and, when `wording`, the wording listeners too); one failing
    listener must not fail the committed write."""
    for callback in _registry.graph_changed:
        try:
            callback(map_id)
        except Exception:
            logger.exception("graph-changed listener %r failed for map %s", callback, map_id)
    if wording:
        wording_changed(map_id)


def wording_changed(map_id: int) -> None:
    for callback in _registry.wording_changed or ():
        try:
            callback(map_id)
        except Exception:
            logger.exception("wording-changed listener %r failed for map %s", callback, map_id)


def vote_store() -> VoteStore:
    if _registry.votes is None:
        raise RuntimeError("no vote store registered (is the cruxes app installed?)")
    return _registry.votes
