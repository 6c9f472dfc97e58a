import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims.errors import Conflict, ValidationFailed
from claims.models import TITLE_MAX_LENGTH, Map, Visibility
from claims.validation import check_key

logger = logging.getLogger(__name__)


def _enqueue_recompute(map_id: int) -> None:
    """Send the recompute message; a broker outage must not fail the user's write.

    The change is already committed; the periodic sweep picks the map up later.
    """
    from cruxes.tasks import recompute_ranking

    try:
        recompute_ranking.delay(map_id)
    except Exception:
        logger.exception("could not enqueue recompute_ranking(%s); the sweep will retry", map_id)


def map_graph_changed(*, map_id: int) -> int:
    """Bump the map's graph_version and schedule its ranking recompute after commit.

    The single hook every graph or vote write goes through; returns the new version.
    """
    Map.objects.filter(pk=map_id).update(
        graph_version=F("graph_version") + 1, updated_at=timezone.now()
    )
    transaction.on_commit(lambda: _enqueue_recompute(map_id))
    return Map.objects.filter(pk=map_id).values_list("graph_version", flat=True).get()


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title must not be empty", fields={"title": ["must not be empty"]})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationFailed(
            f"title is longer than {TITLE_MAX_LENGTH} characters",
            fields={"title": [f"at most {TITLE_MAX_LENGTH} characters"]},
        )
    return title


@transaction.atomic
def map_create(
    *,
    slug: str,
    title: str,
    owner: AbstractBaseUser | None,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
) -> Map:
    check_key(slug, field="slug")
    title = _check_title(title)
    if visibility not in Visibility.values:
        raise ValidationFailed(
            f"visibility must be one of {Visibility.values}",
            fields={"visibility": [f"must be one of {Visibility.values}"]},
        )
    if Map.objects.filter(slug=slug).exists():
        raise Conflict(f"a map with slug '{slug}' already exists", fields={"slug": ["taken"]})
    return Map.objects.create(
        slug=slug, title=title, description=description, owner=owner, visibility=visibility
    )


@transaction.atomic
def map_update(
    *,
    map: Map,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> Map:
    # Title, description and visibility are not part of the graph: no version bump.
    if title is not None:
        map.title = _check_title(title)
    if description is not None:
        map.description = description
    if visibility is not None:
        if visibility not in Visibility.values:
            raise ValidationFailed(
                f"visibility must be one of {Visibility.values}",
                fields={"visibility": [f"must be one of {Visibility.values}"]},
            )
        map.visibility = visibility
    map.save(update_fields=["title", "description", "visibility", "updated_at"])
    return map


@transaction.atomic
def map_delete(*, map: Map) -> None:
    map.delete()
