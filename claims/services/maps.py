import json
import logging
from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from claims import hooks
from claims.models import (
    TITLE_MAX_LENGTH,
    ActivityVerb,
    Contribution,
    Map,
    MapMember,
    MemberRole,
    NodeKind,
    Visibility,
)
from claims.services.activity import activity_record
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import check_key, check_text

logger = logging.getLogger(__name__)

DESCRIPTION_MAX_LENGTH = 5000


# The changes that alter which nodes a map has or what they say (MapChange.action):
# votes, links and memberships do not; a node_update says itself (`wording`), since a
# change of prior or category alone leaves the words as they were.
WORDING_ACTION_PREFIXES = ("node_", "map_import")


def map_graph_changed(
    *,
    map_id: int,
    action: str,
    node_keys: Iterable[str] = (),
    user: AbstractBaseUser | None = None,
    nodes: Mapping[str, int] | None = None,
    edges: int = 0,
    wording: bool | None = None,
) -> int:
    """Bump the map's graph_version, log the change, and schedule the ranking recompute.

    The single hook every graph or vote write goes through (inside its
    transaction); returns the new version.

    `nodes` (per kind: {"crux": 1}) and `edges` are how many rows the change
    added, negative for rows it removed: the map's stored counts move by them
    in the same UPDATE, so keeping them costs no statement, and the row lock
    that UPDATE takes serialises concurrent changes (no increment is lost).

    The bump locks the map's row until the commit: every write of the map
    waits on it. So it is two plain statements (no ORM query building), and a
    caller that can do its other writes first should (vote_cast does).
    """
    nodes = nodes or {}
    if not set(nodes) <= set(NodeKind.values):
        raise ValueError(f"node counts by kind, not {sorted(nodes)}")
    user_id = user.pk if user is not None and user.is_authenticated else None
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        # UPDATE ... RETURNING (PostgreSQL; SQLite >= 3.35): the F()-style
        # increment and its new value in one round trip.
        cursor.execute(
            "UPDATE claims_map SET graph_version = graph_version + 1, updated_at = %s,"
            " node_count = node_count + %s, frame_count = frame_count + %s,"
            " crux_count = crux_count + %s, edge_count = edge_count + %s"
            " WHERE id = %s RETURNING graph_version",
            [
                stamp,
                sum(nodes.values()),
                nodes.get(NodeKind.FRAME, 0),
                nodes.get(NodeKind.CRUX, 0),
                edges,
                map_id,
            ],
        )
        row = cursor.fetchone()
        if row is None:
            raise NotFound(f"map {map_id} no longer exists")
        version = row[0]
        cursor.execute(
            "INSERT INTO claims_mapchange"
            " (map_id, graph_version, action, node_keys, user_id, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [map_id, version, action, json.dumps(sorted(set(node_keys))), user_id, stamp],
        )
    if wording is None:
        wording = action.startswith(WORDING_ACTION_PREFIXES)
    transaction.on_commit(lambda: hooks.graph_changed(map_id, wording=wording))
    return version


def _check_title(title: str) -> str:
    return check_text(title, field="title", max_length=TITLE_MAX_LENGTH, allow_empty=False).strip()


def _check_description(description: str) -> str:
    # The same limit as the file format's map.description.
    return check_text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)


@transaction.atomic
def map_create(
    *,
    slug: str,
    title: str,
    owner: AbstractBaseUser | None,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
) -> Map:
    check_key(slug, field="slug")
    title = _check_title(title)
    description = _check_description(description)
    if visibility not in Visibility.values:
        raise ValidationFailed(
            f"visibility must be one of {Visibility.values}",
            fields={"visibility": [f"must be one of {Visibility.values}"]},
        )
    taken = Conflict(f"a map with slug '{slug}' already exists", fields={"slug": ["taken"]})
    if Map.objects.filter(slug=slug).exists():
        raise taken
    try:
        # Two requests can both pass the check: the unique slug settles it, a 409.
        with transaction.atomic():
            return Map.objects.create(
                slug=slug, title=title, description=description, owner=owner, visibility=visibility
            )
    except IntegrityError:
        if Map.objects.filter(slug=slug).exists():
            raise taken from None
        raise


@transaction.atomic
def map_update(
    *,
    map: Map,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
    contribution: str | None = None,
    by: AbstractBaseUser | None = None,
) -> Map:
    """Change a map's settings (the owner's, checked by the caller).

    Title, description, visibility and contribution are not part of the graph: no
    version bump. The settings that changed are one MAP_EDITED activity entry
    (with the new visibility and contribution: who may see and add matters to
    the people following the map; the words are on the map itself).
    """
    # Only the fields given are written: `map` was read earlier in the request,
    # and writing back its other fields would undo a change saved meanwhile.
    # Everything is checked before anything is assigned: a refusal leaves `map` as it was.
    if title is not None:
        title = _check_title(title)
    if description is not None:
        description = _check_description(description)
    if visibility is not None and visibility not in Visibility.values:
        raise ValidationFailed(
            f"visibility must be one of {Visibility.values}",
            fields={"visibility": [f"must be one of {Visibility.values}"]},
        )
    if contribution is not None and contribution not in Contribution.values:
        raise ValidationFailed(
            f"contribution must be one of {Contribution.values}",
            fields={"contribution": [f"must be one of {Contribution.values}"]},
        )
    given = {
        "title": title,
        "description": description,
        "visibility": visibility,
        "contribution": contribution,
    }
    written = ["updated_at"]
    changed: list[str] = []
    for name, value in given.items():
        if value is None:
            continue
        if getattr(map, name) != value:
            changed.append(name)
        setattr(map, name, value)
        written.append(name)
    map.save(update_fields=written)
    if changed:
        detail: dict[str, object] = {"fields": changed}
        for name in ("visibility", "contribution"):
            if name in changed:
                detail[name] = given[name]
        activity_record(
            map_id=map.pk,
            verb=ActivityVerb.MAP_EDITED,
            actor=by,
            title=map.title,
            detail=detail,  # no graph_version: settings are not part of the graph
        )
    return map


@transaction.atomic
def map_delete(*, map: Map) -> None:
    map.delete()


@transaction.atomic
def member_set(
    *, map: Map, username: str, role: str, by: AbstractBaseUser | None = None
) -> MapMember:
    """Add a member or change their role (owner only, checked by the caller).

    Admitting someone changes the ranking's input: members' votes count fully
    (cruxes.standing), others' less. So a new member bumps the map's graph
    version and the ranking is computed again; a change of role does not (voters
    and editors weigh the same).
    """
    if role not in MemberRole.values:
        raise ValidationFailed(
            f"role must be one of {MemberRole.values}",
            fields={"role": [f"must be one of {MemberRole.values}"]},
        )
    username = check_text(username, field="username", max_length=150, allow_empty=False)
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(f"no user '{username}'", fields={"username": ["unknown user"]})
    if user.pk == map.owner_id:
        raise ValidationFailed("the owner is not a member", fields={"username": ["is the owner"]})
    member, admitted = MapMember.objects.update_or_create(
        map=map, user=user, defaults={"role": role}
    )
    if admitted:
        # No node keys: which nodes the newcomer voted on is theirs to know.
        map_graph_changed(map_id=map.pk, action="member_admit", user=by)
    return member


@transaction.atomic
def member_remove(*, map: Map, username: str, by: AbstractBaseUser | None = None) -> None:
    """Remove a member: their votes weigh as a non-member's from the next ranking."""
    # A NUL byte must not reach PostgreSQL (it refuses it with a 500, not a 400).
    username = check_text(username, field="username", max_length=150, allow_empty=False)
    deleted, _ = MapMember.objects.filter(map=map, user__username=username).delete()
    if not deleted:
        raise NotFound(f"'{username}' is not a member of this map")
    map_graph_changed(map_id=map.pk, action="member_remove", user=by)
