"""Repeated failed logins lock the account out for a while (HTML and API)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_html_login_locks_after_repeated_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="ada", password="a long passphrase 42")
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
        assert response.status_code == 200
    locked = client.post(
        "/accounts/login/", {"username": "ada", "password": "a long passphrase 42"}
    )
    assert locked.status_code == 429
    assert b"Too many failed attempts" in locked.content
    assert "_auth_user_id" not in client.session


def test_successful_login_clears_the_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="bea", password="a long passphrase 42")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "bea", "password": "wrong"})
    ok = client.post("/accounts/login/", {"username": "bea", "password": "a long passphrase 42"})
    assert ok.status_code == 302
    client.logout()
    for _ in range(2):
        assert (
            client.post("/accounts/login/", {"username": "bea", "password": "wrong"}).status_code
            == 200
        )


def test_api_token_locks_after_repeated_failures(settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(username="cyd", password="a long passphrase 42")
    api = APIClient()
    for _ in range(2):
        assert (
            api.post(
                "/api/v1/auth/token/", {"username": "cyd", "password": "x"}, format="json"
            ).status_code
            == 400
        )
    locked = api.post(
        "/api/v1/auth/token/",
        {"username": "cyd", "password": "a long passphrase 42"},
        format="json",
    )
    assert locked.status_code == 429
    assert "too many failed logins" in locked.json()["error"]["message"]
