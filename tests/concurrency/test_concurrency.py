"""Real threads against the real PostgreSQL: votes, edits and links that race.

Each test starts its threads together on a barrier; every thread has its own
database connection (Django's are per thread) and closes it at its end. The
assertions are about what the database holds afterwards, recomputed from the
rows themselves.
"""

import math
import statistics
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import services as claims_services
from claims.models import Edge, Map, MapChange, MapMember, Node, NodeRevision
from claims.services import edge_create, edge_delete, map_create, node_create, node_update
from core.errors import Conflict, NotFound, StaleRevision
from cruxes.models import Vote, VoteAction, VoteHistory
from cruxes.ranking.credence import PRIOR_PSEUDO_VOTES
from cruxes.selectors import credence_summary
from cruxes.services import vote_cast
from cruxes.standing import map_standing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20
JOIN_TIMEOUT = 45


def run_together(n: int, work: Callable[[int], object]) -> list[object]:
    """work(0..n-1) in n threads released at once; each result, or the exception raised."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def thread(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread, args=(i,), name=f"racer-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


def unexpected(results: list[object], *allowed: type[BaseException]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, allowed)]


@pytest.fixture
def enqueued(monkeypatch):
    """How many recomputes were scheduled (on commit), still sending them for real."""
    from claims import hooks
    from cruxes import tasks

    calls = Counter()
    lock = threading.Lock()
    real = tasks.recompute_ranking_soon

    def counting(map_id: int) -> None:
        with lock:
            calls[map_id] += 1
        real(map_id)

    monkeypatch.setattr(hooks._registry, "graph_changed", [counting])
    return calls


@pytest.fixture
def graph(db):
    owner = UserFactory(username="owner")
    the_map = map_create(slug="race", title="Race", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    crux = node_create(
        map=the_map,
        kind="crux",
        title="Crux",
        key="crux",
        text="original",
        prior=0.4,
        created_by=owner,
    )
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    return {"owner": owner, "map": the_map, "frame": frame, "crux": crux}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")
    return client


def graph_version(the_map: Map) -> int:
    return Map.objects.values_list("graph_version", flat=True).get(pk=the_map.pk)


# --- votes ------------------------------------------------------------------


def summary_from_scratch(values: list[float], prior: float, weight: float = 1.0) -> dict:
    """docs/RANKING.md section 2, recomputed here without the engine's code (every voter
    with the same standing `weight`, so the weighted median is the plain median)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "sd": None, "histogram": [0] * 10}
    histogram = [0] * 10
    for x in values:
        histogram[min(9, int(Decimal(str(x)) * 10))] += 1
    logits = [math.log(x / (1 - x)) for x in values]
    middle = statistics.median(logits)
    spread = statistics.median([abs(x - middle) for x in logits])
    tau = max(math.log(9), 3 * 1.4826 * spread)
    kept = [min(middle + tau, max(middle - tau, x)) for x in logits]
    z = (weight * sum(kept) + PRIOR_PSEUDO_VOTES * math.log(prior / (1 - prior))) / (
        weight * n + PRIOR_PSEUDO_VOTES
    )
    return {
        "n": n,
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "sd": statistics.pstdev(values),
        "logodds_mean": 1 / (1 + math.exp(-statistics.fmean(logits))),
        "histogram": histogram,
        "prior": prior,
        "credence": 1 / (1 + math.exp(-z)),
    }


def assert_summary_matches_the_vote_rows(node: Node) -> None:
    node.refresh_from_db()
    rows = list(Vote.objects.filter(node=node).values_list("user_id", "credence"))
    values = [credence for _, credence in rows]
    standing = map_standing(map_id=node.map_id)
    weights = {standing.weight(user_id) for user_id, _ in rows}
    assert len(weights) <= 1  # these tests' voters all have the same standing
    expected = summary_from_scratch(values, node.prior, weights.pop() if weights else 1.0)
    if 0 < len(values) < settings.PRIVACY_MIN_VOTERS:
        # Below the privacy floor others see how many voted and the prior only.
        withheld = ("mean", "median", "sd", "logodds_mean", "histogram", "credence")
        expected.update(dict.fromkeys(withheld))
    actual = credence_summary(node=node)
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value, abs=1e-12), key
        else:
            assert actual[key] == value, key


def assert_history_replays_to_the_votes(node: Node) -> int:
    """Per person: first a cast, then changes chained by previous_credence, ending at the vote."""
    current = dict(Vote.objects.filter(node=node).values_list("user_id", "credence"))
    replayed: dict[int, float] = {}
    entries = VoteHistory.objects.filter(node=node).order_by("graph_version")
    for entry in entries:
        if entry.user_id not in replayed:
            assert entry.action == VoteAction.CAST, entry
        else:
            assert entry.action == VoteAction.CHANGE, entry
            assert entry.previous_credence == replayed[entry.user_id], entry
        replayed[entry.user_id] = entry.credence
    assert replayed == current
    versions = list(entries.values_list("graph_version", flat=True))
    assert len(set(versions)) == len(versions), "two changes produced the same version"
    return len(versions)


def test_votes_of_many_people_on_one_crux_all_count(graph, enqueued):
    """20 threads x 50 changes, one person per thread: none lost, aggregates exact."""
    crux, the_map = graph["crux"], graph["map"]
    voters = [UserFactory(username=f"voter{i}") for i in range(THREADS)]
    rounds = 50
    version_before = graph_version(the_map)

    def credence(i: int, k: int) -> float:
        return round(0.05 + ((i + k) % 19) * 0.05, 2)  # a different value every round

    def work(i: int) -> float:
        for k in range(rounds):
            vote_cast(user=voters[i], node=crux, credence=credence(i, k))
        return credence(i, rounds - 1)

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    votes = dict(Vote.objects.filter(node=crux).values_list("user_id", "credence"))
    assert votes == {voters[i].pk: results[i] for i in range(THREADS)}
    history = Counter(VoteHistory.objects.filter(node=crux).values_list("action", flat=True))
    assert history == {VoteAction.CAST: THREADS, VoteAction.CHANGE: THREADS * (rounds - 1)}
    assert assert_history_replays_to_the_votes(crux) == THREADS * rounds
    assert graph_version(the_map) == version_before + THREADS * rounds
    assert MapChange.objects.filter(map=the_map, action="vote_cast").count() == THREADS * rounds
    assert enqueued[the_map.pk] == THREADS * rounds  # one recompute scheduled per commit
    assert_summary_matches_the_vote_rows(crux)


def test_one_person_changing_a_vote_from_many_requests_keeps_one_vote(graph):
    """20 threads x 10 PUTs of the same person's vote: one Vote row, every change in history."""
    crux = graph["crux"]
    voter = UserFactory(username="restless")
    rounds = 10

    def credence(i: int, k: int) -> float:
        return round(0.01 + (i * rounds + k) * 0.0049, 4)  # 200 distinct values

    def work(i: int) -> list[int]:
        client = client_for(voter)
        return [
            client.put(
                "/api/v1/maps/race/nodes/crux/vote/", {"credence": credence(i, k)}, format="json"
            ).status_code
            for k in range(rounds)
        ]

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    assert all(codes == [200] * rounds for codes in results), results
    assert Vote.objects.filter(user=voter, node=crux).count() == 1
    entries = VoteHistory.objects.filter(user=voter, node=crux)
    assert Counter(entries.values_list("action", flat=True)) == {
        VoteAction.CAST: 1,
        VoteAction.CHANGE: THREADS * rounds - 1,
    }
    sent = {credence(i, k) for i in range(THREADS) for k in range(rounds)}
    assert set(entries.values_list("credence", flat=True)) == sent
    assert assert_history_replays_to_the_votes(crux) == THREADS * rounds
    assert_summary_matches_the_vote_rows(crux)


# --- node edits -----------------------------------------------------------


def test_concurrent_edits_of_one_revision_let_exactly_one_win(graph):
    crux = graph["crux"]
    editors = [UserFactory(username=f"editor{i}") for i in range(THREADS)]

    def work(i: int) -> Node:
        return node_update(
            node=crux, edited_by=editors[i], expected_revision=1, text=f"edit by {i}"
        )

    results = run_together(THREADS, work)
    assert unexpected(results, StaleRevision) == []
    winners = [i for i, r in enumerate(results) if isinstance(r, Node)]
    assert len(winners) == 1
    assert sum(isinstance(r, StaleRevision) for r in results) == THREADS - 1
    crux.refresh_from_db()
    assert crux.revision == 2 and crux.text == f"edit by {winners[0]}"
    kept = list(NodeRevision.objects.filter(node=crux).values_list("revision", "text", "edited_by"))
    assert kept == [(1, "original", editors[winners[0]].pk)]


def test_concurrent_edits_that_retry_on_stale_lose_no_revision(graph):
    crux = graph["crux"]
    n = 10

    def work(i: int) -> int:
        attempts = 0
        while True:
            attempts += 1
            seen = Node.objects.get(pk=crux.pk)
            try:
                node_update(
                    node=seen, edited_by=None, expected_revision=seen.revision, text=f"edit {i}"
                )
                return attempts
            except StaleRevision:
                continue

    results = run_together(n, work)
    assert unexpected(results) == []
    crux.refresh_from_db()
    assert crux.revision == 1 + n
    revisions = list(
        NodeRevision.objects.filter(node=crux).order_by("revision").values_list("revision", "text")
    )
    assert [r for r, _ in revisions] == list(range(1, n + 1))
    texts = [t for _, t in revisions] + [crux.text]
    assert texts[0] == "original"
    assert sorted(texts[1:]) == sorted(f"edit {i}" for i in range(n))  # every edit, once


def test_concurrent_api_edits_of_one_revision_are_one_200_and_the_rest_409(graph):
    editor = UserFactory(username="editor")
    MapMember.objects.create(map=graph["map"], user=editor, role="editor")
    n = 12

    def work(i: int):
        response = client_for(editor).patch(
            "/api/v1/maps/race/nodes/crux/", {"text": f"api edit {i}", "revision": 1}, format="json"
        )
        return response.status_code, response.json()

    results = run_together(n, work)
    assert unexpected(results) == []
    codes = Counter(code for code, _ in results)
    assert codes == {200: 1, 409: n - 1}, results
    assert all(body["error"]["code"] == "stale_revision" for code, body in results if code == 409)
    crux = Node.objects.get(pk=graph["crux"].pk)
    assert crux.revision == 2
    assert NodeRevision.objects.filter(node=crux).count() == 1


# --- links and keys -----------------------------------------------------------


def test_concurrent_creation_of_one_edge_is_one_201_and_the_rest_409(graph):
    claim = node_create(
        map=graph["map"], kind="claim", title="Claim", key="claim", created_by=graph["owner"]
    )
    version_before = graph_version(graph["map"])
    body = {"source": "claim", "target": "crux", "kind": "supports", "weight": 0.5}

    def work(i: int):
        response = client_for(graph["owner"]).post("/api/v1/maps/race/edges/", body, format="json")
        return response.status_code, response.json()

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    assert Counter(code for code, _ in results) == {201: 1, 409: THREADS - 1}, results
    for code, payload in results:
        if code == 409:
            assert set(payload) == {"error"} and "already exists" in payload["error"]["message"]
    assert Edge.objects.filter(source=claim, target=graph["crux"], kind="supports").count() == 1
    assert graph_version(graph["map"]) == version_before + 1


def test_concurrent_creation_of_one_node_key_is_one_201_and_the_rest_409(graph):
    before = Node.objects.count()

    def work(i: int):
        response = client_for(graph["owner"]).post(
            "/api/v1/maps/race/nodes/",
            {"kind": "claim", "title": f"Mine {i}", "key": "contested"},
            format="json",
        )
        return response.status_code, response.json()

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    assert Counter(code for code, _ in results) == {201: 1, 409: THREADS - 1}, results
    assert all(body["error"]["fields"] == {"key": ["taken"]} for c, body in results if c == 409)
    assert Node.objects.count() == before + 1


def test_concurrent_nodes_with_one_title_get_distinct_keys(graph):
    def work(i: int):
        response = client_for(graph["owner"]).post(
            "/api/v1/maps/race/nodes/", {"kind": "claim", "title": "Same title"}, format="json"
        )
        return response.status_code, response.json().get("key")

    n = 8
    results = run_together(n, work)
    assert unexpected(results) == []
    assert [code for code, _ in results] == [201] * n, results
    keys = {key for _, key in results}
    assert len(keys) == n and "same-title" in keys


def test_concurrent_creation_of_one_map_slug_is_one_map_and_the_rest_conflict(graph):
    people = [UserFactory(username=f"mapper{i}") for i in range(THREADS)]

    def work(i: int) -> Map:
        return map_create(slug="wanted", title=f"Mine {i}", owner=people[i])

    results = run_together(THREADS, work)
    assert unexpected(results, Conflict) == []  # the database's refusal would be a 400
    assert sum(isinstance(r, Map) for r in results) == 1
    assert all(r.fields == {"slug": ["taken"]} for r in results if isinstance(r, Conflict))
    assert Map.objects.filter(slug="wanted").count() == 1


def test_votes_on_a_frame_do_not_deadlock_with_subframe_links_to_it(graph):
    """A vote locks the node, a subframe link the map and then its ends: no lock cycle."""
    the_map, frame = graph["map"], graph["frame"]
    voters = [UserFactory(username=f"v{i}") for i in range(THREADS // 2)]
    subframes = [
        node_create(map=the_map, kind="frame", title=f"Sub {i}", key=f"sub-{i}", created_by=None)
        for i in range(THREADS // 2)
    ]
    rounds = 15

    def work(i: int) -> None:
        half = THREADS // 2
        for k in range(rounds):
            if i < half:
                vote_cast(user=voters[i], node=frame, credence=0.2 + 0.5 * (k % 2))
            else:
                edge = edge_create(
                    map=the_map,
                    source=subframes[i - half],
                    target=frame,
                    kind="subframe_of",
                    created_by=None,
                )
                edge_delete(edge=edge)

    results = run_together(THREADS, work)
    assert unexpected(results) == []
    assert Vote.objects.filter(node=frame).count() == THREADS // 2
    assert not Edge.objects.filter(map=the_map, kind="subframe_of").exists()


def test_two_requests_changing_different_fields_of_a_map_both_count(graph):
    """Both loaded the map before either saved: neither writes back the other's field."""
    first, second = (Map.objects.get(pk=graph["map"].pk) for _ in range(2))
    claims_services.map_update(map=first, title="Renamed")
    claims_services.map_update(map=second, description="Described")
    claims_services.map_update(map=first, visibility="private")
    the_map = Map.objects.get(pk=graph["map"].pk)
    assert (the_map.title, the_map.description, the_map.visibility) == (
        "Renamed",
        "Described",
        "private",
    )


# --- a request that loses a race with a delete ------------------------------------


def test_a_vote_or_edit_of_a_node_deleted_meanwhile_is_not_found(graph):
    """The view fetched the node, then another request deleted it: 404, not a 500."""
    voter = UserFactory(username="late")
    fetched = Node.objects.get(pk=graph["crux"].pk)
    claims_services.node_delete(node=Node.objects.get(pk=fetched.pk))
    with pytest.raises(NotFound):
        vote_cast(user=voter, node=fetched, credence=0.5)
    with pytest.raises(NotFound):
        node_update(node=fetched, edited_by=voter, expected_revision=1, text="too late")
    assert not Vote.objects.exists() and not NodeRevision.objects.exists()
