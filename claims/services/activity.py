"""The map's activity log (claims.models.Activity): one row per thing people did.

Every service that changes what people see on a map records it here, in its own
transaction, so that an entry exists exactly when the change does. Votes are
never recorded (who voted is private).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from claims.models import TITLE_MAX_LENGTH, Activity, ActivityVerb


def activity_record(
    *,
    map_id: int,
    verb: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    node_key: str = "",
    edge_key: str = "",
    title: str = "",
    comment_id: int | None = None,
    graph_version: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Activity:
    """Append one entry to the map's activity; the caller holds the transaction."""
    if verb not in ActivityVerb.values:
        raise ValueError(f"unknown activity verb {verb!r}")
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return Activity.objects.create(
        map_id=map_id,
        actor_id=actor_id,
        verb=verb,
        node_key=node_key,
        edge_key=edge_key,
        title=title[:TITLE_MAX_LENGTH],
        comment_id=comment_id,
        graph_version=graph_version,
        detail=dict(detail or {}),
    )
