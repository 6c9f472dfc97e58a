"""Writes to the argument graph. Every service that changes a map calls
`map_graph_changed` exactly once, inside its transaction."""

from claims.services.activity import activity_record
from claims.services.edges import edge_create, edge_delete, edge_update
from claims.services.imports import map_import, map_import_upload
from claims.services.maps import (
    map_create,
    map_delete,
    map_graph_changed,
    map_update,
    member_remove,
    member_set,
)
from claims.services.nodes import node_create, node_delete, node_update

__all__ = [
    "activity_record",
    "edge_create",
    "edge_delete",
    "edge_update",
    "map_create",
    "map_delete",
    "map_graph_changed",
    "map_import",
    "map_import_upload",
    "map_update",
    "member_remove",
    "member_set",
    "node_create",
    "node_delete",
    "node_update",
]
