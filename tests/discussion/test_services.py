"""The discussion's rules, through its services."""

import pytest
from django.utils import timezone

from claims.models import Activity, ActivityVerb, Map
from core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StaleRevision,
    ValidationFailed,
)
from discussion import services
from discussion.models import COMMENT_MAX_DEPTH, COMMENT_MAX_LENGTH, Comment, CommentRevision
from discussion.selectors import thread

pytestmark = pytest.mark.django_db


def test_anyone_signed_in_comments_on_a_public_map(public, outsider):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=outsider, node=crux, body="Why?")
    assert comment.node == crux and comment.depth == 0 and comment.kind == "comment"


def test_a_private_maps_outsider_cannot_comment(private, outsider):
    the_map, crux, _ = private
    with pytest.raises(NotFound):
        services.comment_create(map=the_map, author=outsider, node=crux, body="hi")


def test_a_comment_names_exactly_one_target(public, voter):
    the_map, crux, edge = public
    with pytest.raises(ValidationFailed) as both:
        services.comment_create(map=the_map, author=voter, node=crux, edge=edge, body="x")
    assert "target" in both.value.fields
    with pytest.raises(ValidationFailed):
        services.comment_create(map=the_map, author=voter, body="x")


def test_a_reply_inherits_its_parents_target_and_depth(public, voter, editor):
    the_map, _, edge = public
    top = services.comment_create(map=the_map, author=voter, edge=edge, body="top")
    reply = services.comment_create(map=the_map, author=editor, parent=top, body="re")
    assert reply.edge == edge and reply.node is None and reply.depth == 1


def test_replies_deeper_than_the_limit_are_refused_naming_it(public, voter):
    the_map, crux, _ = public
    parent = services.comment_create(map=the_map, author=voter, node=crux, body="0")
    for _ in range(COMMENT_MAX_DEPTH):
        parent = services.comment_create(map=the_map, author=voter, parent=parent, body="r")
    assert parent.depth == COMMENT_MAX_DEPTH
    with pytest.raises(ValidationFailed) as refused:
        services.comment_create(map=the_map, author=voter, parent=parent, body="too deep")
    assert "COMMENT_MAX_DEPTH" in refused.value.message
    assert Comment.objects.count() == COMMENT_MAX_DEPTH + 1


def test_a_reply_in_another_thread_is_refused(public, voter, owner):
    the_map, crux, edge = public
    top = services.comment_create(map=the_map, author=voter, edge=edge, body="top")
    with pytest.raises(ValidationFailed) as refused:
        services.comment_create(map=the_map, author=voter, node=crux, parent=top, body="x")
    assert refused.value.fields == {"parent": ["not in this thread"]}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "must not be empty"),
        ("   \n ", "must not be empty"),
        ("x" * (COMMENT_MAX_LENGTH + 1), f"at most {COMMENT_MAX_LENGTH} characters"),
        ("nul \x00 byte", "control characters"),
    ],
)
def test_a_bad_body_is_refused(public, voter, body, problem):
    the_map, crux, _ = public
    with pytest.raises(ValidationFailed) as refused:
        services.comment_create(map=the_map, author=voter, node=crux, body=body)
    assert refused.value.fields == {"body": [problem]}
    assert not Comment.objects.exists()


def test_a_body_at_the_limit_is_accepted(public, voter):
    the_map, crux, _ = public
    services.comment_create(map=the_map, author=voter, node=crux, body="x" * COMMENT_MAX_LENGTH)


def test_an_unknown_kind_is_refused(public, voter):
    the_map, crux, _ = public
    with pytest.raises(ValidationFailed) as refused:
        services.comment_create(map=the_map, author=voter, node=crux, body="x", kind="spam")
    assert "kind" in refused.value.fields


def test_a_comment_is_recorded_in_the_activity_and_leaves_the_ranking_alone(public, voter):
    the_map, crux, _ = public
    version = Map.objects.get(pk=the_map.pk).graph_version
    comment = services.comment_create(
        map=the_map, author=voter, node=crux, body="x", kind="evidence_for"
    )
    entry = Activity.objects.filter(verb=ActivityVerb.COMMENTED).get()
    assert (entry.actor, entry.comment_id, entry.node_key, entry.title) == (
        voter,
        comment.pk,
        "crux",
        "Deceptive alignment is likely",
    )
    assert Map.objects.get(pk=the_map.pk).graph_version == version


def test_an_edge_comments_activity_names_the_edge(public, voter):
    the_map, _, edge = public
    services.comment_create(map=the_map, author=voter, edge=edge, body="x")
    entry = Activity.objects.filter(verb=ActivityVerb.COMMENTED).get()
    assert entry.edge_key == edge.key
    assert entry.title == "Deceptive alignment is likely → The frame"


def test_no_comment_on_a_hidden_node(public, voter):
    the_map, crux, _ = public
    crux.hidden_at = timezone.now()
    crux.save(update_fields=["hidden_at"])
    with pytest.raises(Conflict):
        services.comment_create(map=the_map, author=voter, node=crux, body="x")


def test_an_edit_keeps_the_earlier_text_and_kind(public, voter):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="first")
    services.comment_edit(comment=comment, user=voter, body="second", kind="question")
    comment.refresh_from_db()
    assert (comment.body, comment.kind, comment.revision) == ("second", "question", 2)
    assert comment.edited_at is not None
    old = CommentRevision.objects.get()
    assert (old.revision, old.body, old.kind) == (1, "first", "comment")


def test_only_the_author_edits_or_deletes(public, voter, owner, editor):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="mine")
    for other in (owner, editor):
        with pytest.raises(PermissionDenied):
            services.comment_edit(comment=comment, user=other, body="theirs")
        with pytest.raises(PermissionDenied):
            services.comment_delete(comment=comment, user=other)
    comment.refresh_from_db()
    assert comment.body == "mine" and comment.deleted_at is None


def test_an_edit_on_a_stale_revision_is_refused(public, voter):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="a")
    services.comment_edit(comment=comment, user=voter, body="b")
    with pytest.raises(StaleRevision):
        services.comment_edit(comment=comment, user=voter, body="c", expected_revision=1)


def test_a_deleted_comment_keeps_its_place_and_its_text_in_the_history(public, voter, outsider):
    the_map, crux, _ = public
    top = services.comment_create(map=the_map, author=voter, node=crux, body="regrettable")
    services.comment_create(map=the_map, author=outsider, parent=top, body="reply")
    services.comment_delete(comment=top, user=voter)
    top.refresh_from_db()
    assert top.body == "" and top.deleted_at is not None
    assert CommentRevision.objects.get(comment=top).body == "regrettable"
    view = thread(map=the_map, user=outsider, node=crux)["comments"][0]
    assert view["deleted"] and view["body"] == "" and view["html"] == ""
    assert view["replies"][0]["body"] == "reply"
    with pytest.raises(Conflict):
        services.comment_edit(comment=top, user=voter, body="again")
    with pytest.raises(Conflict):
        services.comment_create(map=the_map, author=outsider, parent=top, body="x")


def test_moderators_hide_and_unhide(public, voter, owner, editor, outsider):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=outsider, node=crux, body="spam")
    with pytest.raises(PermissionDenied):
        services.comment_hide(comment=comment, user=voter)
    services.comment_hide(comment=comment, user=editor)
    comment.refresh_from_db()
    assert comment.hidden_at is not None and comment.hidden_by == editor
    services.comment_unhide(comment=comment, user=owner)
    comment.refresh_from_db()
    assert comment.hidden_at is None and comment.hidden_by is None


def test_a_hidden_comment_reads_hidden_by_moderators_to_others(public, voter, owner, outsider):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=outsider, node=crux, body="rude")
    services.comment_hide(comment=comment, user=owner)
    seen_by_voter = thread(map=the_map, user=voter, node=crux)["comments"][0]
    assert seen_by_voter["hidden"] and seen_by_voter["body"] == ""
    assert thread(map=the_map, user=owner, node=crux)["comments"][0]["body"] == "rude"
    assert thread(map=the_map, user=outsider, node=crux)["comments"][0]["body"] == "rude"


def test_an_anonymous_visitor_cannot_edit(public, voter):
    from django.contrib.auth.models import AnonymousUser

    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="x")
    with pytest.raises(NotAuthenticated):
        services.comment_edit(comment=comment, user=AnonymousUser(), body="y")
