"""Asking to join a map, and the owner's answer (issue 16); the seeded map's owner.

A signed-in person who can see a map asks its owner for a role (voter or
editor) with a short message; the owner approves (the membership is made or
raised with `member_set`, in the same transaction) or declines, with a reply
the requester reads on the map page. One pending request per person and map.

Messages and replies are plain text: stored as typed, escaped wherever shown.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.access import map_role
from claims.models import (
    JOIN_MESSAGE_MAX_LENGTH,
    ActivityVerb,
    Contribution,
    JoinRequest,
    JoinStatus,
    Map,
    MemberRole,
)
from claims.services.activity import activity_record
from claims.services.maps import member_set
from core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from core.validation import check_text

# Higher roles include the lower ones: an editor votes too.
_RANK = {None: 0, MemberRole.VOTER: 1, MemberRole.EDITOR: 2, "owner": 3}


def _check_role(role: object) -> str:
    if role not in MemberRole.values:
        raise ValidationFailed(
            f"role must be one of {MemberRole.values}",
            fields={"role": [f"must be one of {MemberRole.values}"]},
        )
    return str(role)


def _check_words(value: object, *, field: str) -> str:
    # Control characters and NUL bytes are refused here: PostgreSQL would refuse
    # a NUL with a 500, and nothing a person types needs the others.
    return check_text(value, field=field, max_length=JOIN_MESSAGE_MAX_LENGTH).strip()


@transaction.atomic
def join_request_create(
    *,
    map: Map,
    user: AbstractBaseUser | AnonymousUser,
    role: str,
    message: str = "",
) -> JoinRequest:
    """Ask the map's owner for `role`. The caller has checked that `user` may see the map."""
    if not user.is_authenticated:
        raise NotAuthenticated("log in to ask to join this map")
    role = _check_role(role)
    message = _check_words(message, field="message")
    current = map_role(user=user, map=map)
    if current == "owner":
        raise Conflict("you own this map: there is nothing to ask for", fields={"role": ["owner"]})
    if _RANK[current] >= _RANK[role]:
        raise Conflict(
            f"you are already {'an' if current == MemberRole.EDITOR else 'a'} {current} "
            "of this map",
            fields={"role": [f"already {current}"]},
        )
    pending = Conflict(
        "you already asked to join this map: wait for the owner's answer or withdraw it",
        fields={"role": ["a request is pending"]},
    )
    if JoinRequest.objects.filter(map=map, user_id=user.pk, status=JoinStatus.PENDING).exists():
        raise pending
    try:
        # Two requests at once both pass the check: the partial unique index settles it.
        with transaction.atomic():
            return JoinRequest.objects.create(map=map, user=user, role=role, message=message)
    except IntegrityError:
        raise pending from None


def _lock_pending(request: JoinRequest) -> JoinRequest:
    """The request's row, locked, if it is still pending (else 409 naming its state).

    Locked so that an approval and a decline (or a withdrawal) racing each other
    decide it once: the second sees the first's status.
    """
    current = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if current.status != JoinStatus.PENDING:
        raise Conflict(
            f"this request was already {current.status}", fields={"status": [current.status]}
        )
    return current


def _check_owner(request: JoinRequest, by: AbstractBaseUser) -> None:
    if not by.is_authenticated:
        raise NotAuthenticated("log in to answer requests to join")
    if request.map.owner_id != by.pk:
        raise PermissionDenied("only the map's owner can answer requests to join")


@transaction.atomic
def join_request_withdraw(*, request: JoinRequest, by: AbstractBaseUser) -> JoinRequest:
    """The requester takes back a pending request."""
    if not by.is_authenticated or request.user_id != by.pk:
        raise PermissionDenied("only the person who asked can withdraw a request")
    current = _lock_pending(request)
    current.status = JoinStatus.WITHDRAWN
    current.decided_at = timezone.now()
    current.decided_by = by
    current.save(update_fields=["status", "decided_at", "decided_by"])
    return current


@transaction.atomic
def join_request_approve(
    *, request: JoinRequest, by: AbstractBaseUser, reply: str = ""
) -> JoinRequest:
    """The owner admits the requester with the role asked for (owner only).

    Someone who meanwhile got a higher role keeps it: approving "voter" never
    demotes an editor.
    """
    _check_owner(request, by)
    reply = _check_words(reply, field="reply")
    current = _lock_pending(request)
    the_map = request.map
    requester = current.user
    had = map_role(user=requester, map=the_map)
    if _RANK[had] < _RANK[current.role]:
        member_set(map=the_map, username=requester.get_username(), role=current.role, by=by)
        activity_record(
            map_id=the_map.pk,
            verb=ActivityVerb.MEMBER_JOINED,
            actor=requester,
            detail={"role": current.role},
        )
    current.status = JoinStatus.APPROVED
    current.decided_at = timezone.now()
    current.decided_by = by
    current.reply = reply
    current.save(update_fields=["status", "decided_at", "decided_by", "reply"])
    return current


@transaction.atomic
def join_request_decline(
    *, request: JoinRequest, by: AbstractBaseUser, reply: str = ""
) -> JoinRequest:
    """The owner says no (owner only); the reply is shown to the requester."""
    _check_owner(request, by)
    reply = _check_words(reply, field="reply")
    current = _lock_pending(request)
    current.status = JoinStatus.DECLINED
    current.decided_at = timezone.now()
    current.decided_by = by
    current.reply = reply
    current.save(update_fields=["status", "decided_at", "decided_by", "reply"])
    return current


# --- the seeded map's owner (import_map --owner) -------------------------------


@transaction.atomic
def owner_account_ensure(*, username: str) -> AbstractBaseUser:
    """The account named `username`, created without a usable password if absent.

    An existing account is used as it is (its password untouched). A new one
    can log in once an operator sets its password (`manage.py changepassword`).
    Like the accounts a map file's votes create (cruxes.vote_store), it is made
    here, not by the accounts app, which the graph app does not import.
    """
    username = check_text(username, field="owner", max_length=150, allow_empty=False)
    User = get_user_model()
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    try:
        for validator in User._meta.get_field("username").validators:
            validator(username)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "owner: at most 150 characters: letters, digits and @/./+/-/_ only",
            fields={"owner": ["invalid username"]},
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            f"owner: an account differing only in case from '{username}' exists",
            fields={"owner": ["taken in another case"]},
        )
    user = User(username=username)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def map_steward_set(
    *, map: Map, owner: AbstractBaseUser, contribution: str = Contribution.CLOSED
) -> bool:
    """Give an ownerless map its owner and contribution policy; False if it has an owner.

    A map that already has an owner is left alone: its owner may have changed
    the policy since. The conditional UPDATE makes two seeders racing harmless.
    """
    if contribution not in Contribution.values:
        raise ValidationFailed(
            f"contribution must be one of {Contribution.values}",
            fields={"contribution": [f"must be one of {Contribution.values}"]},
        )
    changed = Map.objects.filter(pk=map.pk, owner__isnull=True).update(
        owner=owner, contribution=contribution, updated_at=timezone.now()
    )
    if changed:
        map.owner, map.contribution = owner, contribution
    return bool(changed)
