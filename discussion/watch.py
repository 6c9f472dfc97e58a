"""Watching a map or a node: what feeds a person's "My activity" (no email needed).

Both writes are idempotent: watching twice is one watch, unwatching what one does
not watch is nothing. Who may watch (signed in, and able to read the map) is the
caller's check (claims.access), as for every service.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from claims.models import Map, Node
from discussion.models import Watch


def watch_set(*, user: AbstractBaseUser, map: Map, node: Node | None = None) -> tuple[Watch, bool]:
    """Watch the whole map (node None) or one of its nodes; (the watch, whether it is new)."""
    if node is not None and node.map_id != map.pk:
        raise ValueError("the node is not on this map")
    lookup = {"user": user, "map": map, "node": node}
    existing = Watch.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        # A savepoint: a concurrent identical request may insert first, and the
        # unique constraints (watch_map_once, watch_node_once) refuse the second.
        with transaction.atomic():
            return Watch.objects.create(**lookup), True
    except IntegrityError:
        return Watch.objects.get(**lookup), False


def watch_remove(*, user: AbstractBaseUser, map: Map, node: Node | None = None) -> bool:
    """Stop watching; True when there was a watch to remove."""
    deleted, _ = Watch.objects.filter(user=user, map=map, node=node).delete()
    return deleted > 0
