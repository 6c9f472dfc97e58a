"""Whom a person shows their own credences on a map to (issue 18).

Off by default: without a CredenceSharing row, or with `nobody`, a person's credences
are theirs alone and others see only aggregates above the privacy floor. `everyone`
shows them to anyone signed in who may read the map; `chosen` to the users named in
`viewers`. What is shared is what the double crux needs: the person's credences on the
map's nodes, never anyone else's (the privacy floor still hides those).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from claims.models import Map
from core.errors import ValidationFailed
from cruxes.models import CredenceSharing, ShareAudience

#: More chosen viewers than this is an audience of "everyone" in all but name.
VIEWERS_MAX = 200


def sharing_get(*, user: AbstractBaseUser, map: Map) -> dict:
    """The person's own setting on the map: {audience, viewers: [usernames]}."""
    sharing = CredenceSharing.objects.filter(user=user, map=map).first()
    if sharing is None:
        return {"audience": ShareAudience.NOBODY.value, "viewers": []}
    viewers = (
        sorted(sharing.viewers.values_list("username", flat=True))
        if sharing.audience == ShareAudience.CHOSEN
        else []
    )
    return {"audience": sharing.audience, "viewers": viewers}


def _viewers(user: AbstractBaseUser, usernames: Iterable[object]) -> list:
    """The users named, checked: each a known username, and not the person themselves."""
    names = []
    for name in usernames:
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed(
                "viewers must be usernames", fields={"viewers": ["not a username"]}
            )
        names.append(name.strip())
    names = list(dict.fromkeys(names))
    if len(names) > VIEWERS_MAX:
        raise ValidationFailed(
            f"at most {VIEWERS_MAX} viewers; share with everyone instead",
            fields={"viewers": ["too many"]},
        )
    if user.get_username() in names:
        raise ValidationFailed(
            "you cannot add yourself: your credences are always yours to see",
            fields={"viewers": ["yourself"]},
        )
    users = list(get_user_model().objects.filter(username__in=names))
    unknown = sorted(set(names) - {u.get_username() for u in users})
    if unknown:
        raise ValidationFailed(
            f"no user named {', '.join(repr(n) for n in unknown)}",
            fields={"viewers": [f"unknown user '{n}'" for n in unknown]},
        )
    return users


@transaction.atomic
def sharing_set(
    *,
    user: AbstractBaseUser,
    map: Map,
    audience: str,
    viewers: Iterable[object] = (),
) -> dict:
    """Set whom `user` shows their credences on `map` to; returns the new setting.

    `viewers` (usernames) counts only with `chosen`, which needs at least one. Nothing
    is stored when the input is refused. Sharing does not change the map's graph (no
    graph_version bump): it changes who may see, not what the ranking counts.
    """
    if audience not in ShareAudience.values:
        raise ValidationFailed(
            f"audience must be one of {', '.join(ShareAudience.values)}",
            fields={"audience": ["unknown audience"]},
        )
    viewers = list(viewers or ())
    chosen = _viewers(user, viewers) if audience == ShareAudience.CHOSEN else []
    if audience == ShareAudience.CHOSEN and not chosen:
        raise ValidationFailed(
            "name at least one person to share with", fields={"viewers": ["required"]}
        )
    if audience != ShareAudience.CHOSEN and viewers:
        raise ValidationFailed(
            f"viewers are only for the audience '{ShareAudience.CHOSEN.value}'",
            fields={"viewers": ["only with chosen"]},
        )
    sharing, _ = CredenceSharing.objects.select_for_update().get_or_create(user=user, map=map)
    sharing.audience = audience
    sharing.save(update_fields=["audience", "updated_at"])
    sharing.viewers.set(chosen)
    return sharing_get(user=user, map=map)


def may_see_credences(
    *, viewer: AbstractBaseUser | AnonymousUser, owner: AbstractBaseUser, map: Map
) -> bool:
    """May `viewer` see `owner`'s own credences on `map`? Themselves always; others only
    as the owner chose (everyone signed in, or the chosen ones). The caller has checked
    that the viewer may read the map."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == owner.pk:
        return True
    sharing = CredenceSharing.objects.filter(user=owner, map=map).only("pk", "audience").first()
    if sharing is None or sharing.audience == ShareAudience.NOBODY:
        return False
    if sharing.audience == ShareAudience.EVERYONE:
        return True
    return sharing.viewers.filter(pk=viewer.pk).exists()
