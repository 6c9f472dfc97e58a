"""One table for the join-request endpoints: role x visibility x action -> status.

On each map one request is pending: on the public map the requester's (asking to
be an editor), on the private map the voter's (a member asking to be an editor;
nobody else can see a private map, so nobody else can ask).
"""

import pytest

from claims.models import JoinRequest, JoinStatus
from claims.services import join_request_create
from tests.membership.conftest import ROLES, build_map

pytestmark = pytest.mark.django_db


def _list(client, slug, request_id):
    return client.get(f"/api/v1/maps/{slug}/join-requests/")


def _ask(client, slug, request_id):
    return client.post(
        f"/api/v1/maps/{slug}/join-requests/", {"role": "editor", "message": "hi"}, format="json"
    )


def _approve(client, slug, request_id):
    return client.post(
        f"/api/v1/maps/{slug}/join-requests/{request_id}/approve/", {}, format="json"
    )


def _decline(client, slug, request_id):
    return client.post(
        f"/api/v1/maps/{slug}/join-requests/{request_id}/decline/", {"reply": "no"}, format="json"
    )


def _withdraw(client, slug, request_id):
    return client.post(f"/api/v1/maps/{slug}/join-requests/{request_id}/withdraw/")


ACTIONS = {
    "list": _list,
    "ask": _ask,
    "approve": _approve,
    "decline": _decline,
    "withdraw": _withdraw,
}

#                       anonymous outsider requester voter editor owner
EXPECTED = {
    ("public", "list"): [401, 200, 200, 200, 200, 200],
    ("public", "ask"): [401, 201, 409, 201, 409, 409],
    ("public", "approve"): [401, 403, 403, 403, 403, 200],
    ("public", "decline"): [401, 403, 403, 403, 403, 200],
    ("public", "withdraw"): [401, 404, 200, 404, 404, 403],
    ("private", "list"): [404, 404, 404, 200, 200, 200],
    ("private", "ask"): [404, 404, 404, 409, 409, 409],
    ("private", "approve"): [404, 404, 404, 403, 403, 200],
    ("private", "decline"): [404, 404, 404, 403, 403, 200],
    ("private", "withdraw"): [404, 404, 404, 200, 404, 403],
}

CASES = [
    (visibility, action, role, status)
    for (visibility, action), statuses in EXPECTED.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("visibility", "action", "role", "expected"), CASES)
def test_permission_table(people, client_for, visibility, action, role, expected):
    the_map = build_map(people, f"{visibility}-map", visibility)
    asker = people["requester"] if visibility == "public" else people["voter"]
    pending = join_request_create(map=the_map, user=asker, role="editor", message="please")
    response = ACTIONS[action](client_for(people[role]), the_map.slug, pending.pk)
    assert response.status_code == expected, response.content
    pending.refresh_from_db()
    if expected >= 400:
        # A refusal changes nothing and says why in the one error shape.
        assert pending.status == JoinStatus.PENDING
        assert response.json()["error"]["message"]
        if action == "ask":
            assert JoinRequest.objects.count() == 1


def test_the_table_covers_every_action_and_visibility():
    assert {a for _, a in EXPECTED} == set(ACTIONS)
    assert {v for v, _ in EXPECTED} == {"public", "private"}
