"""A thread as a tree: one query for the comments, counts, filters and sorts."""

import pytest
from django.contrib.auth.models import AnonymousUser

from discussion import services
from discussion.selectors import thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(public, voter, editor, outsider):
    the_map, crux, _ = public
    a = services.comment_create(map=the_map, author=voter, node=crux, body="A")
    b = services.comment_create(
        map=the_map, author=editor, node=crux, body="B", kind="evidence_for"
    )
    a1 = services.comment_create(
        map=the_map, author=outsider, parent=a, body="A1", kind="evidence_against"
    )
    services.comment_create(map=the_map, author=voter, parent=a1, body="A1a")
    return the_map, crux, {"a": a, "b": b, "a1": a1}


def bodies(views):
    return [(v["body"], bodies(v["replies"])) if v["replies"] else v["body"] for v in views]


def test_the_thread_is_a_tree_oldest_first(conversation, voter):
    the_map, crux, _ = conversation
    data = thread(map=the_map, user=voter, node=crux)
    assert bodies(data["comments"]) == [("A", [("A1", ["A1a"])]), "B"]


def test_newest_first_sorts_the_top_level_and_keeps_replies_in_order(conversation, voter):
    the_map, crux, _ = conversation
    data = thread(map=the_map, user=voter, node=crux, sort="newest")
    assert bodies(data["comments"]) == ["B", ("A", [("A1", ["A1a"])])]


def test_counts_by_kind(conversation, voter):
    the_map, crux, _ = conversation
    data = thread(map=the_map, user=voter, node=crux)
    assert data["counts"] == {
        "comment": 2,
        "evidence_for": 1,
        "evidence_against": 1,
        "question": 0,
    }
    assert data["total"] == 4


def test_a_kind_filter_shows_those_comments_with_their_replies(conversation, voter):
    the_map, crux, _ = conversation
    data = thread(map=the_map, user=voter, node=crux, kind="evidence_against")
    assert bodies(data["comments"]) == [("A1", ["A1a"])]


def test_a_thread_costs_a_fixed_number_of_queries(
    conversation, voter, django_assert_max_num_queries
):
    the_map, crux, parts = conversation
    for i in range(20):
        services.comment_create(
            map=the_map, author=voter, parent=parts["b"], body=f"see [[crux]] {i}"
        )
    # The viewer's role, the comments with their authors, the nodes they mention.
    with django_assert_max_num_queries(3):
        data = thread(map=the_map, user=voter, node=crux)
    assert len(data["comments"][1]["replies"]) == 20
    assert 'class="mention"' in data["comments"][1]["replies"][0]["html"]


def test_anonymous_visitors_read_but_may_not_comment(conversation):
    the_map, crux, _ = conversation
    data = thread(map=the_map, user=AnonymousUser(), node=crux)
    assert data["total"] == 4 and not data["may_comment"]
