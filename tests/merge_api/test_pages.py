"""The merge page (choose, preview, merge; owner and editors), and Undo from the
survivor's page and from the map's activity."""

import pytest
from django.test import Client

from claims.models import Activity, ActivityVerb, Node, NodeMerge

pytestmark = pytest.mark.django_db

PAGE_EXPECTED = {
    "public": {"anonymous": 302, "outsider": 403, "voter": 403, "editor": 200, "owner": 200},
    "private": {"anonymous": 404, "outsider": 404, "voter": 403, "editor": 200, "owner": 200},
}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("who", ["anonymous", "outsider", "voter", "editor", "owner"])
def test_the_merge_page_is_for_owner_and_editors(owner, editor, voter, outsider, visibility, who):
    from tests.merge_api.conftest import build

    build(owner, editor, voter, slug="p", visibility=visibility)
    user = {"anonymous": None, "outsider": outsider, "voter": voter, "editor": editor}.get(
        who, owner
    )
    client = _client(user)
    got = client.get("/maps/p/nodes/old/merge/?into=keep")
    assert got.status_code == PAGE_EXPECTED[visibility][who]
    posted = client.post("/maps/p/nodes/old/merge/", {"into": "keep"})
    allowed = PAGE_EXPECTED[visibility][who] == 200
    assert (posted.status_code == 302) if allowed else posted.status_code in (302, 403, 404)
    assert NodeMerge.objects.exists() == allowed


def test_search_then_preview_then_merge(dup_map, owner):
    client = _client(owner)
    form = client.get("/maps/dup/nodes/old/merge/").content.decode()
    assert 'data-testid="merge-choose"' in form and "search-options" in form
    chosen = client.get("/maps/dup/nodes/old/merge/?target=deceptive alignment is hard to detect")
    assert chosen.status_code == 302 and chosen["Location"].endswith("?into=keep")
    preview = client.get(chosen["Location"]).content.decode()
    assert 'data-testid="merge-preview"' in preview
    assert "Votes" in preview and 'data-testid="merge-form"' in preview
    assert "old supports frame" in preview  # the link combined with keep's, named
    assert "/maps/dup/nodes/keep/merge/?into=old" in preview  # the other way round
    done = client.post("/maps/dup/nodes/old/merge/", {"into": "keep"})
    assert done.status_code == 302 and done["Location"] == "/maps/dup/nodes/keep/"
    assert Node.objects.get(map=dup_map, key="old").merged_into.key == "keep"
    page = client.get(done["Location"]).content.decode()
    assert "Merged “A deceptively aligned model would pass our evaluations”" in page


def test_a_refused_merge_says_why_and_changes_nothing(dup_map, owner):
    client = _client(owner)
    response = client.post("/maps/dup/nodes/old/merge/", {"into": "frame"})
    assert response.status_code == 400
    assert "a frame merges only with a frame" in response.content.decode()
    unknown = client.get("/maps/dup/nodes/old/merge/?target=no such thing")
    assert unknown.status_code == 404 and 'data-testid="merge-problem"' in unknown.content.decode()
    assert not NodeMerge.objects.exists()


def test_undo_from_the_activity_page(merged_map, owner, voter):
    entry = Activity.objects.get(map=merged_map, verb=ActivityVerb.NODE_MERGED)
    client = _client(owner)
    page = client.get("/maps/dup/activity/").content.decode()
    assert 'data-testid="activity-undo-merge"' in page
    assert "Deceptive alignment is hard to detect" in page  # the survivor, named
    assert (
        'data-testid="activity-undo-merge"'
        not in _client(voter).get("/maps/dup/activity/").content.decode()
    )
    merge_id = entry.detail["merge"]
    assert _client(voter).post(f"/maps/dup/merges/{merge_id}/undo/").status_code == 403
    undone = client.post(f"/maps/dup/merges/{merge_id}/undo/", {"next": "/maps/dup/activity/"})
    assert undone.status_code == 302 and undone["Location"] == "/maps/dup/nodes/old/"
    assert Node.objects.get(map=merged_map, key="old").merged_into_id is None
    assert client.get("/maps/dup/nodes/old/").status_code == 200
    after = client.get("/maps/dup/activity/").content.decode()
    assert 'data-testid="activity-undo-merge"' not in after
