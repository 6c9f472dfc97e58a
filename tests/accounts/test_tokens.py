"""Item 11: API tokens can be revoked, stop working when the password changes, and
expire after API_TOKEN_LIFETIME_SECONDS when it is set."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"
NEW_PASSWORD = "another long phrase 7"
WHO_AM_I = "/api/v1/maps/"  # any endpoint: a refused token is 401 before the view runs


def with_token(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def new_token(username: str, password: str = PASSWORD):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", password=PASSWORD)


@pytest.fixture
def ada_token(ada) -> str:
    return Token.objects.get(user=ada).key


def test_a_revoked_token_stops_working_and_a_new_one_can_be_issued(ada, ada_token):
    api = with_token(ada_token)
    assert api.post("/api/v1/maps/", {"slug": "m1", "title": "M"}, format="json").status_code == 201
    revoked = api.post("/api/v1/auth/token/revoke/")
    assert revoked.status_code == 204
    refused = api.post("/api/v1/maps/", {"slug": "m2", "title": "M"}, format="json")
    assert refused.status_code == 401
    issued = new_token("ada")
    assert issued.status_code == 200 and issued.json()["token"] != ada_token
    assert with_token(issued.json()["token"]).get(WHO_AM_I).status_code == 200


def test_revoking_needs_the_token_itself(client, ada, ada_token):
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401
    # A browser session cannot revoke it (nor be tricked into it).
    client.force_login(ada)
    assert client.post("/api/v1/auth/token/revoke/").status_code == 401
    assert Token.objects.filter(key=ada_token).exists()


def test_changing_the_password_on_the_page_revokes_the_token(client, ada, ada_token):
    client.force_login(ada)
    changed = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert with_token(ada_token).get(WHO_AM_I).status_code == 401
    # The session that changed it stays logged in; the new password gets a new token.
    assert client.get("/accounts/password_change/").status_code == 200
    assert new_token("ada", NEW_PASSWORD).json()["token"] != ada_token


def test_a_refused_password_change_keeps_the_token(client, ada, ada_token):
    client.force_login(ada)
    refused = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200
    assert with_token(ada_token).get(WHO_AM_I).status_code == 200


def test_an_admin_setting_someones_password_revokes_their_token(client, ada, ada_token):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    changed = client.post(
        f"/admin/auth/user/{ada.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert changed.status_code == 302
    assert with_token(ada_token).get(WHO_AM_I).status_code == 401
    assert new_token("ada", NEW_PASSWORD).status_code == 200


def test_the_admins_change_password_link_leads_to_the_page_that_revokes_the_token(client):
    root = UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    token = Token.objects.get(user=root).key
    client.force_login(root)
    page = client.get("/admin/password_change/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/password_change/"
    changed = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert with_token(token).get(WHO_AM_I).status_code == 401


def age(key: str, seconds: int) -> None:
    Token.objects.filter(key=key).update(
        created=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_a_token_older_than_its_lifetime_is_refused_saying_it_expired(settings, ada, ada_token):
    settings.API_TOKEN_LIFETIME_SECONDS = 3600
    age(ada_token, 3599)
    assert with_token(ada_token).get(WHO_AM_I).status_code == 200
    age(ada_token, 3601)
    expired = with_token(ada_token).get(WHO_AM_I)
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]
    issued = new_token("ada")
    assert issued.json()["token"] != ada_token
    assert with_token(issued.json()["token"]).get(WHO_AM_I).status_code == 200


def test_without_a_lifetime_tokens_do_not_expire(settings, ada, ada_token):
    settings.API_TOKEN_LIFETIME_SECONDS = 0
    age(ada_token, 10 * 365 * 86400)
    assert with_token(ada_token).get(WHO_AM_I).status_code == 200
    assert new_token("ada").json()["token"] == ada_token


def test_the_schema_documents_revocation_and_the_token_lifetime(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    revoke = schema["paths"]["/api/v1/auth/token/revoke/"]["post"]
    assert {"204", "401"} <= set(revoke["responses"])
    assert revoke["security"] == [{"tokenAuth": []}]
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "expired" in token["description"]


@pytest.mark.parametrize("key", ["\x00" + "a" * 39, "not-a-token", "a" * 41, "A" * 40])
def test_a_malformed_token_is_refused_with_401_not_a_server_error(key):
    answer = with_token(key).get(WHO_AM_I)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "Invalid token."
