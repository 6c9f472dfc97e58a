"""API authentication: DRF's token, refused once it is older than its lifetime."""

import re

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.selectors import token_expired

_KEY = re.compile(r"[0-9a-f]{40}")


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; with API_TOKEN_LIFETIME_SECONDS set, a token
    that old is refused with 401 and a message saying so (not 'invalid')."""

    def authenticate_credentials(self, key):
        # Keys are 40 hex digits; anything else (a NUL byte would reach PostgreSQL and
        # fail there) is refused before the lookup, with DRF's own message.
        if not _KEY.fullmatch(key):
            raise AuthenticationFailed("Invalid token.")
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(
                "the API token expired; get a new one with POST /api/v1/auth/token/"
            )
        return user, token
