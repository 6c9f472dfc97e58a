"""The vote endpoint's fast path: what a voter sees, what it writes, what it costs.

PUT /api/v1/maps/{slug}/nodes/{key}/vote/ reads the token, the node with its map
and the caller's role in two queries, writes in one short transaction, answers
from the vote it wrote, checks each throttle in one Redis round trip, and
publishes at most one recompute message per map while one is pending.
"""

import base64
import json
import time

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from claims.models import Map, MapChange
from claims.services import edge_create, map_create, node_create
from cruxes.models import Vote, VoteAction, VoteHistory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# token+user, node+map+role, then BEGIN, node lock, vote lock, vote write,
# version bump, change log, history, COMMIT.
VOTE_QUERIES = 10


def vote_url(slug: str, key: str = "crux") -> str:
    return f"/api/v1/maps/{slug}/nodes/{key}/vote/"


def graph_version(the_map) -> int:
    return Map.objects.values_list("graph_version", flat=True).get(pk=the_map.pk)


def map_with_cruxes(slug: str, owner, cruxes: int, voters: int = 0):
    """A public map with one frame and `cruxes` cruxes, each voted on by `voters` people."""
    from cruxes.services import vote_cast

    the_map = map_create(slug=slug, title=slug, owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    people = [UserFactory(username=f"{slug}-v{i}") for i in range(voters)]
    for i in range(cruxes):
        key = "crux" if i == 0 else f"crux-{i}"
        crux = node_create(map=the_map, kind="crux", title=f"Crux {i}", key=key, created_by=owner)
        edge_create(
            map=the_map, source=crux, target=frame, kind="supports", weight=0.5, created_by=owner
        )
        for person in people:
            vote_cast(user=person, node=crux, credence=0.3)
    return the_map


def queries_of_a_vote(client, slug: str, credence: float) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.put(vote_url(slug), {"credence": credence}, format="json")
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


def test_a_vote_costs_the_same_queries_on_a_small_and_a_large_map(client_for):
    owner = UserFactory(username="owner")
    small = map_with_cruxes("small-map", owner, cruxes=2)
    large = map_with_cruxes("large-map", owner, cruxes=60, voters=5)
    voter = client_for(UserFactory(username="voter"))
    for the_map in (small, large):  # a first cast, then a change
        first = queries_of_a_vote(voter, the_map.slug, 0.6)
        change = queries_of_a_vote(voter, the_map.slug, 0.7)
        assert len(first) == len(change) == VOTE_QUERIES, "\n".join(first + ["--"] + change)


def test_a_vote_answers_with_what_it_wrote(maps, people, client_for):
    client = client_for(people["registered"])
    answer = client.put(vote_url("open-map"), {"credence": 0.42}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    vote = Vote.objects.get(user=people["registered"], node__key="crux", node__map=maps["public"])
    assert body["node"] == "crux"
    assert body["credence"] == vote.credence == 0.42
    assert body["node_revision"] == body["current_revision"] == vote.node_revision
    assert body["stale"] is False
    assert body["updated_at"] == vote.updated_at.isoformat().replace("+00:00", "Z")
    assert client.get(vote_url("open-map")).json() == body


def test_each_vote_changes_the_map_once_and_is_kept_in_history(maps, people, client_for):
    the_map = maps["public"]
    client = client_for(people["registered"])
    before = graph_version(the_map)
    for credence in (0.2, 0.8):
        assert (
            client.put(vote_url("open-map"), {"credence": credence}, format="json").status_code
            == 200
        )
    assert graph_version(the_map) == before + 2
    changes = MapChange.objects.filter(map=the_map, graph_version__gt=before)
    assert [(c.action, c.node_keys, c.user_id) for c in changes] == [
        ("vote_cast", ["crux"], people["registered"].pk)
    ] * 2
    history = VoteHistory.objects.filter(user=people["registered"]).order_by("id")
    assert [(h.action, h.credence, h.previous_credence, h.graph_version) for h in history] == [
        (VoteAction.CAST, 0.2, None, before + 1),
        (VoteAction.CHANGE, 0.8, 0.2, before + 2),
    ]
    assert client.delete(vote_url("open-map")).status_code == 204
    withdrawn = VoteHistory.objects.filter(user=people["registered"]).latest("id")
    assert (withdrawn.action, withdrawn.credence, withdrawn.previous_credence) == (
        VoteAction.WITHDRAW,
        None,
        0.8,
    )
    assert withdrawn.graph_version == graph_version(the_map) == before + 3
    assert not Vote.objects.filter(user=people["registered"]).exists()


def test_the_same_vote_again_changes_nothing(maps, people, client_for, counts):
    client = client_for(people["registered"])
    first = client.put(vote_url("open-map"), {"credence": 0.65}, format="json").json()
    version, rows = graph_version(maps["public"]), counts()
    again = client.put(vote_url("open-map"), {"credence": 0.65}, format="json")
    assert again.status_code == 200 and again.json() == first
    assert graph_version(maps["public"]) == version
    assert counts() == rows


@pytest.mark.parametrize("credence", [0.0, 0.005, 0.995, 1.0, "0.5", None, True])
def test_a_credence_out_of_range_or_not_a_number_is_a_400_naming_it(
    maps, people, client_for, credence
):
    response = client_for(people["registered"]).put(
        vote_url("open-map"), {"credence": credence}, format="json"
    )
    assert response.status_code == 400
    assert "credence" in response.json()["error"]["fields"]


def test_votes_on_what_does_not_exist_or_is_hidden_are_404(maps, people, client_for):
    outsider = client_for(people["registered"])
    member = client_for(people["voter"])
    cases = [
        (outsider, vote_url("no-such-map"), "no map 'no-such-map'"),
        (outsider, vote_url("open-map", "no-such-node"), "no node 'no-such-node'"),
        # A hidden map is not found, whether or not the node exists.
        (outsider, vote_url("closed-map"), "no map 'closed-map'"),
        (outsider, vote_url("closed-map", "no-such-node"), "no map 'closed-map'"),
        (member, vote_url("closed-map", "no-such-node"), "no node 'no-such-node'"),
    ]
    for client, url, message in cases:
        response = client.put(url, {"credence": 0.5}, format="json")
        assert response.status_code == 404, url
        assert message in response.json()["error"]["message"], url
    assert (
        client_for(None).put(vote_url("open-map"), {"credence": 0.5}, format="json").status_code
        == 401
    )
    assert member.put(vote_url("closed-map"), {"credence": 0.5}, format="json").status_code == 200


def test_a_bad_or_inactive_token_is_a_401(maps, people, client_for):
    from rest_framework.test import APIClient

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert stranger.put(vote_url("open-map"), {"credence": 0.5}, format="json").status_code == 401
    client = client_for(people["registered"])
    people["registered"].is_active = False
    people["registered"].save(update_fields=["is_active"])
    assert client.put(vote_url("open-map"), {"credence": 0.5}, format="json").status_code == 401
    assert not Vote.objects.exists()


# --- throttles ------------------------------------------------------------------


@pytest.fixture
def vote_rate(settings):
    """Set the vote scope's rate for one test (DRF keeps the rates on the class)."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES

    def set_rate(rate: str) -> None:
        rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], vote=rate)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    yield set_rate
    SimpleRateThrottle.THROTTLE_RATES = original


def test_votes_past_the_rate_are_429_with_retry_after(maps, people, client_for, vote_rate):
    vote_rate("3/min")
    client = client_for(people["registered"])
    codes = [
        client.put(vote_url("open-map"), {"credence": c}, format="json").status_code
        for c in (0.1, 0.2, 0.3)
    ]
    refused = client.put(vote_url("open-map"), {"credence": 0.4}, format="json")
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The refused vote wrote nothing, and other people have their own allowance.
    other = client_for(people["voter"])
    assert other.put(vote_url("open-map"), {"credence": 0.5}, format="json").status_code == 200
    assert VoteHistory.objects.filter(user=people["registered"]).count() == 3


def test_votes_go_through_when_the_throttle_store_is_unreachable(
    maps, people, client_for, vote_rate, settings
):
    vote_rate("1/min")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a real client; nothing listens there
    client = client_for(people["registered"])
    started = time.monotonic()
    codes = [
        client.put(vote_url("open-map"), {"credence": c}, format="json").status_code
        for c in (0.1, 0.2, 0.3)
    ]
    assert codes == [200, 200, 200]
    assert time.monotonic() - started < 1.5  # no retries with back-off in the request


def test_the_vote_and_user_rates_are_counted_separately(maps, people, client_for, settings):
    """Each scope has its own window: the user-wide rate refuses a vote too."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], user="2/min", vote="100/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = client_for(people["registered"])
        codes = [
            client.put(vote_url("open-map"), {"credence": c}, format="json").status_code
            for c in (0.1, 0.2, 0.3)
        ]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 429]


# --- recompute messages ----------------------------------------------------------


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


def test_a_burst_of_votes_publishes_one_message_while_one_is_pending(
    maps, people, client_for, broker, django_capture_on_commit_callbacks
):
    from cruxes.tasks import recompute_ranking

    the_map = maps["public"]
    voters = [client_for(UserFactory(username=f"burst{i}")) for i in range(10)]
    for i, client in enumerate(voters):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                client.put(
                    vote_url("open-map"), {"credence": 0.1 + i / 20}, format="json"
                ).status_code
                == 200
            )
    assert queued(broker) == [the_map.pk]
    # The worker takes the flag down before it reads the map: the next vote
    # is not in the run it may already have done, so it publishes again.
    recompute_ranking.run(the_map.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            voters[0].put(vote_url("open-map"), {"credence": 0.9}, format="json").status_code == 200
        )
    assert queued(broker) == [the_map.pk, the_map.pk]


def test_a_message_that_could_not_be_sent_does_not_hold_back_the_next(
    maps, people, client_for, broker, monkeypatch, django_capture_on_commit_callbacks
):
    from cruxes import tasks

    monkeypatch.setattr(tasks, "_broker_down_until", 0.0)
    real_delay = tasks.recompute_ranking.delay

    def broken(*args):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.recompute_ranking, "delay", broken)
    client = client_for(people["registered"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.put(vote_url("open-map"), {"credence": 0.3}, format="json").status_code == 200
    assert queued(broker) == []
    assert not broker.exists(tasks.recompute_pending_key(maps["public"].pk))
    # Once the broker answers again (and the back-off has passed), votes publish.
    monkeypatch.setattr(tasks.recompute_ranking, "delay", real_delay)
    monkeypatch.setattr(tasks, "_broker_down_until", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.put(vote_url("open-map"), {"credence": 0.4}, format="json").status_code == 200
    assert queued(broker) == [maps["public"].pk]


def test_a_vote_commits_when_the_broker_redis_is_down(
    maps, people, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from cruxes import tasks

    monkeypatch.setattr(tasks, "_broker_down_until", 0.0)
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0")
    monkeypatch.setattr(tasks, "_broker_redis", lambda: dead)
    client = client_for(people["registered"])
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(vote_url("open-map"), {"credence": 0.3}, format="json")
    assert response.status_code == 200
    assert time.monotonic() - started < 1
    assert Vote.objects.filter(user=people["registered"], credence=0.3).exists()
    assert tasks._broker_down_until > 0  # later writes skip the broker for a while


@override_settings(CELERY_TASK_ALWAYS_EAGER=True, CELERY_BROKER_URL="memory://")
def test_without_redis_every_write_runs_its_recompute_in_process(monkeypatch):
    """The development mode (no REDIS_URL): no flag, the task runs at once."""
    from cruxes import tasks

    ran = []
    monkeypatch.setattr(tasks.services, "ranking_refresh", lambda map_id: ran.append(map_id))
    assert tasks.recompute_ranking_request(7) and tasks.recompute_ranking_request(7)
    assert ran == [7, 7]
