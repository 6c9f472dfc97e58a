"""Item 7: the client address comes from TRUSTED_PROXY_COUNT, never from a header the
client wrote: X-Forwarded-For does not choose a throttle bucket or a lockout count."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.net import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"


def register(client, username: str, **headers):
    return client.post(
        "/api/v1/auth/register/",
        {"username": username, "password": PASSWORD},
        format="json",
        **headers,
    )


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_a_forged_forwarded_for_does_not_escape_the_register_throttle(throttle_rates):
    throttle_rates(register="2/min")
    api = APIClient()
    assert [register(api, f"sybil{i}").status_code for i in range(2)] == [201, 201]
    assert register(api, "sybil2").status_code == 429
    forged = register(api, "sybil3", HTTP_X_FORWARDED_FOR="10.9.8.7")
    assert forged.status_code == 429
    assert not get_user_model().objects.filter(username="sybil3").exists()


def test_a_forged_forwarded_for_does_not_escape_the_anonymous_rate(throttle_rates):
    throttle_rates(anon="2/min")
    api = APIClient()
    assert [api.get("/api/v1/maps/").status_code for _ in range(2)] == [200, 200]
    assert api.get("/api/v1/maps/", HTTP_X_FORWARDED_FOR="10.9.8.7").status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(settings, throttle_rates):
    settings.TRUSTED_PROXY_COUNT = 1
    throttle_rates(register="1/min")
    api = APIClient()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert register(api, "first", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 201
    assert register(api, "again", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    # What the client put in front of the proxy's own entry changes nothing.
    spoofed = register(api, "spoof", HTTP_X_FORWARDED_FOR="10.9.8.7, 203.0.113.5", **proxy)
    assert spoofed.status_code == 429
    assert register(api, "other", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 201


def test_a_forged_forwarded_for_does_not_escape_the_login_lockout(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(username="ada", password=PASSWORD)
    for i in range(2):
        forged = {"HTTP_X_FORWARDED_FOR": f"10.9.8.{i}"}
        client.post("/accounts/login/", {"username": "ada", "password": "wrong"}, **forged)
    locked = client.post(
        "/accounts/login/",
        {"username": "ada", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_without_trusted_proxies_the_address_is_the_peers():
    assert client_address(request_from("192.0.2.1", "10.9.8.7")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "10.9.8.7, 203.0.113.5", "203.0.113.5"),  # the client's own entry is ignored
        (2, "10.9.8.7, 203.0.113.5, 198.51.100.2", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),  # fewer entries than proxies: the first
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "not-an-address", "192.0.2.1"),  # never a key the client chose
        (1, "", "192.0.2.1"),
    ],
)
def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from("192.0.2.1", forwarded)) == expected
