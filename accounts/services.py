import contextlib

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from core.errors import Conflict, ValidationFailed

_USERNAME_HELP = "letters, digits and @/./+/-/_ only"


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "") -> str:
    """Create an account (password validators apply); returns its API token."""
    User = get_user_model()
    field = User._meta.get_field("username")
    try:
        for validator in field.validators:
            validator(username)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            f"username: {_USERNAME_HELP}", fields={"username": [_USERNAME_HELP]}
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"the username '{username}' is taken", fields={"username": ["taken"]})
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "the password is too weak: " + " ".join(exc.messages),
            fields={"password": list(exc.messages)},
        ) from exc
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:
        raise Conflict(
            f"the username '{username}' is taken", fields={"username": ["taken"]}
        ) from exc
    return Token.objects.create(user=candidate).key


def _login_key(username: str, ip: str) -> str:
    import hashlib

    digest = hashlib.sha256(f"{username.lower()}|{ip}".encode()).hexdigest()[:32]
    return f"argmap:login-failures:{digest}"


def login_locked(*, username: str, ip: str) -> bool:
    """Too many recent failed logins for this username from this address?"""
    from django.conf import settings
    from django.core.cache import cache

    try:
        return cache.get(_login_key(username, ip), 0) >= settings.LOGIN_FAILURE_LIMIT
    except Exception:  # noqa: BLE001 - cache down: fail open rather than lock everyone out
        return False


def login_failed(*, username: str, ip: str) -> None:
    from django.conf import settings
    from django.core.cache import cache

    key = _login_key(username, ip)
    try:
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    except Exception:  # noqa: BLE001 - cache down: the attempt is not counted
        return


def login_succeeded(*, username: str, ip: str) -> None:
    from django.core.cache import cache

    with contextlib.suppress(Exception):  # cache down: nothing to clear
        cache.delete(_login_key(username, ip))
