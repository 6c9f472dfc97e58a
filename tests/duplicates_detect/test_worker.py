"""A real worker fills the moderators' list after an edit, coalesced and idempotent."""

import pytest
from rest_framework.test import APIClient

from claims.models import DuplicateCandidate, DuplicateDismissal, Map
from claims.services import node_create
from claims.services.duplicates import duplicates_refresh
from tests.duplicates_detect.conftest import build
from tests.worker import celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _pair_keys(the_map):
    return {
        frozenset((c.a.key, c.b.key))
        for c in DuplicateCandidate.objects.filter(map=the_map).select_related("a", "b")
    }


def test_the_worker_lists_a_duplicate_after_an_edit_and_keeps_a_dismissal(owner, editor, voter):
    the_map = build(owner, editor, voter)
    client = APIClient()
    client.force_authenticate(editor)
    with celery_worker():
        r = client.post(
            "/api/v1/maps/dup/nodes/",
            {"kind": "claim", "key": "twin", "title": "Deceptive alignment is hard to detect."},
            format="json",
        )
        assert r.status_code == 201
        wait_for(lambda: frozenset(("deceptive", "twin")) in _pair_keys(the_map), timeout=30)
        r = client.get("/api/v1/maps/dup/duplicates/")
        assert {r.json()["results"][0]["a"]["key"], r.json()["results"][0]["b"]["key"]} == {
            "deceptive",
            "twin",
        }
        client.post(
            "/api/v1/maps/dup/duplicates/dismiss/", {"a": "twin", "b": "deceptive"}, format="json"
        )
        # Another edit: the worker recomputes; the dismissed pair stays out.
        client.post(
            "/api/v1/maps/dup/nodes/",
            {"kind": "claim", "key": "twin2", "title": "Open-weight releases speed up misuse"},
            format="json",
        )
        wait_for(lambda: frozenset(("open-weights", "twin2")) in _pair_keys(the_map), timeout=30)
    assert frozenset(("deceptive", "twin")) not in _pair_keys(the_map)
    assert DuplicateDismissal.objects.count() == 1
    listed = client.get("/api/v1/maps/dup/duplicates/").json()["results"]
    assert {"deceptive", "twin"} not in [{p["a"]["key"], p["b"]["key"]} for p in listed]
    # A redelivered message for a current map changes nothing.
    stored = list(DuplicateCandidate.objects.values_list("id", "computed_at"))
    assert duplicates_refresh(map_id=the_map.pk) == -1
    assert list(DuplicateCandidate.objects.values_list("id", "computed_at")) == stored
    assert Map.objects.get(pk=the_map.pk)  # still there


def test_a_burst_of_edits_sends_one_message(owner, editor, voter):
    import redis
    from django.conf import settings

    the_map = build(owner, editor, voter, slug="burst")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(settings.BACKGROUND_QUEUE)
    from claims.tasks import duplicates_pending_key

    broker.delete(duplicates_pending_key(the_map.pk))
    for i in range(5):
        node_create(map=the_map, kind="crux", key=f"b{i}", title=f"Burst {i}", created_by=owner)
    sent = [
        m
        for m in broker.lrange(settings.BACKGROUND_QUEUE, 0, -1)
        if b"claims.tasks.duplicates_refresh" in m
    ]
    assert len(sent) == 1
