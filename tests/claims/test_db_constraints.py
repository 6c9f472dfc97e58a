"""PostgreSQL itself refuses bad rows, even when Python validation is bypassed
(QuerySet.update or raw SQL)."""

import pytest
from django.db import IntegrityError, connection, transaction

from claims.models import Edge, Map, Node
from cruxes.models import Vote, VoteHistory
from tests.factories import EdgeFactory, FrameFactory, MapFactory, NodeFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_refused(update) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        update()


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize(
    "changes",
    [
        {"prior": 1.5},
        {"prior": 0.0},
        {"kind": "frme"},
        {"title": ""},
        {"key": "Not A Key"},
        {"key": "-leading-dash"},
        {"category": "outer"},  # a crux with a category
        {"revision": 0},
    ],
    ids=lambda c: ",".join(f"{k}={v!r}" for k, v in c.items()),
)
def test_node_constraint_refuses_bad_update(changes):
    node = NodeFactory(kind="crux")
    assert_refused(lambda: Node.objects.filter(pk=node.pk).update(**changes))


def test_frame_category_must_be_known():
    frame = FrameFactory()
    assert_refused(lambda: Node.objects.filter(pk=frame.pk).update(category="middle"))


def test_node_key_unique_within_map_but_not_across_maps():
    a = NodeFactory(key="nah")
    b = NodeFactory(map=a.map, key="other")
    assert_refused(lambda: Node.objects.filter(pk=b.pk).update(key="nah"))
    NodeFactory(key="nah")  # another map: allowed


@pytest.mark.parametrize(
    "changes", [{"weight": -1.0}, {"weight": 1.01}, {"kind": "attacks"}], ids=str
)
def test_edge_constraint_refuses_bad_update(changes):
    edge = EdgeFactory()
    assert_refused(lambda: Edge.objects.filter(pk=edge.pk).update(**changes))


def test_edge_self_loop_refused_by_database():
    edge = EdgeFactory()
    assert_refused(lambda: Edge.objects.filter(pk=edge.pk).update(target=edge.source))


def test_duplicate_edge_refused_by_raw_insert():
    edge = EdgeFactory()

    def raw_insert():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO claims_edge (map_id, source_id, target_id, kind, weight, created_at)"
                " VALUES (%s, %s, %s, %s, 0.5, now())",
                [edge.map_id, edge.source_id, edge.target_id, edge.kind],
            )

    assert_refused(raw_insert)


def test_vote_credence_range_and_uniqueness_enforced_by_database():
    node = NodeFactory()
    user = UserFactory()
    vote = Vote.objects.create(user=user, node=node, credence=0.5, node_revision=1)
    assert_refused(lambda: Vote.objects.filter(pk=vote.pk).update(credence=1.5))
    assert_refused(lambda: Vote.objects.filter(pk=vote.pk).update(credence=0.001))

    def raw_duplicate():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cruxes_vote (user_id, node_id, credence, node_revision, created_at,"
                " updated_at) VALUES (%s, %s, 0.4, 1, now(), now())",
                [user.pk, node.pk],
            )

    assert_refused(raw_duplicate)


def test_vote_history_withdrawal_carries_no_credence():
    node = NodeFactory()
    user = UserFactory()
    assert_refused(
        lambda: VoteHistory.objects.create(
            user=user,
            node=node,
            action="withdraw",
            credence=0.5,
            node_revision=1,
            graph_version=1,
        )
    )
    assert_refused(
        lambda: VoteHistory.objects.create(
            user=user, node=node, action="cast", credence=None, node_revision=1, graph_version=1
        )
    )


@pytest.mark.parametrize("changes", [{"slug": "Bad/Slug"}, {"visibility": "secret"}, {"title": ""}])
def test_map_constraint_refuses_bad_update(changes):
    the_map = MapFactory()
    assert_refused(lambda: Map.objects.filter(pk=the_map.pk).update(**changes))
