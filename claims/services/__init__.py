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
from claims.services.membership import (
    join_request_approve,
    join_request_create,
    join_request_decline,
    join_request_withdraw,
    map_steward_set,
    owner_account_ensure,
)
from claims.services.merge import node_merge, node_merge_preview, node_unmerge
from claims.services.moderation import edge_revert, node_hide, node_restore, node_revert
from claims.services.nodes import node_create, node_delete, node_update

__all__ = [
    "activity_record",
    "edge_create",
    "edge_delete",
    "edge_revert",
    "edge_update",
    "join_request_approve",
    "join_request_create",
    "join_request_decline",
    "join_request_withdraw",
    "map_create",
    "map_delete",
    "map_graph_changed",
    "map_import",
    "map_import_upload",
    "map_steward_set",
    "map_update",
    "member_remove",
    "member_set",
    "node_create",
    "node_delete",
    "node_hide",
    "node_merge",
    "node_merge_preview",
    "node_restore",
    "node_revert",
    "node_unmerge",
    "node_update",
    "owner_account_ensure",
]
