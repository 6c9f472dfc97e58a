"""Why a crux ranks where it does (issue 13, points 5 and 6): stored with each run, served
by GET …/ranking/ (global and per frame) and shown on the frame and node pages.

The map: Strong supports Bridge, which supports Deception; Twin A and Twin B support Rival
alike (equal scores: a shared rank); Loner is only `related` to Deception (no argument
leads from it to a frame).
"""

import json
import re

import pytest
from rest_framework.test import APIClient

from claims.models import Edge, Map
from claims.services import edge_create, map_create, node_create
from cruxes import ranking
from cruxes.models import CruxScore, RankingRun
from cruxes.services import ranking_refresh, ranking_snapshot, vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/maps/why/ranking/"


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    settings.RANKING_DEBOUNCE_MS = 0


@pytest.fixture
def why_map(db):
    owner = UserFactory(username="why-owner")
    the_map = map_create(slug="why", title="Why", owner=owner)

    def node(key, kind, title, **extra):
        return node_create(map=the_map, kind=kind, key=key, title=title, created_by=owner, **extra)

    deception = node("deception", "frame", "Deception", category="outer")
    rival = node("rival", "frame", "Rival", category="outer")
    strong = node("strong", "crux", "Strong crux")
    bridge = node("bridge", "claim", "Bridge claim")
    twins = [node(f"twin-{x}", "crux", f"Twin {x.upper()}") for x in "ab"]
    loner = node("loner", "crux", "Loner")

    def link(source, target, kind="supports"):
        edge_create(map=the_map, source=source, target=target, kind=kind, created_by=owner)

    link(strong, bridge)
    link(bridge, deception)
    for twin in twins:
        link(twin, rival)
    link(loner, deception, "related")
    ranking_refresh(map_id=the_map.pk)
    return the_map


def edges_of(the_map: Map) -> set[tuple[str, str]]:
    return set(
        Edge.objects.filter(map=the_map, kind__in=["supports", "undermines"]).values_list(
            "source__key", "target__key"
        )
    )


def by_id(body: dict) -> dict[str, dict]:
    return {c["id"]: c for c in body["cruxes"]}


def text(html: str) -> str:
    """What a reader sees: tags dropped, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".").strip()


# ---- stored ----------------------------------------------------------------------


def test_a_stored_run_keeps_each_cruxs_why_as_the_engine_gave_it(why_map):
    _, nodes, edges = ranking_snapshot(why_map.pk)
    result = ranking.rank(nodes, edges)
    run = RankingRun.objects.get(map=why_map)
    stored = {(s.crux_key, s.frame_key): s for s in CruxScore.objects.filter(run=run).order_by()}
    for crux in result.cruxes:
        row = stored[crux.key, ""]
        assert row.connected is crux.connected
        assert row.disagreement == pytest.approx(crux.disagreement)
        assert row.discrimination == pytest.approx(crux.discrimination)
        for f in crux.frames:
            assert json.loads(stored[crux.key, f.frame].path) == list(f.path)
    assert run.ranked[""]["count"] == len(result.cruxes)


def test_equal_scores_share_a_rank_in_a_frames_list_and_the_tally_says_so(why_map):
    run = RankingRun.objects.get(map=why_map)
    ranks = dict(
        CruxScore.objects.filter(run=run, frame_key="rival").values_list("crux_key", "rank")
    )
    assert ranks == {"twin-a": 1, "twin-b": 1}
    assert run.ranked["rival"] == {"count": 2, "shared": {"1": 2}}
    assert run.ranked["deception"] == {"count": 1, "shared": {}}


# ---- served ----------------------------------------------------------------------


def test_the_ranking_serves_each_crux_connected_and_its_why(why_map):
    body = APIClient().get(API).json()
    cruxes = by_id(body)
    assert set(cruxes) == {"strong", "twin-a", "twin-b", "loner"}
    for crux in cruxes.values():
        why = crux["why"]
        assert set(why) == {"credence", "uncertainty", "disagreement", "discrimination", "frames"}
        assert why["credence"] == crux["credence"] and why["uncertainty"] == crux["uncertainty"]
        assert why["disagreement"] == crux["disagreement"]
        assert why["discrimination"] == crux["discrimination"]
        moved = [abs(m["delta"]) for m in why["frames"]]
        assert moved == sorted(moved, reverse=True)  # most moved first
        assert {m["frame"] for m in why["frames"]} == {f["frame"] for f in crux["frames"]}
    assert [m["frame"] for m in cruxes["strong"]["why"]["frames"]] == ["deception"]
    assert cruxes["loner"]["connected"] is False and cruxes["loner"]["why"]["frames"] == []
    assert all(cruxes[k]["connected"] is True for k in ("strong", "twin-a", "twin-b"))
    assert body["ranked"]["count"] == 4


def test_an_unconnected_crux_is_listed_after_every_connected_one(why_map):
    listed = [c["connected"] for c in APIClient().get(API).json()["cruxes"]]
    assert listed == sorted(listed, reverse=True) and listed[-1] is False


def test_twins_share_their_rank_in_the_served_rankings(why_map):
    cruxes = by_id(APIClient().get(API).json())
    assert cruxes["twin-a"]["rank"] == cruxes["twin-b"]["rank"]
    rival = APIClient().get(API + "?frame=rival").json()
    assert [(c["id"], c["rank"]) for c in rival["cruxes"]] == [("twin-a", 1), ("twin-b", 1)]
    assert rival["ranked"] == {"count": 2, "shared": {"1": 2}}


def test_every_served_route_is_a_chain_of_the_maps_arguments_from_crux_to_frame(why_map):
    edges = edges_of(why_map)
    body = APIClient().get(API).json()
    routes = 0
    for crux in body["cruxes"]:
        for move in crux["why"]["frames"]:
            path = move["path"]
            assert path[0] == crux["id"] and path[-1] == move["frame"], path
            assert all((u, v) in edges for u, v in zip(path, path[1:], strict=False)), path
            routes += 1
    assert routes == 3  # strong -> deception, each twin -> rival
    assert by_id(body)["strong"]["why"]["frames"][0]["path"] == ["strong", "bridge", "deception"]


def test_the_ranking_for_a_frame_gives_each_crux_its_whole_why(why_map):
    whole = by_id(APIClient().get(API).json())
    body = APIClient().get(API + "?frame=deception").json()
    assert body["frame"] == "deception" and body["ranked"] == {"count": 1, "shared": {}}
    (strong,) = body["cruxes"]
    assert strong["id"] == "strong" and strong["connected"] is True
    assert strong["why"] == whole["strong"]["why"]
    assert strong["disagreement"] == whole["strong"]["disagreement"]


def test_a_limited_ranking_is_the_start_of_the_whole_one_why_included(why_map):
    whole = APIClient().get(API).json()["cruxes"]
    for limit in (1, 2, 3):
        page = APIClient().get(API + f"?limit={limit}").json()["cruxes"]
        assert page == whole[:limit]


@pytest.mark.parametrize("voters", [1, 2, 3])
def test_the_why_shows_no_credence_uncertainty_or_disagreement_below_the_privacy_floor(
    why_map, voters
):
    strong = why_map.nodes.get(key="strong")
    for i, credence in enumerate([0.2, 0.9, 0.6][:voters]):
        vote_cast(user=UserFactory(username=f"why-voter{i}"), node=strong, credence=credence)
    ranking_refresh(map_id=why_map.pk)
    figures = ("credence", "uncertainty", "disagreement")
    for url in (API, API + "?frame=deception"):
        crux = by_id(APIClient().get(url).json())["strong"]
        assert crux["n_votes"] == voters
        if voters < 3:
            assert {name: crux["why"][name] for name in figures} == dict.fromkeys(figures)
            assert {name: crux[name] for name in figures} == dict.fromkeys(figures)
        else:
            assert all(crux["why"][name] is not None for name in figures)
            assert crux["why"]["disagreement"] > 0


# ---- pages -----------------------------------------------------------------------


def test_the_frame_page_explains_each_rank_in_words(why_map, client):
    page = client.get("/maps/why/frames/deception/").content.decode()
    row = page[page.index('data-testid="crux-row"') :]
    row = row[: row.index("</li>")]
    words = text(row)
    assert "Why this rank" in words and "<details" in row
    assert "Ranked 1st of 1 for this frame." in words
    assert "Nobody has voted on it yet, so the ranking starts from its prior credence, 50 %." in (
        words
    )
    assert re.search(
        r"If it turned out true, Deception would move from (\d+) % to (\d+) %; if false, to"
        r" (\d+) %\.",
        words,
    )
    assert "The argument runs: Strong crux → supports → Bridge claim → supports → Deception." in (
        words
    )
    assert 'href="/maps/why/nodes/bridge/"' in row and 'href="/maps/why/frames/deception/"' in row


def test_the_why_panel_is_in_the_live_fragment_that_htmx_refreshes(why_map, client):
    fragment = client.get("/maps/why/frames/deception/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="ranking-live"')
    assert 'data-testid="why"' in html and "The argument runs:" in text(html)


def test_the_frame_page_marks_a_shared_rank(why_map, client):
    page = client.get("/maps/why/frames/rival/").content.decode()
    assert re.findall(r'<span class="rank"[^>]*>([^<]*)</span>', page) == ["=1", "=1"]
    assert text(page).count("Ranked 1st of 2 for this frame (shared with 1 other).") == 2


def test_the_node_page_of_a_crux_explains_its_rank(why_map, client):
    words = text(client.get("/maps/why/nodes/strong/").content.decode())
    # the twins share 1st place, so Strong is 3rd
    assert by_id(APIClient().get(API).json())["strong"]["rank"] == 3
    assert "Why this rank Ranked 3rd of 4 among all cruxes." in words
    assert re.search(r"If it turned out true, Deception would move from \d+ % to \d+ %", words)
    assert "The argument runs: Strong crux → supports → Bridge claim → supports → Deception." in (
        words
    )


def test_the_node_page_of_an_unconnected_crux_says_it_moves_no_frame(why_map, client):
    words = text(client.get("/maps/why/nodes/loner/").content.decode())
    assert "Not linked to any frame by an argument, so resolving it would move no frame." in words
    assert "Ranked 4th of 4 among all cruxes." in words
    assert "If it turned out true" not in words


def test_the_node_page_of_a_crux_with_a_shared_rank_says_with_how_many(why_map, client):
    words = text(client.get("/maps/why/nodes/twin-b/").content.decode())
    assert "of 4 among all cruxes (shared with 1 other)." in words


def test_a_claim_has_no_why_panel(why_map, client):
    page = client.get("/maps/why/nodes/bridge/").content.decode()
    assert 'data-testid="why"' not in page


@pytest.mark.parametrize("voters", [2, 3])
def test_the_panels_show_no_community_credence_below_the_privacy_floor(why_map, client, voters):
    strong = why_map.nodes.get(key="strong")
    for i, credence in enumerate([0.2, 0.9, 0.6][:voters]):
        vote_cast(user=UserFactory(username=f"why-voter{i}"), node=strong, credence=credence)
    ranking_refresh(map_id=why_map.pk)
    for url in ("/maps/why/frames/deception/", "/maps/why/nodes/strong/"):
        page = client.get(url).content.decode()
        panel = text(page[page.index('data-testid="why"') :][:4000])
        if voters < 3:
            assert f"{voters} votes so far; the community credence is shown from 3 votes on." in (
                panel
            )
            assert "Community credence" not in panel and "disagreement" not in panel
        else:
            assert re.search(
                r"Community credence \d+ % from 3 votes; (people are split on it|opinions"
                r" differ|people mostly agree) \(disagreement (high|moderate|low)\)\.",
                panel,
            )


def test_the_map_page_marks_an_unconnected_crux_and_lists_it_last(why_map, client):
    page = client.get("/maps/why/").content.decode()
    rows = re.findall(r'<tr data-testid="crux-row">(.*?)</tr>', page, re.S)
    assert "Loner" in rows[-1]
    assert "not linked to any frame by an argument" in text(rows[-1])
    assert all("not linked" not in text(row) for row in rows[:-1])
