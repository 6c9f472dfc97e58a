"""Item 10: one registration service for the API and the sign-up page: names are
stored NFKC-normalised and a name that looks like an existing one is refused."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.services import user_register
from accounts.usernames import username_skeletons

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"
User = get_user_model()


def register(username: str):
    return APIClient().post(
        "/api/v1/auth/register/", {"username": username, "password": PASSWORD}, format="json"
    )


def sign_up(client, username: str, password2: str = PASSWORD):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": PASSWORD, "password2": password2},
    )


@pytest.fixture
def alice(db):
    return user_register(username="alice", password=PASSWORD)


LOOKALIKES = {
    "fullwidth": "\uff41\uff4c\uff49\uff43\uff45",  # ａｌｉｃｅ
    "cyrillic a": "\u0430lice",  # аlice: mixes scripts
    "other case": "ALICE",
    "capital I for l": "AIice",
    "digit one for l": "a1ice",
}


@pytest.mark.parametrize("name", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_the_api_refuses_a_name_that_looks_like_an_existing_one(alice, name):
    response = register(name)
    assert response.status_code in (400, 409)
    assert "username" in response.json()["error"]["fields"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_the_sign_up_page_refuses_a_name_that_looks_like_an_existing_one(client, alice, name):
    response = sign_up(client, name)
    assert response.status_code == 400
    assert response.context["form"].errors["username"]
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_an_all_cyrillic_lookalike_of_a_latin_name_is_refused_as_confusable(db):
    user_register(username="cope", password=PASSWORD)
    response = register("\u0441\u043e\u0440\u0435")  # соре, every letter Cyrillic
    assert response.status_code == 409
    assert "looks like an existing username" in response.json()["error"]["message"]


def test_a_name_mixing_lookalike_scripts_is_refused_even_when_nothing_looks_like_it(db):
    response = register("p\u0430ypal")  # Latin with a Cyrillic а
    assert response.status_code == 400
    assert "scripts" in response.json()["error"]["message"]


def test_the_name_is_stored_in_the_form_the_log_in_compares(client):
    response = register("\uff42\uff4f\uff42")  # ｂｏｂ
    assert response.status_code == 201
    assert response.json()["username"] == "bob"
    assert User.objects.filter(username="bob").exists()
    logged_in = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert logged_in.status_code == 302


def test_the_sign_up_page_stores_the_normalised_name_and_logs_in(client):
    response = sign_up(client, "\uff43arol")
    assert response.status_code == 302
    assert User.objects.get().username == "carol"
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_the_sign_up_page_keeps_the_password_confirmation(client):
    response = sign_up(client, "dora", password2="a different passphrase 7")
    assert response.status_code == 400
    assert response.context["form"].errors["password2"]
    assert not User.objects.exists()


def test_the_sign_up_page_shows_the_services_password_rules(client):
    response = client.post(
        "/accounts/signup/", {"username": "erin", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists()


def test_names_of_other_scripts_and_distinct_latin_names_are_accepted(alice):
    for name in ("alicia", "bob", "\u0438\u0432\u0430\u043d", "\u00e9lodie", "\u674e\u5c0f\u9f8d"):
        assert register(name).status_code == 201, name


def test_an_account_made_before_skeletons_still_blocks_its_exact_name_in_any_case(db):
    User.objects.create_user(username="Zed", password=PASSWORD)  # e.g. by createsuperuser
    assert register("zed").status_code == 409


@pytest.mark.parametrize(
    ("one", "other"),
    [("alice", "\uff41\uff4c\uff49\uff43\uff45"), ("alice", "ALICE"), ("Alice", "AIice")],
)
def test_confusable_names_share_a_skeleton(one, other):
    assert username_skeletons(one) & username_skeletons(other)


@pytest.mark.parametrize(
    ("one", "other"), [("alice", "alicia"), ("bob", "rob"), ("ada", "ida"), ("sam", "tam")]
)
def test_different_names_share_no_skeleton(one, other):
    assert not username_skeletons(one) & username_skeletons(other)
