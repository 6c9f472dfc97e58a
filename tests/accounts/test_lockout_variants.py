"""Item 9: the login lockout counts the person, not the spelling: every variant that
Django's auth would log in with (or compare as the same name) is locked too, on the
log-in page, the admin's log-in page and the API token endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"

# Spellings of "ada" an attacker could try once "ada" is locked.
VARIANTS = {
    "leading space": " ada",
    "trailing space": "ada ",
    "fullwidth first letter": "\uff41da",  # ａda: NFKC makes it "ada"
    "different case": "ADA",
}


@pytest.fixture
def ada(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    return UserFactory(username="ada", password=PASSWORD)


def fail_html(client, username: str = "ada", times: int = 3, path: str = "/accounts/login/"):
    for _ in range(times):
        assert client.post(path, {"username": username, "password": "wrong"}).status_code == 200


def api_token(username: str, password: str):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


@pytest.mark.parametrize("spelling", VARIANTS.values(), ids=VARIANTS.keys())
def test_html_log_in_stays_locked_under_another_spelling_of_the_name(client, ada, spelling):
    fail_html(client)
    locked = client.post("/accounts/login/", {"username": spelling, "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed attempts" in locked.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("spelling", VARIANTS.values(), ids=VARIANTS.keys())
def test_failures_under_another_spelling_count_against_the_name(client, ada, spelling):
    fail_html(client, username=spelling)
    locked = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("spelling", VARIANTS.values(), ids=VARIANTS.keys())
def test_api_token_stays_locked_under_another_spelling_of_the_name(ada, spelling):
    for _ in range(3):
        assert api_token("ada", "wrong").status_code == 400
    locked = api_token(spelling, PASSWORD)
    assert locked.status_code == 429
    assert "too many failed logins" in locked.json()["error"]["message"]


def test_html_failures_lock_the_api_token_endpoint_too(client, ada):
    fail_html(client, username="\uff41da")
    assert api_token("ada", PASSWORD).status_code == 429


def test_admin_log_in_locks_after_repeated_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    fail_html(client, username="root", path="/admin/login/")
    for spelling in ("root", " root", "\uff52oot"):
        locked = client.post("/admin/login/", {"username": spelling, "password": PASSWORD})
        assert b"Too many failed attempts" in locked.content
        assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to log in


def test_admin_failures_lock_the_html_log_in_too(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    fail_html(client, username="root", path="/admin/login/")
    assert (
        client.post("/accounts/login/", {"username": "root", "password": PASSWORD}).status_code
        == 429
    )


def test_the_lockout_is_per_person_others_still_log_in(client, ada):
    UserFactory(username="bea", password=PASSWORD)
    fail_html(client)
    assert (
        client.post("/accounts/login/", {"username": "bea", "password": PASSWORD}).status_code
        == 302
    )
