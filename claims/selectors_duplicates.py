"""Reads of the duplicates lists (issue 17): the moderators' possible-duplicate pairs.

The worker (claims.tasks.duplicates_refresh) stores the pairs; these read them as a
moderator may see them: never a dismissed pair, never a pair with a node hidden or
merged since the pairs were computed.
"""

from django.db.models import Exists, OuterRef, QuerySet

from claims.models import DuplicateCandidate, DuplicateDismissal, Map


def duplicates_listed(*, map: Map) -> QuerySet[DuplicateCandidate]:
    """The map's possible duplicates, best first, each with both nodes loaded."""
    dismissed = DuplicateDismissal.objects.filter(a_id=OuterRef("a_id"), b_id=OuterRef("b_id"))
    return (
        DuplicateCandidate.objects.filter(
            map=map,
            a__hidden_at__isnull=True,
            a__merged_into__isnull=True,
            b__hidden_at__isnull=True,
            b__merged_into__isnull=True,
        )
        .exclude(Exists(dismissed))
        .select_related("a", "b")
        .order_by("-score", "a_id", "b_id")
    )
