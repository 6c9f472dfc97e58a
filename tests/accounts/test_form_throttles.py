"""Item 8: the HTML forms count against the API's scopes, rates and buckets
(sign-up: register, vote: vote, import: import, log-in: token, export: export)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.models import Map
from claims.services import map_import
from claims.synthetic import generate_map
from cruxes.models import VoteHistory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"


def sign_up(client, username: str):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def assert_readable_429(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert response["Content-Type"].startswith("text/html")
    assert b"Too many requests" in response.content
    assert b"Try again in" in response.content


@pytest.fixture
def public_map(owner):
    doc = generate_map(20, seed=2)
    doc["map"].update(slug="open", visibility="public")
    map_import(data=doc, owner=owner)
    return Map.objects.get(slug="open")


def test_sign_up_past_the_register_rate_is_429_and_creates_no_account(client, throttle_rates):
    throttle_rates(register="2/min")
    assert [sign_up(client, f"new{i}").status_code for i in range(2)] == [302, 302]
    client.logout()
    refused = sign_up(client, "new2")
    assert_readable_429(refused)
    assert not get_user_model().objects.filter(username="new2").exists()


def test_sign_up_and_api_registration_share_one_allowance(client, throttle_rates):
    throttle_rates(register="2/min")
    api = APIClient()
    made = api.post(
        "/api/v1/auth/register/", {"username": "api1", "password": PASSWORD}, format="json"
    )
    assert made.status_code == 201
    assert sign_up(client, "html1").status_code == 302
    client.logout()
    assert sign_up(client, "html2").status_code == 429
    again = api.post(
        "/api/v1/auth/register/", {"username": "api2", "password": PASSWORD}, format="json"
    )
    assert again.status_code == 429


def test_showing_the_sign_up_form_is_not_counted(client, throttle_rates):
    throttle_rates(register="1/min")
    assert all(client.get("/accounts/signup/").status_code == 200 for _ in range(5))
    assert sign_up(client, "shown").status_code == 302


def test_html_votes_past_the_vote_rate_are_429_and_not_recorded(
    client, public_map, voter, throttle_rates
):
    throttle_rates(vote="3/min")
    client.force_login(voter)
    crux = public_map.nodes.filter(kind="crux").first()
    url = f"/maps/open/nodes/{crux.key}/vote/"
    codes = [client.post(url, {"percent": str(p)}).status_code for p in (10, 20, 30)]
    assert codes == [302, 302, 302]
    assert_readable_429(client.post(url, {"percent": "40"}))
    assert VoteHistory.objects.filter(user=voter).count() == 3


def test_html_and_api_votes_share_one_allowance(client, public_map, voter, throttle_rates):
    from rest_framework.authtoken.models import Token

    throttle_rates(vote="2/min")
    crux = public_map.nodes.filter(kind="crux").first()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=voter).key}")
    vote_api = f"/api/v1/maps/open/nodes/{crux.key}/vote/"
    assert api.put(vote_api, {"credence": 0.2}, format="json").status_code == 200
    client.force_login(voter)
    assert client.post(f"/maps/open/nodes/{crux.key}/vote/", {"percent": "30"}).status_code == 302
    assert api.put(vote_api, {"credence": 0.4}, format="json").status_code == 429
    assert client.post(f"/maps/open/nodes/{crux.key}/vote/", {"percent": "50"}).status_code == 429


def import_form(slug: str) -> dict:
    doc = generate_map(5, seed=4)
    doc["map"]["slug"] = slug
    content = json.dumps(doc).encode()
    return {"file": SimpleUploadedFile("map.json", content, content_type="application/json")}


def test_html_imports_past_the_import_rate_are_429_and_import_nothing(
    client, owner, throttle_rates
):
    throttle_rates(**{"import": "2/min"})
    client.force_login(owner)
    codes = [client.post("/import-export/", import_form(f"m{i}")).status_code for i in range(2)]
    assert codes == [302, 302]
    assert_readable_429(client.post("/import-export/", import_form("m2")))
    assert not Map.objects.filter(slug="m2").exists()
    # The page itself is still shown.
    assert client.get("/import-export/").status_code == 200


def test_html_log_in_past_the_token_rate_is_429(client, throttle_rates):
    throttle_rates(token="2/min")
    UserFactory(username="ada", password=PASSWORD)
    for _ in range(2):
        assert (
            client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 200
        )
    refused = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert_readable_429(refused)
    assert "_auth_user_id" not in client.session


def test_admin_log_in_past_the_token_rate_is_429(client, throttle_rates):
    throttle_rates(token="1/min")
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    client.post("/admin/login/", {"username": "root", "password": "wrong"})
    refused = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert_readable_429(refused)
    assert "_auth_user_id" not in client.session


def test_anonymous_exports_past_the_export_rate_are_429(client, public_map, throttle_rates):
    throttle_rates(export="2/min")
    url = "/maps/open/export/argmap/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    assert_readable_429(client.get(url))


def test_signed_in_exports_count_against_the_user_rate_not_the_export_rate(
    client, public_map, voter, throttle_rates
):
    throttle_rates(export="1/min", user="3/min")
    client.force_login(voter)
    url = "/maps/open/export/argmap/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(url).status_code == 429
