"""Below PRIVACY_MIN_VOTERS voters a node shows how many voted, nothing more
(issue 12, item 15).

With one voter the mean (or the community credence, given the public prior and
n) is that person's vote; with two, mean and SD give both. Every surface that
shows others' votes is checked with 1 and 2 voters (withheld) and 3 (shown):
the credence API, the node, frame and map pages, the three export formats
that carry credences, and the ranking's rows. The ranking still counts the votes.
"""

import io
import json
import re

import networkx as nx
import pytest
from rest_framework.test import APIClient

from claims.services import edge_create, map_create, node_create
from cruxes.services import ranking_refresh, vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VOTES = [0.73, 0.41, 0.86]  # the first voter's, the second's, the third's
VOTERS = [1, 2, 3]


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    # ranking_refresh runs in-process here, right after the votes: no burst to wait out.
    settings.RANKING_DEBOUNCE_MS = 0


@pytest.fixture
def floor_map(db):
    owner = UserFactory(username="floor-owner")
    the_map = map_create(slug="floor", title="Floor", owner=owner)
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    rival = node_create(
        map=the_map, kind="frame", category="outer", title="Rival", key="rival", created_by=owner
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=owner)
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    edge_create(map=the_map, source=crux, target=rival, kind="undermines", created_by=owner)
    ranking_refresh(map_id=the_map.pk)
    return the_map, crux


def voted(floor_map, n: int):
    """The map with the first n voters' votes on the crux, ranked."""
    the_map, crux = floor_map
    voters = [UserFactory(username=f"voter{i}") for i in range(n)]
    for voter, credence in zip(voters, VOTES, strict=False):
        vote_cast(user=voter, node=crux, credence=credence)
    ranking_refresh(map_id=the_map.pk)
    return voters


@pytest.mark.parametrize("n", VOTERS)
def test_the_credence_api_shows_the_count_but_no_statistics_below_three_voters(floor_map, n):
    voted(floor_map, n)
    body = APIClient().get("/api/v1/maps/floor/nodes/crux/credence/").json()
    assert body["n"] == n and body["prior"] == 0.5 and body["privacy_floor"] == 3
    statistics = ("mean", "median", "logodds_mean", "sd", "histogram", "credence")
    if n < 3:
        assert body["withheld"] is True
        assert {key: body[key] for key in statistics} == dict.fromkeys(statistics)
    else:
        assert body["withheld"] is False
        assert body["mean"] == pytest.approx(sum(VOTES) / 3)
        assert sum(body["histogram"]) == 3
        assert all(body[key] is not None for key in statistics)


@pytest.mark.parametrize("n", VOTERS)
def test_the_node_page_shows_the_count_but_no_statistics_below_three_voters(floor_map, client, n):
    voted(floor_map, n)
    page = client.get("/maps/floor/nodes/crux/").content.decode()
    if n < 3:
        assert re.search(rf'data-testid="credence-withheld">{n} votes? so far', page)
        # No figure: the words may appear in explanations ("… means …"), the numbers not.
        assert not re.search(r"\b(mean|median) \d", page) and 'class="hist"' not in page
        assert "Community" not in page
    else:
        assert "credence-withheld" not in page
        assert "from 3 votes (mean 67 %, median 73 %)" in page and 'class="hist"' in page


@pytest.mark.parametrize("n", VOTERS)
def test_the_frame_page_shows_the_count_but_no_histogram_below_three_voters(floor_map, client, n):
    voted(floor_map, n)
    page = client.get("/maps/floor/frames/frame/").content.decode()
    row = page[page.index('data-testid="crux-row"') :]
    row = row[: row.index("</li>")]
    if n < 3:
        assert f"{n} vote{'s' if n > 1 else ''} (community credence shown from 3)" in row
        assert 'class="hist"' not in row and "Community" not in row
    else:
        assert re.search(r"Community \d+ % \(3 votes\)", row)
        assert 'class="hist"' in row


@pytest.mark.parametrize("n", VOTERS)
def test_the_map_page_shows_the_count_but_no_credence_below_three_voters(floor_map, client, n):
    voted(floor_map, n)
    page = client.get("/maps/floor/").content.decode()
    cells = re.findall(r'<td class="num"([^>]*)>([^<]*)</td><td class="num">(\d+)</td>', page)
    assert len(cells) == 1
    title, credence, votes = cells[0]
    assert int(votes) == n
    if n < 3:
        assert credence == "–" and title == ' title="shown from 3 votes"'
    else:
        assert credence.endswith(" %") and title == ""


def _exported_credence(fmt: str, content: bytes):
    if fmt == "aif":
        nodes = json.loads(content)["nodes"]
        crux = next(n for n in nodes if n.get("argmap", {}).get("id") == "crux")
        return crux["argmap"].get("credence")
    if fmt == "graphml":
        graph = nx.read_graphml(io.BytesIO(content), force_multigraph=True)
        return graph.nodes["crux"].get("credence")
    line = next(line for line in content.decode().splitlines() if 'id: "crux"' in line)
    found = re.search(r"credence: ([\d.]+), n: (\d+)", line)
    return found and (float(found[1]), int(found[2]))


@pytest.mark.parametrize("fmt", ["aif", "graphml", "argdown"])
@pytest.mark.parametrize("n", VOTERS)
def test_exports_carry_no_credence_below_three_voters(floor_map, fmt, n):
    voted(floor_map, n)
    response = APIClient().get(f"/api/v1/maps/floor/export/?format={fmt}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    credence = _exported_credence(fmt, content)
    if n < 3:
        assert credence is None
        for vote in VOTES[:n]:
            assert str(vote).encode() not in content
    else:
        ranking = APIClient().get("/api/v1/maps/floor/ranking/").json()
        # Argdown writes numbers with three decimals.
        tolerance = 0.0005 if fmt == "argdown" else 1e-6
        expected = pytest.approx(ranking["cruxes"][0]["credence"], abs=tolerance)
        assert credence == ((expected, 3) if fmt == "argdown" else expected)


@pytest.mark.parametrize("n", VOTERS)
def test_the_ranking_rows_show_the_count_but_no_credence_below_three_voters(floor_map, n):
    voted(floor_map, n)
    client = APIClient()
    rows = [
        client.get("/api/v1/maps/floor/ranking/").json()["cruxes"][0],
        client.get("/api/v1/maps/floor/ranking/?limit=1").json()["cruxes"][0],
        client.get("/api/v1/maps/floor/ranking/?frame=frame").json()["cruxes"][0],
    ]
    for row in rows:
        assert row["id"] == "crux" and row["n_votes"] == n
        if n < 3:
            assert row["credence"] is None and row["uncertainty"] is None
        else:
            assert 0 < row["credence"] < 1 and 0 < row["uncertainty"] <= 1
        assert row["score"] > 0  # the ranking still counts the votes


def test_the_ranking_diff_dates_no_vote(floor_map):
    the_map, _ = floor_map
    client = APIClient()
    before = client.get("/api/v1/maps/floor/ranking/").json()["graph_version"]
    voted(floor_map, 1)
    after = client.get("/api/v1/maps/floor/ranking/").json()["graph_version"]
    diff = client.get(f"/api/v1/maps/floor/ranking/diff/?from={before}&to={after}").json()
    why = diff["cruxes"][0]["why"]
    assert [entry["action"] for entry in why] == ["vote_cast"]
    assert set(why[0]) == {"graph_version", "action", "nodes"}


def test_a_voter_always_sees_their_own_vote_below_the_floor(floor_map, client):
    (voter,) = voted(floor_map, 1)
    client.force_login(voter)
    page = client.get("/maps/floor/nodes/crux/").content.decode()
    assert "credence-withheld" in page
    assert 'name="percent" min="1" max="99" step="1" value="73"' in page
    api = APIClient()
    api.force_authenticate(voter)
    assert api.get("/api/v1/maps/floor/nodes/crux/vote/").json()["credence"] == 0.73


@pytest.mark.parametrize(("floor", "n", "withheld"), [(1, 1, False), (5, 3, True), (5, 5, False)])
def test_the_floor_is_the_privacy_min_voters_setting(floor_map, settings, floor, n, withheld):
    settings.PRIVACY_MIN_VOTERS = floor
    the_map, crux = floor_map
    for i in range(n):
        vote_cast(user=UserFactory(username=f"v{i}"), node=crux, credence=0.3 + i / 10)
    ranking_refresh(map_id=the_map.pk)
    client = APIClient()
    assert client.get("/api/v1/maps/floor/nodes/crux/credence/").json()["withheld"] is withheld
    row = client.get("/api/v1/maps/floor/ranking/").json()["cruxes"][0]
    assert (row["credence"] is None) is withheld
