"""Reads of requests to join a map: the owner's list, a requester's own.

Only the owner sees everyone's requests; anyone else sees their own. A request
another person may not see is a 404, as a private map is.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from claims.models import JoinRequest, JoinStatus, Map
from core.errors import NotFound, ValidationFailed


def _with_people(requests: QuerySet[JoinRequest]) -> QuerySet[JoinRequest]:
    # The lists show who asked and who decided: no query per row.
    return requests.select_related("user", "decided_by", "map")


def join_requests_of_map(*, map: Map, status: str | None = None) -> QuerySet[JoinRequest]:
    """Every request to join the map (the owner's view), newest first; `status` filters."""
    requests = JoinRequest.objects.filter(map=map)
    if status is not None:
        if status not in JoinStatus.values:
            raise ValidationFailed(
                f"status must be one of {JoinStatus.values}",
                fields={"status": [f"must be one of {JoinStatus.values}"]},
            )
        requests = requests.filter(status=status)
    return _with_people(requests).order_by("-created_at", "-id")


def join_requests_pending(*, map: Map) -> QuerySet[JoinRequest]:
    """What waits for the owner's answer, oldest first (first come, first answered)."""
    return _with_people(JoinRequest.objects.filter(map=map, status=JoinStatus.PENDING)).order_by(
        "created_at", "id"
    )


def join_requests_of_user(
    *, map: Map, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[JoinRequest]:
    """A person's own requests on the map, newest first (none for an anonymous visitor)."""
    if not user.is_authenticated:
        return JoinRequest.objects.none()
    return _with_people(JoinRequest.objects.filter(map=map, user_id=user.pk)).order_by(
        "-created_at", "-id"
    )


def join_request_latest(*, map: Map, user: AbstractBaseUser | AnonymousUser) -> JoinRequest | None:
    """The person's newest request on the map: what the map page tells them about."""
    return join_requests_of_user(map=map, user=user).first()


def join_request_get_for_user(
    *, map: Map, request_id: int, user: AbstractBaseUser | AnonymousUser
) -> JoinRequest:
    """One request of the map, for its owner or for the person who asked; else 404."""
    request = _with_people(JoinRequest.objects.filter(map=map, pk=request_id)).first()
    visible = (
        request is not None
        and user.is_authenticated
        and (map.owner_id == user.pk or request.user_id == user.pk)
    )
    if not visible:
        raise NotFound(f"no request to join {request_id} on map '{map.slug}'")
    return request
