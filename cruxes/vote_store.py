"""The votes app's side of claims.hooks: a map file's node and edge votes, an export's
credences.

claims imports and exports whole maps, votes included, without importing this
app; CruxesConfig.ready registers `VOTE_STORE` with claims.hooks.
"""

from collections.abc import Callable, Iterator
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from claims.selectors import code_point_order
from claims.services.bulk import rows_insert
from cruxes.models import EdgeVote, EdgeVoteHistory, Vote, VoteAction, VoteHistory

BATCH_SIZE = 5000  # voter accounts per bulk_create
EXPORT_FETCH_ROWS = 5000


def _users_by_name(usernames: set[str]) -> dict[str, int]:
    """Ids of the named users, creating missing ones as inactive accounts."""
    User = get_user_model()
    found = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    missing = sorted(usernames - found.keys())
    if missing:
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(username=name, is_active=False, password=unusable) for name in missing],
            batch_size=BATCH_SIZE,
        )
        found.update(User.objects.filter(username__in=missing).values_list("username", "id"))
    return found


class VoteStore:
    def votes_import(
        self,
        *,
        map_id: int,
        votes: list[dict],
        node_ids: dict[str, int],
        now: datetime,
        progress: Callable[..., None],
    ) -> None:
        """The file's votes and their history rows, in bulk (inside the import's transaction)."""
        user_ids = _users_by_name({v["user"] for v in votes})
        rows_insert(
            Vote,
            ("user_id", "node_id", "credence", "node_revision", "created_at", "updated_at"),
            ((user_ids[v["user"]], node_ids[v["node"]], v["credence"], 1, now, now) for v in votes),
            total=len(votes),
        )
        rows_insert(
            VoteHistory,
            (
                "user_id",
                "node_id",
                "action",
                "credence",
                "previous_credence",
                "node_revision",
                "graph_version",
                "created_at",
            ),
            (
                (
                    user_ids[v["user"]],
                    node_ids[v["node"]],
                    VoteAction.CAST.value,
                    v["credence"],
                    None,
                    1,
                    1,
                    now,
                )
                for v in votes
            ),
            total=len(votes),
            stage="votes",
            progress=progress,
        )

    def votes_export(self, *, map_id: int) -> Iterator[dict]:
        for node, user, credence in (
            Vote.objects.filter(node__map_id=map_id)
            .order_by(code_point_order("node__key"), code_point_order("user__username"))
            .values_list("node__key", "user__username", "credence")
            .iterator(chunk_size=EXPORT_FETCH_ROWS)
        ):
            yield {"node": node, "user": user, "credence": credence}

    def votes_count(self, *, map_id: int) -> int:
        return Vote.objects.filter(node__map_id=map_id).count()

    def edge_votes_import(
        self,
        *,
        map_id: int,
        edge_votes: list[dict],
        edge_ids: dict[str, int],
        now: datetime,
        progress: Callable[..., None],
    ) -> None:
        """The file's edge votes and their history rows, in bulk (in the import's transaction)."""
        user_ids = _users_by_name({v["user"] for v in edge_votes})
        rows_insert(
            EdgeVote,
            ("user_id", "edge_id", "strength", "edge_revision", "created_at", "updated_at"),
            (
                (user_ids[v["user"]], edge_ids[v["edge"]], v["strength"], 1, now, now)
                for v in edge_votes
            ),
            total=len(edge_votes),
        )
        rows_insert(
            EdgeVoteHistory,
            (
                "user_id",
                "edge_id",
                "action",
                "strength",
                "previous_strength",
                "edge_revision",
                "graph_version",
                "created_at",
            ),
            (
                (
                    user_ids[v["user"]],
                    edge_ids[v["edge"]],
                    VoteAction.CAST.value,
                    v["strength"],
                    None,
                    1,
                    1,
                    now,
                )
                for v in edge_votes
            ),
            total=len(edge_votes),
            stage="edge votes",
            progress=progress,
        )

    def edge_votes_export(self, *, map_id: int) -> Iterator[dict]:
        for edge, user, strength in (
            EdgeVote.objects.filter(edge__map_id=map_id)
            .order_by(code_point_order("edge__key"), code_point_order("user__username"))
            .values_list("edge__key", "user__username", "strength")
            .iterator(chunk_size=EXPORT_FETCH_ROWS)
        ):
            yield {"edge": edge, "user": user, "strength": strength}

    def edge_votes_count(self, *, map_id: int) -> int:
        return EdgeVote.objects.filter(edge__map_id=map_id).count()

    def credences_shown(self, *, map_id: int) -> dict[str, tuple[float | None, int]]:
        from cruxes.selectors import map_credences

        return map_credences(map_id=map_id)


VOTE_STORE = VoteStore()
