"""REST API of accounts: registration and API tokens."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.authentication import ExpiringTokenAuthentication
from accounts.services import token_issue, token_revoke, user_register
from core.api_base import ApiView, StrictCharField, errors, validated
from core.errors import ValidationFailed

# --- accounts -------------------------------------------------------------


class RegisterApi(ApiView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "register"

    class RegisterInput(serializers.Serializer):
        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, trim_whitespace=False)
        email = serializers.EmailField(required=False, allow_blank=True)

    class RegisterOutput(serializers.Serializer):
        username = serializers.CharField(help_text="the name as stored (NFKC-normalised)")
        token = serializers.CharField()

    @extend_schema(
        request=RegisterInput,
        responses={201: RegisterOutput, **errors(400, 409, 429)},
        description="Create an account. The username is NFKC-normalised; a name that looks "
        "like an existing one (another case, fullwidth or Cyrillic lookalike letters) is "
        "refused with 409, and one mixing lookalike letters of different scripts with 400.",
    )
    def post(self, request):
        data = validated(self.RegisterInput, request.data)
        user = user_register(**data)
        return Response({"username": user.username, "token": token_issue(user=user)}, status=201)


class TokenApi(ApiView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "token"

    class TokenInput(serializers.Serializer):
        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, trim_whitespace=False)

    class TokenOutput(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        request=TokenInput,
        responses={200: TokenOutput, **errors(400, 429)},
        description="The account's API token (a new one if it had none, or it expired: "
        "see API_TOKEN_LIFETIME_SECONDS). After repeated wrong passwords the account is "
        "locked for a while from this address: 429.",
    )
    def post(self, request):
        data = validated(self.TokenInput, request.data)
        # The lockout is in the authentication backend (accounts.backends).
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None:
            if getattr(request, "login_locked", False):
                raise Throttled(detail="too many failed logins; try again in a few minutes")
            raise ValidationFailed(
                "wrong username or password", fields={"password": ["wrong username or password"]}
            )
        return Response({"token": token_issue(user=user)})


class TokenRevokeApi(ApiView):
    # Only the token itself: a browser session cannot revoke it by a forged request.
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="the token is revoked"), **errors(401, 429)},
        description="Revoke the API token this request is authenticated with: it stops "
        "working at once. POST /api/v1/auth/token/ issues a new one.",
    )
    def post(self, request):
        token_revoke(user=request.user)
        return Response(status=204)
