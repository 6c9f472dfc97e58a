"""REST API of accounts: registration and API tokens."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.services import login_failed, login_locked, user_register
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
        username = serializers.CharField()
        token = serializers.CharField()

    @extend_schema(request=RegisterInput, responses={201: RegisterOutput, **errors(400, 409, 429)})
    def post(self, request):
        data = validated(self.RegisterInput, request.data)
        token = user_register(**data)
        return Response({"username": data["username"], "token": token}, status=201)


class TokenApi(ApiView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "token"

    class TokenInput(serializers.Serializer):
        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, trim_whitespace=False)

    class TokenOutput(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=TokenInput, responses={200: TokenOutput, **errors(400, 429)})
    def post(self, request):
        data = validated(self.TokenInput, request.data)
        ip = request.META.get("REMOTE_ADDR", "")
        if login_locked(username=data["username"], ip=ip):
            raise Throttled(detail="too many failed logins; try again in a few minutes")
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None:
            login_failed(username=data["username"], ip=ip)
            raise ValidationFailed(
                "wrong username or password", fields={"password": ["wrong username or password"]}
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
