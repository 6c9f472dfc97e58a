"""The discussion's API: threads, one comment, edits, deletes, hiding, history,
and who may do each on a public and a private map."""

import pytest

from discussion import services
from discussion.models import COMMENT_MAX_DEPTH, COMMENT_MAX_LENGTH, Comment, CommentRevision

pytestmark = pytest.mark.django_db

NODE_THREAD = "/api/v1/maps/{slug}/nodes/crux/comments/"
EDGE_THREAD = "/api/v1/maps/{slug}/edges/{edge}/comments/"
ONE = "/api/v1/maps/{slug}/comments/{id}/"


def as_(client_for, people, who):
    return client_for(None if who == "anonymous" else people[who])


def test_post_and_read_a_comment_with_markdown(public, voter, client_for):
    the_map, _, _ = public
    api = client_for(voter)
    posted = api.post(
        NODE_THREAD.format(slug=the_map.slug),
        {"body": "**Yes**: see [[frame]]", "kind": "evidence_for"},
        format="json",
    )
    assert posted.status_code == 201, posted.json()
    body = posted.json()
    assert body["author"] == "voter" and body["kind"] == "evidence_for"
    assert body["body"] == "**Yes**: see [[frame]]"
    assert "<strong>Yes</strong>" in body["html"]
    assert 'href="/maps/open-map/nodes/frame/"' in body["html"]
    assert (body["parent"], body["depth"], body["deleted"], body["hidden"]) == (
        None,
        0,
        False,
        False,
    )
    got = client_for().get(NODE_THREAD.format(slug=the_map.slug)).json()
    assert got["count"] == 1 and got["counts"]["evidence_for"] == 1
    assert got["results"][0]["id"] == body["id"]


def test_replies_come_nested(public, voter, editor, client_for):
    the_map, _, edge = public
    url = EDGE_THREAD.format(slug=the_map.slug, edge=edge.key)
    top = client_for(voter).post(url, {"body": "top"}, format="json").json()
    reply = client_for(editor).post(
        url, {"body": "no", "kind": "evidence_against", "parent": top["id"]}, format="json"
    )
    assert reply.status_code == 201
    assert reply.json()["depth"] == 1 and reply.json()["parent"] == top["id"]
    results = client_for().get(url).json()["results"]
    assert [r["body"] for r in results] == ["top"]
    assert results[0]["replies"][0]["kind"] == "evidence_against"
    only = client_for().get(url, {"kind": "evidence_against"}).json()["results"]
    assert [r["body"] for r in only] == ["no"]


def test_the_votes_and_claims_routes_under_an_edge_still_answer(public, voter, client_for):
    the_map, _, edge = public
    api = client_for(voter)
    assert api.get(f"/api/v1/maps/{the_map.slug}/edges/{edge.key}/").status_code == 200
    assert api.get(f"/api/v1/maps/{the_map.slug}/edges/{edge.key}/strength/").status_code == 200
    assert api.get(f"/api/v1/maps/{the_map.slug}/nodes/crux/").status_code == 200


@pytest.mark.parametrize(
    ("query", "field"), [({"kind": "nonsense"}, "kind"), ({"sort": "random"}, "sort")]
)
def test_a_bad_filter_is_a_400_naming_it(public, client_for, query, field):
    the_map, _, _ = public
    answer = client_for().get(NODE_THREAD.format(slug=the_map.slug), query)
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]


# --- who may do what --------------------------------------------------------

READ = {"anonymous": 200, "outsider": 200, "voter": 200, "editor": 200, "owner": 200}
READ_PRIVATE = {"anonymous": 404, "outsider": 404, "voter": 200, "editor": 200, "owner": 200}
WRITE = {"anonymous": 401, "outsider": 201, "voter": 201, "editor": 201, "owner": 201}
WRITE_PRIVATE = {"anonymous": 404, "outsider": 404, "voter": 201, "editor": 201, "owner": 201}


@pytest.mark.parametrize("who", list(READ))
@pytest.mark.parametrize("visibility", ["public", "private"])
def test_who_reads_and_who_comments(request, people, client_for, who, visibility):
    the_map, _, edge = request.getfixturevalue(visibility)
    services.comment_create(
        map=the_map, author=people["voter"], node=the_map.nodes.get(key="crux"), body="x"
    )
    api = as_(client_for, people, who)
    expected_read = (READ if visibility == "public" else READ_PRIVATE)[who]
    expected_write = (WRITE if visibility == "public" else WRITE_PRIVATE)[who]
    for url in (
        NODE_THREAD.format(slug=the_map.slug),
        EDGE_THREAD.format(slug=the_map.slug, edge=edge.key),
    ):
        assert api.get(url).status_code == expected_read
        assert api.post(url, {"body": "hello"}, format="json").status_code == expected_write
    comment = Comment.objects.filter(map=the_map).first()
    assert api.get(ONE.format(slug=the_map.slug, id=comment.pk)).status_code == expected_read


EDIT_OTHERS = {"anonymous": 401, "outsider": 403, "editor": 403, "owner": 403}
HIDE = {"anonymous": 401, "outsider": 403, "voter": 403, "editor": 200, "owner": 200}


@pytest.mark.parametrize("who", list(EDIT_OTHERS))
@pytest.mark.parametrize("visibility", ["public", "private"])
def test_only_the_author_edits_and_deletes(request, people, client_for, who, visibility):
    the_map, crux, _ = request.getfixturevalue(visibility)
    comment = services.comment_create(map=the_map, author=people["voter"], node=crux, body="mine")
    url = ONE.format(slug=the_map.slug, id=comment.pk)
    api = as_(client_for, people, who)
    expected = EDIT_OTHERS[who]
    if visibility == "private" and who in ("anonymous", "outsider"):
        expected = 404
    assert api.patch(url, {"body": "theirs"}, format="json").status_code == expected
    assert api.delete(url).status_code == expected
    comment.refresh_from_db()
    assert comment.body == "mine" and comment.deleted_at is None


def test_the_author_edits_and_the_history_is_kept(public, voter, client_for):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="first")
    api = client_for(voter)
    url = ONE.format(slug=the_map.slug, id=comment.pk)
    edited = api.patch(url, {"body": "second", "kind": "question", "revision": 1}, format="json")
    assert edited.status_code == 200
    assert edited.json()["edited_at"] is not None and edited.json()["kind"] == "question"
    stale = api.patch(url, {"body": "third", "revision": 1}, format="json")
    assert stale.status_code == 409
    history = client_for().get(url + "revisions/").json()
    assert [(h["revision"], h["body"], h["current"]) for h in history] == [
        (1, "first", False),
        (2, "second", True),
    ]


def test_the_author_deletes_and_the_thread_says_deleted(public, voter, outsider, client_for):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="oops")
    url = ONE.format(slug=the_map.slug, id=comment.pk)
    assert client_for(voter).delete(url).status_code == 204
    seen = client_for(outsider).get(NODE_THREAD.format(slug=the_map.slug)).json()
    assert seen["results"][0]["deleted"] is True and seen["results"][0]["body"] == ""
    assert seen["count"] == 0
    # The text stays in the history, for its author (and moderators) only.
    assert client_for(outsider).get(url + "revisions/").status_code == 403
    mine = client_for(voter).get(url + "revisions/").json()
    assert mine[0]["body"] == "oops"
    assert CommentRevision.objects.get().body == "oops"


@pytest.mark.parametrize("who", list(HIDE))
def test_owner_and_editors_hide_and_unhide(public, people, client_for, who):
    the_map, crux, _ = public
    comment = services.comment_create(
        map=the_map, author=people["outsider"], node=crux, body="vandal"
    )
    api = as_(client_for, people, who)
    url = ONE.format(slug=the_map.slug, id=comment.pk)
    hidden = api.post(url + "hide/")
    assert hidden.status_code == HIDE[who]
    comment.refresh_from_db()
    assert (comment.hidden_at is not None) == (HIDE[who] == 200)
    if HIDE[who] == 200:
        assert hidden.json()["hidden"] is True and hidden.json()["body"] == "vandal"
        # Everyone else sees it hidden, without its text.
        other = client_for(people["voter"]).get(url).json()
        assert other["hidden"] is True and other["body"] == "" and other["html"] == ""
        assert api.post(url + "unhide/").status_code == 200
        comment.refresh_from_db()
        assert comment.hidden_at is None


def test_private_map_hide_is_a_404_for_outsiders(private, outsider, voter, client_for):
    the_map, crux, _ = private
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="x")
    answer = client_for(outsider).post(ONE.format(slug=the_map.slug, id=comment.pk) + "hide/")
    assert answer.status_code == 404


# --- limits -----------------------------------------------------------------


def test_a_reply_past_the_depth_limit_is_a_400_naming_it(public, voter, client_for):
    the_map, crux, _ = public
    parent = services.comment_create(map=the_map, author=voter, node=crux, body="0")
    for _ in range(COMMENT_MAX_DEPTH):
        parent = services.comment_create(map=the_map, author=voter, parent=parent, body="r")
    answer = client_for(voter).post(
        NODE_THREAD.format(slug=the_map.slug),
        {"body": "deeper", "parent": parent.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert "COMMENT_MAX_DEPTH" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x" * (COMMENT_MAX_LENGTH + 1)}, "body"),
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": 5}, "body"),
        ({}, "body"),
        ({"body": "x", "kind": "spam"}, "kind"),
        ({"body": "x", "parent": 999999}, "parent"),
        ({"body": "x", "parent": "1"}, "parent"),
        ({"body": "x", "parent": 2**64}, "parent"),
        ({"body": "a\u0000b"}, "body"),
    ],
)
def test_bad_comments_are_400s_naming_the_field(public, voter, client_for, payload, field):
    the_map, _, _ = public
    answer = client_for(voter).post(NODE_THREAD.format(slug=the_map.slug), payload, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["error"]["fields"]
    assert not Comment.objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(public, voter, client_for):
    the_map, _, _ = public
    answer = client_for(voter).post(
        NODE_THREAD.format(slug=the_map.slug), {"body": "x" * 3_000_000}, format="json"
    )
    assert answer.status_code == 413
    assert not Comment.objects.exists()


def test_a_parent_from_another_thread_is_refused(public, voter, client_for):
    the_map, _, edge = public
    on_edge = (
        client_for(voter)
        .post(EDGE_THREAD.format(slug=the_map.slug, edge=edge.key), {"body": "e"}, format="json")
        .json()
    )
    answer = client_for(voter).post(
        NODE_THREAD.format(slug=the_map.slug), {"body": "x", "parent": on_edge["id"]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"parent": ["not in this thread"]}


def test_a_comment_of_another_map_is_not_found(public, private, voter, client_for):
    other_map, crux, _ = private
    comment = services.comment_create(map=other_map, author=voter, node=crux, body="x")
    the_map, _, _ = public
    assert client_for(voter).get(ONE.format(slug=the_map.slug, id=comment.pk)).status_code == 404
    assert client_for(voter).get(ONE.format(slug=the_map.slug, id=2**70)).status_code == 404


def test_the_openapi_schema_documents_the_endpoints(client_for):
    import yaml

    answer = client_for().get("/api/schema/")
    paths = yaml.safe_load(answer.content)["paths"]
    assert "/api/v1/maps/{slug}/nodes/{key}/comments/" in paths
    assert "/api/v1/maps/{slug}/edges/{edge_key}/comments/" in paths
    assert "/api/v1/maps/{slug}/comments/{comment_id}/hide/" in paths
    assert set(paths["/api/v1/maps/{slug}/comments/{comment_id}/"]) >= {"get", "patch", "delete"}


def test_a_hidden_nodes_thread_is_for_moderators_only(public, voter, editor, client_for):
    from django.utils import timezone

    the_map, crux, _ = public
    services.comment_create(map=the_map, author=voter, node=crux, body="x")
    crux.hidden_at = timezone.now()
    crux.save(update_fields=["hidden_at"])
    url = NODE_THREAD.format(slug=the_map.slug)
    assert client_for().get(url).status_code == 404
    assert client_for(voter).get(url).status_code == 404
    assert client_for(editor).get(url).json()["count"] == 1
    refused = client_for(editor).post(url, {"body": "y"}, format="json")
    assert refused.status_code == 409


def test_a_hidden_comment_takes_no_replies(public, voter, owner, outsider, client_for):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=outsider, node=crux, body="spam")
    services.comment_hide(comment=comment, user=owner)
    answer = client_for(voter).post(
        NODE_THREAD.format(slug=the_map.slug), {"body": "re", "parent": comment.pk}, format="json"
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["fields"] == {"parent": ["deleted or hidden"]}
