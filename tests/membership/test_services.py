"""The rules of asking to join, in the services (claims.services.membership)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from claims.access import map_role
from claims.models import Activity, ActivityVerb, JoinRequest, JoinStatus, MapMember
from claims.services import (
    join_request_approve,
    join_request_create,
    join_request_decline,
    join_request_withdraw,
)
from core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def ask(the_map, user, role="editor", message="I read the sources"):
    return join_request_create(map=the_map, user=user, role=role, message=message)


def test_a_signed_in_person_asks_and_the_request_is_pending(public_map, people):
    request = ask(public_map, people["requester"], message="  I know the literature  ")
    assert request.status == JoinStatus.PENDING
    assert request.role == "editor"
    assert request.message == "I know the literature"


def test_an_anonymous_visitor_cannot_ask(public_map):
    with pytest.raises(NotAuthenticated):
        ask(public_map, AnonymousUser())


def test_the_owner_asking_is_refused_naming_why(public_map, people):
    with pytest.raises(Conflict, match="you own this map"):
        ask(public_map, people["owner"])
    assert not JoinRequest.objects.exists()


@pytest.mark.parametrize(
    ("who", "role", "why"),
    [("voter", "voter", "already a voter"), ("editor", "editor", "already an editor"),
     ("editor", "voter", "already an editor")],
)  # fmt: skip
def test_asking_for_a_role_one_already_has_or_less_is_refused(public_map, people, who, role, why):
    with pytest.raises(Conflict, match=why):
        ask(public_map, people[who], role=role)
    assert not JoinRequest.objects.exists()


def test_a_voter_may_ask_to_become_an_editor(public_map, people):
    assert ask(public_map, people["voter"], role="editor").status == JoinStatus.PENDING


def test_a_second_request_while_one_is_pending_is_refused(public_map, people):
    ask(public_map, people["requester"])
    with pytest.raises(Conflict, match="already asked"):
        ask(public_map, people["requester"], role="voter")
    assert JoinRequest.objects.count() == 1


@pytest.mark.parametrize("role", ["owner", "admin", "", None, 3])
def test_a_role_other_than_voter_or_editor_is_refused(public_map, people, role):
    with pytest.raises(ValidationFailed) as exc:
        ask(public_map, people["requester"], role=role)
    assert "role" in exc.value.fields
    assert not JoinRequest.objects.exists()


def test_a_message_over_500_characters_is_refused(public_map, people):
    with pytest.raises(ValidationFailed) as exc:
        ask(public_map, people["requester"], message="x" * 501)
    assert exc.value.fields == {"message": ["at most 500 characters"]}
    ask(public_map, people["requester"], message="x" * 500)  # the limit itself is fine


@pytest.mark.parametrize("message", ["nul\x00byte", "bell\x07", "half \ud800 pair"])
def test_a_message_with_control_characters_or_bad_unicode_is_refused(public_map, people, message):
    with pytest.raises(ValidationFailed):
        ask(public_map, people["requester"], message=message)
    assert not JoinRequest.objects.exists()


def test_hostile_text_is_stored_as_typed(public_map, people):
    hostile = '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
    assert ask(public_map, people["requester"], message=hostile).message == hostile


def test_approval_makes_the_requester_a_member_with_the_role_asked(public_map, people):
    request = ask(public_map, people["requester"], role="editor")
    public_map.refresh_from_db()
    before = public_map.graph_version
    decided = join_request_approve(request=request, by=people["owner"], reply="Welcome")
    assert decided.status == JoinStatus.APPROVED
    assert decided.reply == "Welcome"
    assert decided.decided_by == people["owner"]
    assert decided.decided_at is not None
    assert map_role(user=people["requester"], map=public_map) == "editor"
    public_map.refresh_from_db()
    assert public_map.graph_version == before + 1  # a new member's votes weigh fully
    joined = Activity.objects.get(map=public_map, verb=ActivityVerb.MEMBER_JOINED)
    assert joined.actor == people["requester"]
    assert joined.detail == {"role": "editor"}


def test_approving_a_voter_s_request_for_editor_raises_their_role(public_map, people):
    request = ask(public_map, people["voter"], role="editor")
    join_request_approve(request=request, by=people["owner"])
    assert MapMember.objects.get(map=public_map, user=people["voter"]).role == "editor"


def test_approval_never_demotes_someone_who_meanwhile_became_editor(public_map, people):
    request = ask(public_map, people["requester"], role="voter")
    MapMember.objects.create(map=public_map, user=people["requester"], role="editor")
    join_request_approve(request=request, by=people["owner"])
    assert MapMember.objects.get(map=public_map, user=people["requester"]).role == "editor"


@pytest.mark.parametrize("who", ["requester", "voter", "editor", "outsider"])
def test_only_the_owner_approves_or_declines(public_map, people, who):
    request = ask(public_map, people["requester"])
    for decide in (join_request_approve, join_request_decline):
        with pytest.raises(PermissionDenied, match="only the map's owner"):
            decide(request=request, by=people[who])
    request.refresh_from_db()
    assert request.status == JoinStatus.PENDING
    assert map_role(user=people["requester"], map=public_map) is None


def test_a_decline_keeps_the_requester_out_and_records_the_reply(public_map, people):
    request = ask(public_map, people["requester"])
    decided = join_request_decline(request=request, by=people["owner"], reply="Not yet")
    assert (decided.status, decided.reply) == (JoinStatus.DECLINED, "Not yet")
    assert map_role(user=people["requester"], map=public_map) is None


@pytest.mark.parametrize("first", [join_request_approve, join_request_decline])
@pytest.mark.parametrize("second", [join_request_approve, join_request_decline])
def test_deciding_a_request_twice_is_a_conflict(public_map, people, first, second):
    request = ask(public_map, people["requester"])
    first(request=request, by=people["owner"], reply="first")
    with pytest.raises(Conflict, match="already"):
        second(request=request, by=people["owner"], reply="second")
    request.refresh_from_db()
    assert request.reply == "first"


def test_a_reply_over_500_characters_is_refused_and_nothing_changes(public_map, people):
    request = ask(public_map, people["requester"])
    with pytest.raises(ValidationFailed):
        join_request_approve(request=request, by=people["owner"], reply="y" * 501)
    request.refresh_from_db()
    assert request.status == JoinStatus.PENDING
    assert map_role(user=people["requester"], map=public_map) is None


def test_an_approval_that_fails_admits_nobody(public_map, people):
    request = ask(public_map, people["requester"])
    people["requester"].is_active = False  # member_set refuses inactive accounts
    people["requester"].save()
    with pytest.raises(ValidationFailed):
        join_request_approve(request=request, by=people["owner"])
    request.refresh_from_db()
    assert request.status == JoinStatus.PENDING
    assert not MapMember.objects.filter(user=people["requester"]).exists()
    assert not Activity.objects.filter(verb=ActivityVerb.MEMBER_JOINED).exists()


def test_the_requester_withdraws_and_may_ask_again(public_map, people):
    request = ask(public_map, people["requester"])
    assert join_request_withdraw(request=request, by=people["requester"]).status == "withdrawn"
    with pytest.raises(Conflict):
        join_request_approve(request=request, by=people["owner"])
    assert ask(public_map, people["requester"], role="voter").status == JoinStatus.PENDING


@pytest.mark.parametrize("who", ["owner", "outsider", "editor"])
def test_only_the_requester_withdraws(public_map, people, who):
    request = ask(public_map, people["requester"])
    with pytest.raises(PermissionDenied):
        join_request_withdraw(request=request, by=people[who])
    request.refresh_from_db()
    assert request.status == JoinStatus.PENDING


def test_after_a_decline_one_may_ask_again(public_map, people):
    join_request_decline(request=ask(public_map, people["requester"]), by=people["owner"])
    assert ask(public_map, people["requester"]).status == JoinStatus.PENDING
