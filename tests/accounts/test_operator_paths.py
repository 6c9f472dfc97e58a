"""The operator's ways to make and change accounts keep the same rules as the sign-up page."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from accounts.management.commands import changepassword
from accounts.models import UsernameSkeleton
from tests.accounts.test_tokens import NEW_PASSWORD, WHO_AM_I, with_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long passphrase 42"


@pytest.fixture
def root(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def admin_add(client, username: str):
    return client.post(
        "/admin/auth/user/add/",
        {
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )


def test_the_admins_add_form_refuses_a_lookalike_of_an_existing_name(client, root):
    from accounts.services import user_register

    user_register(username="alice", password=PASSWORD)
    for lookalike in ("ａｌｉｃｅ", "Alice", "аlice"):
        answer = admin_add(client, lookalike)
        assert answer.status_code == 200  # the form again, with its error
        assert b"errorlist" in answer.content
    assert get_user_model().objects.filter(username__icontains="lice").count() == 1


def test_an_account_added_in_the_admin_guards_its_name_against_lookalikes(client, root):
    assert admin_add(client, "bob").status_code == 302
    bob = get_user_model().objects.get(username="bob")
    assert UsernameSkeleton.objects.filter(user=bob).exists()
    refused = client.post(
        "/api/v1/auth/register/", {"username": "bоb", "password": PASSWORD}, "application/json"
    )
    assert refused.status_code in (400, 409)


def test_the_admin_neither_renames_nor_deletes_accounts(client, root):
    dan = UserFactory(username="dan")
    page = client.get(f"/admin/auth/user/{dan.pk}/change/")
    assert page.status_code == 200
    assert b'name="username"' not in page.content  # shown, not editable
    assert client.get(f"/admin/auth/user/{dan.pk}/delete/").status_code == 403
    assert get_user_model().objects.filter(pk=dan.pk).exists()


def test_changepassword_on_the_command_line_revokes_the_api_token(monkeypatch):
    dan = UserFactory(username="dan")
    token = Token.objects.get(user=dan).key
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    call_command("changepassword", "dan")
    assert with_token(token).get(WHO_AM_I).status_code == 401
    dan.refresh_from_db()
    assert dan.check_password(NEW_PASSWORD)
