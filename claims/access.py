"""Who may do what on a map: fetch and check in one step.

A person who may not see a map gets 404 (never 403), so private maps do not
leak their existence; one who may see it but not change it gets 403, and an
anonymous visitor asked to act gets 401.

Contribution (issue 16): on an `open` map anyone signed in who may see it may
add nodes and link them (Need.CONTRIBUTE), and change or delete what they wrote
themselves (`own_work_check`); what others wrote stays with the owner and
editors. On a `closed` map contributing is editing.
"""

from enum import IntEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from claims.merged import moved_check
from claims.models import Contribution, Map, MapMember, MemberRole, Node, Visibility
from claims.selectors import node_get
from core.errors import NotAuthenticated, NotFound, PermissionDenied


class Need(IntEnum):
    READ = 1
    VOTE = 2
    CONTRIBUTE = 3  # add nodes and link them (open maps: anyone signed in)
    EDIT = 4  # change or delete anyone's nodes and edges
    ADMIN = 5


#: The roles that may change the whole graph, whoever wrote it.
EDITING_ROLES = ("owner", MemberRole.EDITOR)


def map_role(*, user: AbstractBaseUser | AnonymousUser, map: Map) -> str | None:
    """owner, editor, voter (members), or None."""
    if not user.is_authenticated:
        return None
    if map.owner_id == user.pk:
        return "owner"
    return MapMember.objects.filter(map=map, user_id=user.pk).values_list("role", flat=True).first()


def maps_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Map]:
    if not user.is_authenticated:
        return Map.objects.filter(visibility=Visibility.PUBLIC)
    return Map.objects.filter(
        Q(visibility=Visibility.PUBLIC) | Q(owner_id=user.pk) | Q(members__user_id=user.pk)
    ).distinct()


def map_check(*, user: AbstractBaseUser | AnonymousUser, map: Map, need: Need) -> str | None:
    """Raise the right error if `user` may not do `need` on `map`; return the role."""
    return _check_role(user=user, map=map, need=need, role=map_role(user=user, map=map))


def _check_role(
    *, user: AbstractBaseUser | AnonymousUser, map: Map, need: Need, role: str | None
) -> str | None:
    if map.visibility != Visibility.PUBLIC and role is None:
        raise NotFound(f"no map '{map.slug}'")
    if need == Need.READ:
        return role
    if not user.is_authenticated:
        raise NotAuthenticated("log in to do this")
    if need == Need.VOTE:
        return role  # any registered user on a public map; members on a private one
    if need == Need.CONTRIBUTE and role not in EDITING_ROLES and not is_open(map):
        raise PermissionDenied(
            "this map is closed: only its editors and owner can add to its graph"
        )
    if need == Need.EDIT and role not in EDITING_ROLES:
        raise PermissionDenied("only the map's editors and owner can change its graph")
    if need == Need.ADMIN and role != "owner":
        raise PermissionDenied("only the map's owner can do this")
    return role


def is_open(map: Map) -> bool:
    return map.contribution == Contribution.OPEN


def may_change_work(
    *, user: AbstractBaseUser | AnonymousUser, map: Map, role: str | None, author_id: int | None
) -> bool:
    """May `user` (with `role` on `map`) change or delete a node or edge `author_id` wrote?

    Owner and editors: anything. On an open map, anyone else who may contribute:
    their own work only (an imported or ownerless row has no author to match).
    """
    if role in EDITING_ROLES:
        return True
    return is_open(map) and user.is_authenticated and author_id is not None and author_id == user.pk


def own_work_check(
    *,
    user: AbstractBaseUser | AnonymousUser,
    map: Map,
    author_id: int | None,
    role: str | None,
    thing: str = "node",
) -> None:
    """403 unless `user` may change or delete this `thing` (see may_change_work).

    The caller has already checked Need.CONTRIBUTE (404/401/403 first); `role` is
    what that check returned.
    """
    if may_change_work(user=user, map=map, role=role, author_id=author_id):
        return
    if not is_open(map):
        raise PermissionDenied("only the map's editors and owner can change its graph")
    raise PermissionDenied(
        f"only the map's editors and owner can change or delete a {thing} someone else added"
    )


def map_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, slug: str, need: Need = Need.READ
) -> Map:
    return map_get_with_role(user=user, slug=slug, need=need)[0]


def map_get_with_role(
    *, user: AbstractBaseUser | AnonymousUser, slug: str, need: Need = Need.READ
) -> tuple[Map, str | None]:
    """map_get_for_user, and the caller's role on the map (for own_work_check)."""
    the_map = Map.objects.select_related("owner").filter(slug=slug).first()
    if the_map is None:
        raise NotFound(f"no map '{slug}'")
    return the_map, map_check(user=user, map=the_map, need=need)


def node_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, slug: str, key: str, need: Need = Need.READ
) -> Node:
    """A node with its map (`node.map`), fetched with the caller's role and checked.

    One query instead of three (map, membership, node), and plain SQL: votes
    come through here, and the ORM took longer to build this query (~0.5 ms)
    than PostgreSQL to plan and run it. The node's sources are not loaded, and
    of its map only what the check reads (the rest loads if touched). When no
    row comes back (no such map or node, or the map is hidden), the answer is
    exactly map_get_for_user's and then node_get's: a hidden map is a 404
    naming the map whether or not the node exists.
    """
    rows = Node.objects.raw(
        "SELECT n.*, m.slug AS map_slug, m.owner_id AS map_owner_id,"
        " m.visibility AS map_visibility, m.contribution AS map_contribution,"
        " (SELECT role FROM claims_mapmember WHERE map_id = n.map_id AND user_id = %s)"
        " AS caller_role"
        " FROM claims_node n JOIN claims_map m ON m.id = n.map_id"
        " WHERE m.slug = %s AND n.key = %s",
        [user.pk if user.is_authenticated else None, slug, key],
    )
    node = next(iter(rows), None)
    if node is None:
        return node_get(map=map_get_for_user(user=user, slug=slug, need=need), key=key)
    node.map = Map.from_db(
        node._state.db,
        ["id", "slug", "owner_id", "visibility", "contribution"],
        [node.map_id, node.map_slug, node.map_owner_id, node.map_visibility, node.map_contribution],
    )
    role = None
    if user.is_authenticated:
        role = "owner" if node.map.owner_id == user.pk else node.caller_role
    _check_role(user=user, map=node.map, need=need, role=role)
    return moved_check(node)  # a merged node's key: Moved, after the access check
