"""Who may do what on a map: fetch and check in one step.

A person who may not see a map gets 404 (never 403), so private maps do not
leak their existence; one who may see it but not change it gets 403, and an
anonymous visitor asked to act gets 401.
"""

from enum import IntEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from claims.errors import NotAuthenticated, NotFound, PermissionDenied
from claims.models import Map, MapMember, MemberRole, Visibility


class Need(IntEnum):
    READ = 1
    VOTE = 2
    EDIT = 3
    ADMIN = 4


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
    role = map_role(user=user, map=map)
    if map.visibility != Visibility.PUBLIC and role is None:
        raise NotFound(f"no map '{map.slug}'")
    if need == Need.READ:
        return role
    if not user.is_authenticated:
        raise NotAuthenticated("log in to do this")
    if need == Need.VOTE:
        return role  # any registered user on a public map; members on a private one
    if need == Need.EDIT and role not in ("owner", MemberRole.EDITOR):
        raise PermissionDenied("only the map's editors and owner can change its graph")
    if need == Need.ADMIN and role != "owner":
        raise PermissionDenied("only the map's owner can do this")
    return role


def map_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, slug: str, need: Need = Need.READ
) -> Map:
    the_map = Map.objects.select_related("owner").filter(slug=slug).first()
    if the_map is None:
        raise NotFound(f"no map '{slug}'")
    map_check(user=user, map=the_map, need=need)
    return the_map
