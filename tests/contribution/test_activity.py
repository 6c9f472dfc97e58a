"""Every graph write leaves one activity entry, in its own transaction; votes leave none
(who voted is private); an import is one entry, whatever its size."""

import json

import pytest

from claims.models import Activity, ActivityVerb, Map
from claims.services import (
    edge_create,
    edge_delete,
    edge_update,
    map_import,
    map_update,
    node_create,
    node_delete,
    node_update,
)
from tests.conftest import SEED_PATH
from tests.contribution.conftest import build_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def the_map(people):
    return build_map(people, visibility="public", contribution="open")


def newest(the_map) -> Activity:
    return Activity.objects.filter(map=the_map).first()


def entries(the_map) -> int:
    return Activity.objects.filter(map=the_map).count()


def version(the_map) -> int:
    return Map.objects.get(pk=the_map.pk).graph_version


def test_a_new_node_is_recorded_with_its_author_key_title_and_version(the_map, people):
    node_create(
        map=the_map, kind="crux", title="Will it scale?", key="scale", created_by=people["voter"]
    )
    entry = newest(the_map)
    assert (entry.verb, entry.actor, entry.node_key, entry.title) == (
        ActivityVerb.NODE_ADDED,
        people["voter"],
        "scale",
        "Will it scale?",
    )
    assert entry.graph_version == version(the_map)


def test_an_edit_names_the_fields_it_changed(the_map, people):
    node = the_map.nodes.get(key="own-voter")
    node_update(
        node=node, edited_by=people["voter"], expected_revision=1, title="Sharper", prior=0.2
    )
    entry = newest(the_map)
    assert entry.verb == ActivityVerb.NODE_EDITED and entry.title == "Sharper"
    assert entry.detail["fields"] == ["prior", "title"]
    assert entry.graph_version == version(the_map)


def test_an_edit_that_changes_nothing_records_nothing(the_map, people):
    before = entries(the_map)
    node = the_map.nodes.get(key="own-voter")
    node_update(node=node, edited_by=people["voter"], expected_revision=1, title=node.title)
    assert entries(the_map) == before


def test_a_deleted_node_keeps_its_title_in_the_log(the_map, people):
    node_delete(node=the_map.nodes.get(key="theirs"), user=people["editor"])
    entry = newest(the_map)
    assert (entry.verb, entry.node_key, entry.title, entry.actor) == (
        ActivityVerb.NODE_DELETED,
        "theirs",
        "Theirs",
        people["editor"],
    )
    assert entry.detail["edges_removed"] == 1


def test_a_link_is_recorded_as_source_to_target(the_map, people):
    base, frame = the_map.nodes.get(key="base"), the_map.nodes.get(key="frame")
    edge = edge_create(
        map=the_map, source=base, target=frame, kind="supports", created_by=people["outsider"]
    )
    entry = newest(the_map)
    assert entry.verb == ActivityVerb.EDGE_ADDED
    assert (entry.edge_key, entry.node_key, entry.title) == (edge.key, "base", "Base → Frame")
    assert entry.actor == people["outsider"]
    assert entry.graph_version == version(the_map)


def test_an_undercut_names_the_argument_it_attacks(the_map, people):
    edge_create(
        map=the_map,
        source=the_map.nodes.get(key="base"),
        target_edge=the_map.edges.get(key="theirs-edge"),
        kind="undercuts",
        created_by=people["outsider"],
    )
    assert newest(the_map).title == "Base → the argument theirs-edge"


def test_long_titles_keep_both_ends_of_a_link(the_map, people):
    one = node_create(map=the_map, kind="claim", title="a" * 200, created_by=None)
    two = node_create(map=the_map, kind="claim", title="b" * 200, created_by=None)
    edge_create(map=the_map, source=one, target=two, kind="related", created_by=None)
    title = newest(the_map).title
    assert len(title) <= 200 and "a…" in title and title.endswith("b…")


def test_edge_edits_and_deletions_are_recorded(the_map, people):
    edge = the_map.edges.get(key="own-voter-edge")
    edge_update(edge=edge, user=people["voter"], weight=0.3, sources=[])
    entry = newest(the_map)
    assert entry.verb == ActivityVerb.EDGE_EDITED
    assert entry.detail["fields"] == ["weight", "sources"]
    assert (entry.edge_key, entry.node_key) == ("own-voter-edge", "own-voter")
    edge_delete(edge=the_map.edges.get(key="own-voter-edge"), user=people["voter"])
    entry = newest(the_map)
    assert (entry.verb, entry.edge_key, entry.title) == (
        ActivityVerb.EDGE_DELETED,
        "own-voter-edge",
        "Own of voter → Frame",
    )
    assert entry.graph_version == version(the_map)


def test_map_settings_changes_are_one_entry_naming_them(the_map, people):
    before = entries(the_map)
    map_update(map=the_map, contribution="closed", title="Renamed", by=people["owner"])
    entry = newest(the_map)
    assert entries(the_map) == before + 1
    assert entry.verb == ActivityVerb.MAP_EDITED and entry.actor == people["owner"]
    assert entry.detail == {"fields": ["title", "contribution"], "contribution": "closed"}
    # Saving the same settings again is no news.
    map_update(map=the_map, contribution="closed", by=people["owner"])
    assert entries(the_map) == before + 1


def test_an_import_is_one_entry_with_its_counts(people):
    doc = json.loads(SEED_PATH.read_text())
    result = map_import(data=doc, owner=people["owner"], slug="imported")
    the_map = Map.objects.get(slug="imported")
    assert the_map.contribution == "closed"  # imports keep the default
    rows = list(Activity.objects.filter(map=the_map))
    assert len(rows) == 1 and result.nodes > 10
    assert rows[0].verb == ActivityVerb.MAP_IMPORTED
    assert rows[0].detail["nodes"] == result.nodes and rows[0].detail["edges"] == result.edges
    assert rows[0].graph_version == the_map.graph_version


def test_an_import_may_open_the_map(people):
    doc = json.loads(SEED_PATH.read_text())
    map_import(data=doc, owner=people["owner"], slug="opened", contribution="open")
    assert Map.objects.get(slug="opened").contribution == "open"


def test_an_import_refuses_an_unknown_policy_and_writes_nothing(people):
    from core.errors import ValidationFailed

    doc = json.loads(SEED_PATH.read_text())
    with pytest.raises(ValidationFailed, match="contribution"):
        map_import(data=doc, owner=people["owner"], slug="nope", contribution="wide-open")
    assert not Map.objects.filter(slug="nope").exists()


def test_votes_are_never_activity(the_map, people, client_for):
    before = entries(the_map)
    client = client_for(people["outsider"])
    slug = the_map.slug
    assert (
        client.put(
            f"/api/v1/maps/{slug}/nodes/theirs/vote/", {"credence": 0.8}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.put(
            f"/api/v1/maps/{slug}/edges/theirs-edge/vote/", {"strength": 0.4}, format="json"
        ).status_code
        == 200
    )
    assert client.delete(f"/api/v1/maps/{slug}/nodes/theirs/vote/").status_code in (200, 204)
    assert entries(the_map) == before


def test_each_api_write_leaves_exactly_one_entry(the_map, people, client_for):
    client = client_for(people["outsider"])
    slug = the_map.slug
    steps = [
        (
            lambda: client.post(
                f"/api/v1/maps/{slug}/nodes/",
                {"kind": "crux", "title": "Mine", "key": "mine"},
                format="json",
            ),
            ActivityVerb.NODE_ADDED,
        ),
        (
            lambda: client.post(
                f"/api/v1/maps/{slug}/edges/",
                {"source": "mine", "target": "frame", "kind": "supports", "id": "mine-edge"},
                format="json",
            ),
            ActivityVerb.EDGE_ADDED,
        ),
        (
            lambda: client.patch(
                f"/api/v1/maps/{slug}/edges/mine-edge/", {"weight": 0.5}, format="json"
            ),
            ActivityVerb.EDGE_EDITED,
        ),
        (
            lambda: client.patch(
                f"/api/v1/maps/{slug}/nodes/mine/",
                {"title": "Mine, v2", "revision": 1},
                format="json",
            ),
            ActivityVerb.NODE_EDITED,
        ),
        (lambda: client.delete(f"/api/v1/maps/{slug}/edges/mine-edge/"), ActivityVerb.EDGE_DELETED),
        (lambda: client.delete(f"/api/v1/maps/{slug}/nodes/mine/"), ActivityVerb.NODE_DELETED),
    ]
    for step, verb in steps:
        before = entries(the_map)
        response = step()
        assert response.status_code < 300, response.content[:300]
        assert entries(the_map) == before + 1
        entry = newest(the_map)
        assert entry.verb == verb and entry.actor == people["outsider"]


def test_a_refused_write_leaves_no_entry(the_map, people, client_for):
    before = entries(the_map)
    client = client_for(people["outsider"])
    assert client.delete(f"/api/v1/maps/{the_map.slug}/nodes/theirs/").status_code == 403
    bad = client.post(
        f"/api/v1/maps/{the_map.slug}/nodes/", {"kind": "crux", "title": ""}, format="json"
    )
    assert bad.status_code == 400
    assert entries(the_map) == before
