"""API authentication: DRF's token, refused once it is older than its lifetime."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.selectors import token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; with API_TOKEN_LIFETIME_SECONDS set, a token
    that old is refused with 401 and a message saying so (not 'invalid')."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(
                "the API token expired; get a new one with POST /api/v1/auth/token/"
            )
        return user, token
