"""Items 12 and 13: Django's auth pages are mounted one by one (password reset only
when mail is configured, and throttled), and no `next` leads off the site."""

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"


# --- item 12: password reset only with mail ---------------------------------


def test_without_mail_the_password_reset_pages_do_not_exist(client):
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": "a@example.org"}).status_code == 404
    assert client.get("/accounts/reset/done/").status_code == 404
    assert b"password_reset" not in client.get("/accounts/login/").content
    assert b"Forgot" not in client.get("/accounts/login/").content


def test_without_mail_log_in_out_and_password_change_are_still_there(client):
    user = UserFactory(username="ada", password=PASSWORD)
    assert client.get("/accounts/login/").status_code == 200
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
    assert client.get("/accounts/password_change/done/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_with_mail_the_reset_page_is_linked_and_sends_the_mail(client, mail_configured):
    UserFactory(username="ada", password=PASSWORD, email="ada@example.org")
    assert b'href="/accounts/password_reset/"' in client.get("/accounts/login/").content
    sent = client.post("/accounts/password_reset/", {"email": "ada@example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_with_mail_password_reset_requests_are_throttled(client, mail_configured, throttle_rates):
    throttle_rates(password_reset="2/min")
    UserFactory(username="ada", password=PASSWORD, email="ada@example.org")
    codes = [
        client.post("/accounts/password_reset/", {"email": "ada@example.org"}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_a_reset_password_revokes_the_api_token(client, mail_configured):
    from rest_framework.authtoken.models import Token

    user = UserFactory(username="ada", password=PASSWORD, email="ada@example.org")
    token = Token.objects.get(user=user).key
    client.post("/accounts/password_reset/", {"email": "ada@example.org"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form = client.get(link.strip(), follow=True)
    assert form.status_code == 200
    new = "another long phrase 7"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert not Token.objects.filter(key=token).exists()
    user.refresh_from_db()
    assert user.check_password(new)


# --- item 13: no open redirect ------------------------------------------------

OFFSITE = [
    "https://evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "http:evil.example",
    "javascript:alert(1)",
]


def sign_up(client, next_url: str):
    return client.post(
        "/accounts/signup/?" + f"next={next_url}",
        {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.parametrize("target", OFFSITE)
def test_sign_up_never_redirects_off_the_site(client, target):
    from urllib.parse import quote

    response = client.post(
        f"/accounts/signup/?next={quote(target, safe='')}",
        {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_up_follows_a_next_on_this_site(client):
    response = sign_up(client, "/import-export/")
    assert response.status_code == 302 and response["Location"] == "/import-export/"


@pytest.mark.parametrize("target", OFFSITE)
def test_log_in_never_redirects_off_the_site(client, target):
    UserFactory(username="ada", password=PASSWORD)
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_log_out_never_redirects_off_the_site(client, target):
    client.force_login(UserFactory(username="ada"))
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_the_vote_form_never_redirects_off_the_site(client, voter, owner, target):
    from claims.services import map_create, node_create

    the_map = map_create(slug="open", title="Open", owner=owner)
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=owner)
    client.force_login(voter)
    response = client.post(f"/maps/open/nodes/{crux.key}/vote/", {"percent": "40", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/maps/open/nodes/crux/"
