"""The discussion in the pages (Django's test client): the thread on a node's page,
the forms, an edge's discussion page, moderation, and what anonymous visitors see."""

import re

import pytest
from django.test import Client

from discussion import services
from discussion.models import Comment

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def thread_html(client: Client, slug: str = "open-map", key: str = "crux", **query) -> str:
    answer = client.get(f"/maps/{slug}/nodes/{key}/discussion/", query, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_node_page_loads_its_discussion(public):
    page = Client().get("/maps/open-map/nodes/crux/").content.decode()
    assert 'hx-get="/maps/open-map/nodes/crux/discussion/"' in page
    # Without JavaScript, a link to the same thread.
    assert 'href="/maps/open-map/nodes/crux/discussion/"' in page


def test_a_visitor_reads_comments_and_is_asked_to_log_in(public, voter):
    the_map, crux, _ = public
    services.comment_create(map=the_map, author=voter, node=crux, body="**strong** point")
    html = thread_html(Client())
    assert "<strong>strong</strong> point" in html
    assert "Log in to comment" in html
    assert "comment-form" not in html
    assert "/accounts/login/?next=/maps/open-map/nodes/crux/" in html


def test_a_private_maps_discussion_is_a_404_for_outsiders(private, outsider, voter):
    assert Client().get("/maps/closed-map/nodes/crux/discussion/").status_code == 404
    assert logged_in(outsider).get("/maps/closed-map/nodes/crux/discussion/").status_code == 404
    assert logged_in(voter).get("/maps/closed-map/nodes/crux/discussion/").status_code == 200


def test_posting_a_comment_returns_to_the_node_page_at_the_comment(public, voter):
    client = logged_in(voter)
    answer = client.post(
        "/maps/open-map/nodes/crux/discussion/",
        {
            "body": "See [[frame]] and **this**",
            "kind": "question",
            "next": "/maps/open-map/nodes/crux/",
        },
    )
    comment = Comment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/maps/open-map/nodes/crux/#comment-{comment.pk}"
    html = thread_html(client)
    assert '<a class="mention" href="/maps/open-map/nodes/frame/"' in html
    assert ">question</span>" in html
    assert "Question (1)" in html or "question (1)" in html


def test_an_offsite_next_is_ignored(public, voter):
    answer = logged_in(voter).post(
        "/maps/open-map/nodes/crux/discussion/",
        {"body": "x", "kind": "comment", "next": "https://evil.example/"},
    )
    assert answer["Location"].startswith("/maps/open-map/nodes/crux/discussion/#comment-")


def test_a_visitor_posting_is_sent_to_log_in(public):
    answer = Client().post(
        "/maps/open-map/nodes/crux/discussion/",
        {"body": "x", "kind": "comment", "next": "/maps/open-map/nodes/crux/"},
    )
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert not Comment.objects.exists()


def test_an_empty_or_too_long_comment_shows_the_error_and_saves_nothing(public, voter):
    client = logged_in(voter)
    empty = client.post("/maps/open-map/nodes/crux/discussion/", {"body": "   ", "kind": "comment"})
    assert empty.status_code == 400
    assert "Write something first." in empty.content.decode()
    long = client.post(
        "/maps/open-map/nodes/crux/discussion/", {"body": "x" * 10_001, "kind": "comment"}
    )
    assert long.status_code == 400
    assert "at most 10000 characters" in long.content.decode()
    assert not Comment.objects.exists()


def test_a_reply_marked_evidence_against_shows_nested_with_its_label(public, voter, editor):
    the_map, crux, _ = public
    top = services.comment_create(map=the_map, author=voter, node=crux, body="I think so")
    answer = logged_in(editor).post(
        "/maps/open-map/nodes/crux/discussion/",
        {"body": "Not so", "kind": "evidence_against", "parent": top.pk},
    )
    assert answer.status_code == 302
    html = thread_html(Client())
    nested = re.search(rf'id="comment-{top.pk}".*?<ol class="comments replies">(.*)', html, re.S)
    assert nested and "Not so" in nested.group(1)
    assert "evidence against</span>" in nested.group(1)
    filtered = thread_html(Client(), kind="evidence_against")
    assert "Not so" in filtered and "I think so" not in filtered


def test_the_author_edits_on_the_edit_page(public, voter, outsider):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="befroe")
    url = f"/maps/open-map/comments/{comment.pk}/edit/"
    assert logged_in(outsider).get(url).status_code == 403
    client = logged_in(voter)
    assert "befroe" in client.get(url).content.decode()
    saved = client.post(url, {"body": "before", "kind": "comment", "revision": 1})
    assert saved.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "before" and comment.revision == 2
    assert "edited" in thread_html(client)


def test_the_author_deletes_and_the_thread_shows_deleted(public, voter, outsider):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=voter, node=crux, body="regret")
    assert (
        logged_in(outsider).post(f"/maps/open-map/comments/{comment.pk}/delete/").status_code == 403
    )
    assert logged_in(voter).post(f"/maps/open-map/comments/{comment.pk}/delete/").status_code == 302
    html = thread_html(Client())
    assert "regret" not in html
    assert 'data-testid="comment-deleted">deleted<' in html


def test_an_editor_hides_a_comment_and_others_see_hidden_by_moderators(
    public, editor, outsider, voter
):
    the_map, crux, _ = public
    comment = services.comment_create(map=the_map, author=outsider, node=crux, body="vandalism")
    assert 'data-testid="comment-hide"' not in thread_html(logged_in(voter))
    assert 'data-testid="comment-hide"' in thread_html(logged_in(editor))
    assert logged_in(voter).post(f"/maps/open-map/comments/{comment.pk}/hide/").status_code == 403
    assert logged_in(editor).post(f"/maps/open-map/comments/{comment.pk}/hide/").status_code == 302
    for viewer in (Client(), logged_in(voter)):
        html = thread_html(viewer)
        assert "vandalism" not in html and "hidden by moderators" in html
    assert "vandalism" in thread_html(logged_in(editor))
    assert "vandalism" in thread_html(logged_in(outsider))  # its author
    assert (
        logged_in(editor).post(f"/maps/open-map/comments/{comment.pk}/unhide/").status_code == 302
    )
    assert "vandalism" in thread_html(Client())


def test_each_edge_shows_its_comment_count_and_links_its_discussion(public, voter):
    the_map, _, edge = public
    services.comment_create(map=the_map, author=voter, edge=edge, body="weak link")
    frame_page = Client().get("/maps/open-map/nodes/crux/").content.decode()
    assert (
        f'href="/maps/open-map/edges/{edge.key}/discussion/" data-testid="edge-comments">1 comment<'
        in frame_page
    )
    page = Client().get(f"/maps/open-map/edges/{edge.key}/discussion/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Discussion of an argument" in html and "weak link" in html
    assert "Deceptive alignment is likely" in html and "The frame" in html


def test_the_discussion_page_works_without_javascript(public, voter):
    the_map, crux, _ = public
    services.comment_create(map=the_map, author=voter, node=crux, body="plain page")
    html = Client().get("/maps/open-map/nodes/crux/discussion/").content.decode()
    assert "<html" in html and "plain page" in html


def test_hostile_markdown_reaches_the_page_neutralised(public, voter):
    the_map, crux, _ = public
    services.comment_create(
        map=the_map,
        author=voter,
        node=crux,
        body="<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )
    html = thread_html(Client())
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html.lower()
    assert "<img" not in html


def test_the_thread_has_no_inline_script_or_style(public, voter, editor):
    the_map, crux, _ = public
    top = services.comment_create(map=the_map, author=voter, node=crux, body="x")
    services.comment_create(map=the_map, author=editor, parent=top, body="y")
    html = thread_html(logged_in(editor))
    assert "<script" not in html and "<style" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_the_thread_costs_a_fixed_number_of_queries(public, voter, django_assert_max_num_queries):
    the_map, crux, _ = public
    top = services.comment_create(map=the_map, author=voter, node=crux, body="top [[frame]]")
    for i in range(15):
        services.comment_create(map=the_map, author=voter, parent=top, body=f"reply {i}")
    client = logged_in(voter)
    client.get("/maps/open-map/nodes/crux/discussion/", HTTP_HX_REQUEST="true")  # warm the session
    with django_assert_max_num_queries(10):
        html = thread_html(client)
    assert html.count('data-testid="comment"') == 16
