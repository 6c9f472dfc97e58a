"""Sharing one's credences: off by default, set through the API, refused clearly."""

import pytest

from cruxes.models import CredenceSharing, ShareAudience
from cruxes.sharing import may_see_credences, sharing_get, sharing_set
from tests.discussion.conftest import build
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def the_map(owner, editor, voter, outsider):
    return build(owner, editor, voter, slug="open-map")[0]


def url(the_map) -> str:
    return f"/api/v1/maps/{the_map.slug}/me/sharing/"


def test_credences_are_shared_with_nobody_by_default(the_map, voter, outsider, client_for):
    assert sharing_get(user=voter, map=the_map) == {"audience": "nobody", "viewers": []}
    assert client_for(voter).get(url(the_map)).json() == {"audience": "nobody", "viewers": []}
    assert not may_see_credences(viewer=outsider, owner=voter, map=the_map)
    assert may_see_credences(viewer=voter, owner=voter, map=the_map)


def test_the_permission_follows_the_setting(the_map, voter, outsider, editor):
    from django.contrib.auth.models import AnonymousUser

    sharing_set(user=voter, map=the_map, audience="chosen", viewers=["editor"])
    assert may_see_credences(viewer=editor, owner=voter, map=the_map)
    assert not may_see_credences(viewer=outsider, owner=voter, map=the_map)
    sharing_set(user=voter, map=the_map, audience="everyone")
    assert may_see_credences(viewer=outsider, owner=voter, map=the_map)
    assert not may_see_credences(viewer=AnonymousUser(), owner=voter, map=the_map)
    # On another map the setting does not count.
    other = build(voter, UserFactory(username="e2"), UserFactory(username="v2"), slug="other")[0]
    assert not may_see_credences(viewer=outsider, owner=voter, map=other)


def test_choosing_viewers_through_the_api(the_map, voter, client_for):
    client = client_for(voter)
    body = {"audience": "chosen", "viewers": ["outsider", "editor", "editor"]}
    response = client.put(url(the_map), body, format="json")
    assert response.status_code == 200
    assert response.json() == {"audience": "chosen", "viewers": ["editor", "outsider"]}
    assert client.get(url(the_map)).json()["viewers"] == ["editor", "outsider"]
    response = client.put(url(the_map), {"audience": "everyone"}, format="json")
    assert response.json() == {"audience": "everyone", "viewers": []}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"audience": "friends"}, "audience", "audience must be one of nobody, everyone, chosen"),
        ({"audience": 3}, "audience", None),
        ({}, "audience", None),
        ({"audience": "chosen"}, "viewers", "name at least one person to share with"),
        ({"audience": "chosen", "viewers": ["ghost"]}, "viewers", "no user named 'ghost'"),
        ({"audience": "chosen", "viewers": ["voter"]}, "viewers", None),  # yourself
        ({"audience": "chosen", "viewers": [7]}, "viewers", None),
        ({"audience": "everyone", "viewers": ["editor"]}, "viewers", None),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(
    the_map, voter, client_for, counts, body, field, message
):
    sharing_set(user=voter, map=the_map, audience="chosen", viewers=["outsider"])
    before = counts()
    response = client_for(voter).put(url(the_map), body, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert any(k.startswith(field) for k in error["fields"]), error
    if message:
        assert error["message"] == message
    assert counts() == before
    assert sharing_get(user=voter, map=the_map) == {"audience": "chosen", "viewers": ["outsider"]}


def test_you_cannot_add_yourself(the_map, voter):
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="cannot add yourself"):
        sharing_set(user=voter, map=the_map, audience=ShareAudience.CHOSEN, viewers=["voter"])
    assert not CredenceSharing.objects.exists()
