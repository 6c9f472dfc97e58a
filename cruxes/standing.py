"""A voter's standing on a map: how much their vote weighs in its pooled credences.

The rule (docs/RANKING.md, "Standing"), from facts the server has:

* the map's owner and its members (admitted by the owner as voter or editor)
  count fully: weight 1.0;
* any other signed-in voter counts RANKING_NONMEMBER_WEIGHT (default 0.1), so
  that a handful of fresh accounts cannot rewrite a map's ranking;
* unless their track record on the map earns full weight: an account older than
  RANKING_TRUSTED_ACCOUNT_DAYS (default 90) that created at least
  RANKING_TRUSTED_CONTRIBUTIONS (default 3) nodes of the map still in it.

Standing is read when a ranking is computed or an aggregate is shown; admitting
or removing a member bumps the map's graph version (claims.services.member_set),
so the next run weighs the votes anew. An account that comes of age counts
fully from the map's next change.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from claims.models import Map, MapMember, Node

FULL_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Standing:
    """Who counts fully on one map; everyone else weighs `nonmember_weight`."""

    #: the owner and the admitted members (of the voters asked about, when they were named)
    members: frozenset[int]
    #: non-members whose track record on the map earns full weight
    trusted: frozenset[int]
    nonmember_weight: float

    def weight(self, user_id: int) -> float:
        if user_id in self.members or user_id in self.trusted:
            return FULL_WEIGHT
        return self.nonmember_weight

    def is_member(self, user_id: int) -> bool:
        return user_id in self.members


def map_standing(*, map_id: int, voters: Collection[int] | None = None) -> Standing:
    """The standing of voters on a map, in one query whatever their number.

    With `voters`, only those accounts are looked at (one node's voters: a few
    rows by index); without, every account with standing on the map (the
    ranking, which weighs all the map's votes: one pass over its nodes).
    """
    weight = settings.RANKING_NONMEMBER_WEIGHT
    if voters is not None and not voters:
        return Standing(frozenset(), frozenset(), weight)
    user_model = get_user_model()
    users = user_model._meta.db_table
    joined = user_model._meta.get_field("date_joined").column
    maps, members, nodes = Map._meta.db_table, MapMember._meta.db_table, Node._meta.db_table
    cutoff = timezone.now() - timedelta(days=settings.RANKING_TRUSTED_ACCOUNT_DAYS)
    only, only_params = "", []
    if voters is not None:
        ids = sorted(voters)
        only = f" AND n.created_by_id IN ({', '.join(['%s'] * len(ids))})"
        only_params = ids
    # Members first; then accounts old enough with enough nodes of their own on
    # the map (a member may appear in both: being a member decides).
    sql = (
        f"SELECT owner_id, 1 FROM {maps} WHERE id = %s AND owner_id IS NOT NULL"  # noqa: S608
        f" UNION ALL SELECT user_id, 1 FROM {members} WHERE map_id = %s"
        f" UNION ALL SELECT n.created_by_id, 0 FROM {nodes} n"
        f" JOIN {users} u ON u.id = n.created_by_id"
        f" WHERE n.map_id = %s AND u.{joined} <= %s{only}"
        " GROUP BY n.created_by_id HAVING COUNT(*) >= %s"
    )
    params = [
        map_id,
        map_id,
        map_id,
        connection.ops.adapt_datetimefield_value(cutoff),
        *only_params,
        settings.RANKING_TRUSTED_CONTRIBUTIONS,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    member_ids = {user_id for user_id, member in rows if member}
    trusted_ids = {user_id for user_id, member in rows if not member} - member_ids
    if voters is not None:
        member_ids &= set(voters)
    return Standing(frozenset(member_ids), frozenset(trusted_ids), weight)
