"""What the join-request boxes show (claims/_join_request.html on the map page,
claims/_join_requests.html on the owner's settings page).

Tags, not view context: those pages are drawn by other views (the map page is
the votes app's), which need not know about requests to join. One query each.
"""

from datetime import timedelta

from django import template
from django.utils import timezone

from claims.access import map_role
from claims.models import JoinStatus, MemberRole
from claims.selectors_membership import join_request_latest, join_requests_pending

register = template.Library()

#: How long the map page keeps telling a requester the owner's answer.
OUTCOME_SHOWN_DAYS = 30


@register.simple_tag(takes_context=True)
def join_request_state(context, the_map) -> dict:
    """The visitor's side: may they ask, for which roles, and their latest request."""
    user = context["request"].user
    if not user.is_authenticated:
        return {"signed_in": False}
    role = context["role"] if "role" in context else map_role(user=user, map=the_map)
    if role == "owner":
        waiting = join_requests_pending(map=the_map).count()
        return {"signed_in": True, "owner": True, "pending": waiting}
    latest = join_request_latest(map=the_map, user=user)
    if latest is not None and latest.status == JoinStatus.WITHDRAWN:
        latest = None
    if (
        latest is not None
        and latest.status != JoinStatus.PENDING
        and latest.decided_at is not None
        and latest.decided_at < timezone.now() - timedelta(days=OUTCOME_SHOWN_DAYS)
    ):
        latest = None
    pending = latest is not None and latest.status == JoinStatus.PENDING
    roles = []
    if not pending:
        if role is None:
            roles = [MemberRole.VOTER, MemberRole.EDITOR]
        elif role == MemberRole.VOTER:
            roles = [MemberRole.EDITOR]
    return {"signed_in": True, "owner": False, "role": role, "latest": latest, "roles": roles}


@register.simple_tag
def join_requests_waiting(the_map) -> list:
    """The owner's side: the requests waiting for an answer, oldest first."""
    return list(join_requests_pending(map=the_map))
