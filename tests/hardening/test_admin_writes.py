"""Every admin write goes through the services, or is not offered (issue 12, item 18).

Before, deleting a node in /admin/ removed the row and nothing else: the map's
graph_version stayed, no MapChange was written, no recompute was scheduled, so
the ranking stayed "fresh" and the sweep never noticed. Deleting a vote there
skipped vote_withdraw the same way. Driven through the real admin URLs with
Django's test client, logged in as a superuser; the recompute is seen as the
message the on-commit hook publishes to the real broker.
"""

import base64
import json

import pytest
import redis
from django.conf import settings

from claims.models import Edge, Map, MapChange, MapMember, Node, NodeRevision, Source
from claims.services import edge_create, map_create, node_create, node_update
from cruxes.models import CruxScore, RankingRun, Vote, VoteHistory
from cruxes.services import ranking_refresh, vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    """The broker's Redis, emptied (messages of earlier tests name other maps)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def queued(broker) -> list[int]:
    """The map ids of the recompute messages waiting in the queue (oldest first)."""
    messages = [json.loads(m) for m in reversed(broker.lrange("celery", 0, -1))]
    # Other tasks share the queue (the duplicate finder's after a node's words change).
    messages = [m for m in messages if m["headers"]["task"] == "cruxes.tasks.recompute_ranking"]
    return [json.loads(base64.b64decode(m["body"]))[0][0] for m in messages]


@pytest.fixture
def graph(owner):
    the_map = map_create(slug="open-map", title="Open map", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    nodes = {"frame": frame}
    for key in ("crux-a", "crux-b", "crux-c"):
        nodes[key] = node_create(map=the_map, kind="crux", title=key, key=key, created_by=owner)
        edge_create(map=the_map, source=nodes[key], target=frame, kind="supports", created_by=owner)
    return the_map, nodes


def version(the_map: Map) -> int:
    return Map.objects.values_list("graph_version", flat=True).get(pk=the_map.pk)


def changes(the_map: Map, since: int) -> list[tuple[str, list[str]]]:
    return list(
        MapChange.objects.filter(map=the_map, graph_version__gt=since)
        .order_by("graph_version")
        .values_list("action", "node_keys")
    )


def delete_one(admin_client, model: str, pk: int):
    return admin_client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"})


def delete_selected(admin_client, model: str, pks: list[int]):
    return admin_client.post(
        f"/admin/{model}/",
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in pks], "post": "yes"},
    )


def test_deleting_a_node_in_the_admin_goes_through_node_delete(
    graph, admin_client, broker, django_capture_on_commit_callbacks
):
    the_map, nodes = graph
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete_one(admin_client, "claims/node", nodes["crux-a"].pk)
    assert response.status_code == 302
    assert not Node.objects.filter(pk=nodes["crux-a"].pk).exists()
    assert version(the_map) == before + 1
    assert changes(the_map, before) == [("node_delete", ["crux-a"])]
    assert queued(broker) == [the_map.pk]


def test_deleting_selected_nodes_in_the_admin_deletes_each_through_node_delete(
    graph, admin_client, broker, django_capture_on_commit_callbacks
):
    the_map, nodes = graph
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete_selected(
            admin_client, "claims/node", [nodes["crux-a"].pk, nodes["crux-b"].pk]
        )
    assert response.status_code == 302
    assert set(Node.objects.filter(map=the_map).values_list("key", flat=True)) == {
        "frame",
        "crux-c",
    }
    assert version(the_map) == before + 2
    assert changes(the_map, before) == [("node_delete", ["crux-a"]), ("node_delete", ["crux-b"])]
    assert queued(broker) == [the_map.pk]  # one message while one is pending


def test_a_merged_nodes_tombstone_is_not_deleted_in_the_admin(graph, admin_client, owner):
    """The tombstone keeps what the merge's undo restores: no delete page, and a bulk
    delete that includes it is refused whole."""
    from claims.services import node_merge

    the_map, nodes = graph
    node_merge(merged=nodes["crux-a"], survivor=nodes["crux-b"], by=owner)
    assert delete_one(admin_client, "claims/node", nodes["crux-a"].pk).status_code == 403
    response = delete_selected(
        admin_client, "claims/node", [nodes["crux-a"].pk, nodes["crux-c"].pk]
    )
    assert response.status_code == 403
    assert Node.objects.filter(pk=nodes["crux-a"].pk, merged_at__isnull=False).exists()
    assert Node.objects.filter(pk=nodes["crux-c"].pk).exists()
    # The live node alone is deleted as before.
    assert delete_one(admin_client, "claims/node", nodes["crux-c"].pk).status_code == 302
    assert not Node.objects.filter(pk=nodes["crux-c"].pk).exists()


def test_deleting_an_edge_in_the_admin_goes_through_edge_delete(
    graph, admin_client, broker, django_capture_on_commit_callbacks
):
    the_map, nodes = graph
    edge = Edge.objects.get(source=nodes["crux-a"])
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_one(admin_client, "claims/edge", edge.pk).status_code == 302
    assert not Edge.objects.filter(pk=edge.pk).exists()
    assert version(the_map) == before + 1
    assert changes(the_map, before) == [("edge_delete", ["crux-a", "frame"])]
    assert queued(broker) == [the_map.pk]


def test_deleting_selected_edges_in_the_admin_deletes_each_through_edge_delete(
    graph, admin_client, broker, django_capture_on_commit_callbacks
):
    the_map, nodes = graph
    edges = list(Edge.objects.filter(map=the_map).order_by("pk").values_list("pk", flat=True))
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_selected(admin_client, "claims/edge", edges[:2]).status_code == 302
    assert Edge.objects.filter(map=the_map).count() == 1
    assert version(the_map) == before + 2
    assert [action for action, _ in changes(the_map, before)] == ["edge_delete", "edge_delete"]
    assert queued(broker) == [the_map.pk]


@pytest.fixture
def votes(graph):
    the_map, nodes = graph
    return [
        vote_cast(
            user=UserFactory(username=f"voter{i}"), node=nodes["crux-a"], credence=0.3 + i / 10
        )
        for i in range(3)
    ]


def test_deleting_a_vote_in_the_admin_goes_through_vote_withdraw(
    graph, votes, admin_client, broker, django_capture_on_commit_callbacks
):
    the_map, _ = graph
    vote = votes[0]
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_one(admin_client, "cruxes/vote", vote.pk).status_code == 302
    assert not Vote.objects.filter(pk=vote.pk).exists()
    assert version(the_map) == before + 1
    assert changes(the_map, before) == [("vote_withdraw", ["crux-a"])]
    withdrawn = VoteHistory.objects.filter(user_id=vote.user_id, action="withdraw")
    assert withdrawn.count() == 1
    assert queued(broker) == [the_map.pk]


def test_deleting_selected_votes_in_the_admin_withdraws_each(
    graph, votes, admin_client, broker, django_capture_on_commit_callbacks
):
    the_map, _ = graph
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete_selected(admin_client, "cruxes/vote", [v.pk for v in votes[:2]])
    assert response.status_code == 302
    assert Vote.objects.filter(node__map=the_map).count() == 1
    assert version(the_map) == before + 2
    assert [a for a, _ in changes(the_map, before)] == ["vote_withdraw", "vote_withdraw"]
    assert VoteHistory.objects.filter(action="withdraw").count() == 2
    assert queued(broker) == [the_map.pk]


def test_a_map_edited_in_the_admin_is_saved_by_map_update(graph, admin_client, owner):
    the_map, _ = graph
    url = f"/admin/claims/map/{the_map.pk}/change/"
    form = {
        "title": "  Renamed map  ",
        "description": "New words",
        "visibility": "private",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
    }
    assert admin_client.post(url, form).status_code == 302
    the_map.refresh_from_db()
    assert (the_map.title, the_map.description, the_map.visibility) == (
        "Renamed map",  # stripped, as map_update does
        "New words",
        "private",
    )
    # The services' own checks refuse what the model field alone would take.
    refused = admin_client.post(url, {**form, "title": "bell\x07"})
    assert refused.status_code == 200 and b"control characters" in refused.content
    the_map.refresh_from_db()
    assert the_map.title == "Renamed map"


def test_members_added_in_the_admin_go_through_member_set(graph, admin_client, owner):
    the_map, _ = graph
    newcomer = UserFactory(username="newcomer")
    url = f"/admin/claims/map/{the_map.pk}/change/"
    form = {
        "title": the_map.title,
        "description": "",
        "visibility": "public",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-0-user": str(newcomer.pk),
        "members-0-role": "editor",
    }
    assert admin_client.post(url, form).status_code == 302
    assert MapMember.objects.get(map=the_map).user == newcomer
    # The owner cannot be made a member (member_set refuses it): a form error, no row.
    existing = MapMember.objects.get(map=the_map)
    with_owner = {
        **form,
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "1",
        "members-0-id": str(existing.pk),
        "members-1-user": str(owner.pk),
        "members-1-role": "voter",
    }
    refused = admin_client.post(url, with_owner)
    assert refused.status_code == 200 and b"the owner is not a member" in refused.content
    assert MapMember.objects.filter(map=the_map).count() == 1
    # A new role, then a removal, on the same row: member_set, then member_remove.
    kept = {**form, "members-INITIAL_FORMS": "1", "members-0-id": str(existing.pk)}
    assert admin_client.post(url, {**kept, "members-0-role": "voter"}).status_code == 302
    assert MapMember.objects.get(map=the_map).role == "voter"
    assert admin_client.post(url, {**kept, "members-0-DELETE": "on"}).status_code == 302
    assert not MapMember.objects.filter(map=the_map).exists()


def test_what_no_service_writes_alone_cannot_be_changed_or_deleted_in_the_admin(
    graph, votes, admin_client, owner
):
    the_map, nodes = graph
    node_update(node=nodes["crux-b"], edited_by=owner, expected_revision=1, title="B, again")
    node_create(
        map=the_map,
        kind="claim",
        title="Cited",
        created_by=owner,
        sources=[{"document": "paper.pdf", "locator": "p. 3", "quote": ""}],
    )
    ranking_refresh(map_id=the_map.pk)
    rows = {
        "claims/node": nodes["crux-a"].pk,
        "claims/edge": Edge.objects.filter(map=the_map).first().pk,
        "claims/noderevision": NodeRevision.objects.get().pk,
        "claims/source": Source.objects.get().pk,
        "cruxes/votehistory": VoteHistory.objects.first().pk,
        "cruxes/rankingrun": RankingRun.objects.get().pk,
        "cruxes/cruxscore": CruxScore.objects.first().pk,
    }
    before = version(the_map)
    for model, pk in rows.items():
        assert admin_client.post(f"/admin/{model}/{pk}/change/", {}).status_code == 403, model
        assert admin_client.get(f"/admin/{model}/add/").status_code == 403, model
    for model in list(rows)[2:]:
        assert delete_one(admin_client, model, rows[model]).status_code == 403, model
    assert admin_client.get("/admin/claims/map/add/").status_code == 403
    assert version(the_map) == before
    assert NodeRevision.objects.count() == Source.objects.count() == RankingRun.objects.count() == 1


def test_deleting_an_edge_strength_vote_in_the_admin_goes_through_edge_vote_withdraw(
    graph, admin_client, broker, django_capture_on_commit_callbacks
):
    from cruxes.models import EdgeVote, EdgeVoteHistory
    from cruxes.services import edge_vote_cast

    the_map, _ = graph
    edge = the_map.edges.get(key="crux-a--supports--frame")
    vote = edge_vote_cast(user=UserFactory(username="strong"), edge=edge, strength=0.9)
    before = version(the_map)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_one(admin_client, "cruxes/edgevote", vote.pk).status_code == 302
    assert not EdgeVote.objects.filter(pk=vote.pk).exists()
    assert version(the_map) == before + 1
    assert [a for a, _ in changes(the_map, before)] == ["vote_edge_withdraw"]
    assert EdgeVoteHistory.objects.filter(action="withdraw").count() == 1
    assert queued(broker) == [the_map.pk]
    # The history is shown, never changed.
    row = EdgeVoteHistory.objects.get(action="withdraw")
    assert (
        admin_client.post(f"/admin/cruxes/edgevotehistory/{row.pk}/change/", {}).status_code == 403
    )
