"""Writes of accounts: registration, passwords, API tokens and the login lockout's counts."""

import contextlib
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from accounts.models import UsernameSkeleton
from accounts.selectors import token_expired
from accounts.usernames import (
    login_identity,
    username_mixes_lookalike_scripts,
    username_normalise,
    username_skeletons,
)
from core.errors import Conflict, ValidationFailed

_USERNAME_HELP = "at most 150 characters: letters, digits and @/./+/-/_ only"
_LOOKALIKE_HELP = "looks like an existing username"


def _taken(username: str) -> Conflict:
    return Conflict(f"the username '{username}' is taken", fields={"username": ["taken"]})


def username_check(username: str) -> tuple[str, set[str]]:
    """The name as stored (NFKC) and its skeletons, or the reason it is refused.

    Every way an account is made (the API, the sign-up page, the admin's add
    form) applies these rules, so no path lets a lookalike of an existing name in.
    """
    User = get_user_model()
    username = username_normalise(username)
    try:
        for validator in User._meta.get_field("username").validators:
            validator(username)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            f"username: {_USERNAME_HELP}", fields={"username": [_USERNAME_HELP]}
        ) from exc
    if username_mixes_lookalike_scripts(username):
        message = "mixes letters of different scripts that look alike (such as a Cyrillic а)"
        raise ValidationFailed(f"username: {message}", fields={"username": [message]})
    skeletons = username_skeletons(username)
    if User.objects.filter(username__iexact=username).exists():
        raise _taken(username)
    if UsernameSkeleton.objects.filter(skeleton__in=skeletons).exists():
        raise Conflict(
            f"the username '{username}' {_LOOKALIKE_HELP}; choose another",
            fields={"username": [_LOOKALIKE_HELP]},
        )
    return username, skeletons


def _save_with_skeletons(user: AbstractBaseUser, skeletons: set[str]) -> None:
    try:
        # A savepoint: someone may have taken the name (or a lookalike) since the checks.
        with transaction.atomic():
            user.save()
            UsernameSkeleton.objects.bulk_create(
                UsernameSkeleton(user=user, skeleton=skeleton) for skeleton in sorted(skeletons)
            )
    except IntegrityError as exc:
        raise _taken(user.get_username()) from exc


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "") -> AbstractBaseUser:
    """Create an account, for the API and the sign-up page alike.

    The name is stored in the form Django's login compares (NFKC), and refused
    when it could be mistaken for an existing one (accounts.usernames).
    """
    User = get_user_model()
    username, skeletons = username_check(username)
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "the password is too weak: " + " ".join(exc.messages),
            fields={"password": list(exc.messages)},
        ) from exc
    candidate.set_password(password)
    _save_with_skeletons(candidate, skeletons)
    return candidate


@transaction.atomic
def user_add(*, user: AbstractBaseUser) -> AbstractBaseUser:
    """Save an account an operator built (the admin's add form), under the same name rules."""
    username, skeletons = username_check(user.get_username())
    setattr(user, user.USERNAME_FIELD, username)
    _save_with_skeletons(user, skeletons)
    return user


@transaction.atomic
def user_password_set(*, user: AbstractBaseUser, password: str | None) -> None:
    """Set an account's password (None: no password login at all).

    The API token stops working: whoever held it with the old password must log
    in again with the new one (`POST /api/v1/auth/token/` issues a new token).
    """
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user=user)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                "the password is too weak: " + " ".join(exc.messages),
                fields={"password": list(exc.messages)},
            ) from exc
        user.set_password(password)
    user.save(update_fields=["password"])
    token_revoke(user=user)


@transaction.atomic
def token_issue(*, user: AbstractBaseUser) -> str:
    """The account's API token, a new one when it has none or it expired."""
    token, _ = Token.objects.get_or_create(user=user)
    if token_expired(token):
        Token.objects.filter(pk=token.pk).delete()
        token, _ = Token.objects.get_or_create(user=user)
    return token.key


def token_revoke(*, user: AbstractBaseUser) -> None:
    """The account's API token stops working (there is at most one)."""
    Token.objects.filter(user=user).delete()


# --- login lockout ------------------------------------------------------------
# Counts of recent failures per (person, client address) in the cache. The
# person is every spelling that logs in as them (accounts.usernames.login_identity)
# and the address is core.net.client_address, so neither a leading space, a
# fullwidth letter, another case nor a forged X-Forwarded-For starts a new count.


def _lockout_key(username: str, address: str) -> str:
    identity = f"{login_identity(username)}|{address}"
    return "argmap:login-failures:" + hashlib.sha256(identity.encode()).hexdigest()[:32]


def login_locked(*, username: str, address: str) -> bool:
    """Too many recent failed logins for this person from this address?"""
    try:
        failures = cache.get(_lockout_key(username, address), 0)
    except Exception:  # noqa: BLE001 - cache down: fail open rather than lock everyone out
        return False
    return failures >= settings.LOGIN_FAILURE_LIMIT


def login_failed(*, username: str, address: str) -> None:
    key = _lockout_key(username, address)
    try:
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    except Exception:  # noqa: BLE001 - cache down: the attempt is not counted
        return


def login_succeeded(*, username: str, address: str) -> None:
    with contextlib.suppress(Exception):  # cache down: nothing to clear
        cache.delete(_lockout_key(username, address))
