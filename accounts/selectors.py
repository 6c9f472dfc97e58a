"""Reads of accounts."""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    """Older than API_TOKEN_LIFETIME_SECONDS (0: tokens never expire)."""
    lifetime = settings.API_TOKEN_LIFETIME_SECONDS
    if lifetime <= 0:
        return False
    return token.created <= timezone.now() - datetime.timedelta(seconds=lifetime)
