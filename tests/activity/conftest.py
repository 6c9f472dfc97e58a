"""A small world for the activity tests: a public and a private map with the
personas as members, nodes and links made by factories (no activity of their
own), and entries recorded through claims.services.activity_record, as the
graph, moderation and comment services record them."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Activity, ActivityVerb, Map, MapMember
from claims.services import activity_record
from discussion.models import Comment
from tests.factories import EdgeFactory, FrameFactory, MapFactory, NodeFactory, UserFactory


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def world(owner, editor, voter, alice):
    """Two maps (public "open-map", private "closed-map"), each with a frame, two
    cruxes and a link; editor and voter are members of both, alice of neither."""
    maps = {}
    for slug, visibility in (("open-map", "public"), ("closed-map", "private")):
        the_map = MapFactory(slug=slug, title=slug.title(), owner=owner, visibility=visibility)
        MapMember.objects.create(map=the_map, user=editor, role="editor")
        MapMember.objects.create(map=the_map, user=voter, role="voter")
        frame = FrameFactory(map=the_map, key="frame", title="Alignment is hard", created_by=owner)
        crux = NodeFactory(map=the_map, key="crux", title="Deception is likely", created_by=owner)
        other = NodeFactory(map=the_map, key="other", title="Scaling helps", created_by=editor)
        edge = EdgeFactory(map=the_map, source=crux, target=frame, kind="supports")
        maps[visibility] = {
            "map": the_map,
            "frame": frame,
            "crux": crux,
            "other": other,
            "edge": edge,
        }
    return maps


def record(the_map: Map, verb: str, actor=None, **fields) -> Activity:
    return activity_record(map_id=the_map.pk, verb=verb, actor=actor, **fields)


def added(node, actor) -> Activity:
    return record(node.map, ActivityVerb.NODE_ADDED, actor, node_key=node.key, title=node.title)


def comment_on(target, author, body="Good point") -> Comment:
    """A comment and its entry (as discussion.services' comment writer records it)."""
    on_edge = hasattr(target, "source_id")
    comment = Comment.objects.create(
        map_id=target.map_id,
        node=None if on_edge else target,
        edge=target if on_edge else None,
        author=author,
        body=body,
    )
    record(
        target.map,
        ActivityVerb.COMMENTED,
        author,
        node_key="" if on_edge else target.key,
        edge_key=target.key if on_edge else "",
        title=target.rationale[:200] if on_edge else target.title,
        comment_id=comment.pk,
    )
    return comment


def hide(node, by) -> None:
    node.hidden_at = timezone.now()
    node.hidden_by = by
    node.save(update_fields=["hidden_at", "hidden_by"])


@pytest.fixture
def api():
    """An API client for a user (None: anonymous), authenticated by token."""
    from rest_framework.authtoken.models import Token

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
