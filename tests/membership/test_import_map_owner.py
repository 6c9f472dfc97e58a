"""`import_map --owner USERNAME --contribution open|closed`: the seeded map's owner."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from claims.models import Map
from tests.conftest import SEED_PATH
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("import_map", str(SEED_PATH), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_absent_owner_is_created_without_a_usable_password_and_the_map_is_open():
    out = run("--owner", "steward", "--contribution", "open")
    steward = get_user_model().objects.get(username="steward")
    assert not steward.has_usable_password()
    assert steward.is_active
    seeded = Map.objects.get(slug="alignment")
    assert (seeded.owner, seeded.contribution) == (steward, "open")
    assert "owner 'steward', open" in out


def test_an_existing_account_is_used_as_it_is():
    ada = UserFactory(username="ada")
    password = ada.password
    run("--owner", "ada")
    ada.refresh_from_db()
    assert ada.password == password and ada.has_usable_password()
    seeded = Map.objects.get(slug="alignment")
    assert (seeded.owner, seeded.contribution) == (ada, "closed")  # closed unless told


def test_without_owner_the_import_is_as_before():
    run()
    seeded = Map.objects.get(slug="alignment")
    assert (seeded.owner, seeded.contribution) == (None, "closed")
    assert not get_user_model().objects.filter(username="steward").exists()


def test_if_absent_gives_an_ownerless_seeded_map_its_owner_and_policy():
    run()  # seeded before there were owners
    out = run("--if-absent", "--owner", "steward", "--contribution", "open")
    assert "already present; nothing imported" in out
    assert "now owned by 'steward', open" in out
    seeded = Map.objects.get(slug="alignment")
    assert (seeded.owner.username, seeded.contribution) == ("steward", "open")


def test_if_absent_leaves_an_owned_map_alone():
    ada = UserFactory(username="ada")
    run("--owner", "ada")
    out = run("--if-absent", "--owner", "steward", "--contribution", "open")
    assert "now owned" not in out
    seeded = Map.objects.get(slug="alignment")
    assert (seeded.owner, seeded.contribution) == (ada, "closed")
    assert not get_user_model().objects.filter(username="steward").exists()


@pytest.mark.parametrize("name", ["no spaces allowed", "x" * 151, "nul\x00"])
def test_a_bad_owner_name_is_refused_and_nothing_is_written(name, counts):
    before = counts()
    with pytest.raises(CommandError):
        run("--owner", name)
    assert counts() == before


def test_a_bad_policy_is_refused_by_the_command_line():
    with pytest.raises(CommandError, match="invalid choice"):
        run("--contribution", "wide-open")
    assert not Map.objects.exists()


def test_the_owner_can_act_on_the_seeded_map(client_for):
    run("--owner", "steward", "--contribution", "open")
    steward = get_user_model().objects.get(username="steward")
    response = client_for(steward).patch(
        "/api/v1/maps/alignment/", {"title": "Alignment, stewarded"}, format="json"
    )
    assert response.status_code == 200
