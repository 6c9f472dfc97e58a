"""Pages that explain themselves (issue 15): every number with a plain-words
explanation, the prior as a starting estimate, rank changes since the previous run, the
"what changed" strip, sources by title, home cards, word-level revision diffs, the
"How the ranking works" page; query counts constant in map size."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Map, MapMember, Node, Source
from claims.services import map_import, node_update
from cruxes.services import ranking_refresh, vote_cast
from tests.factories import UserFactory
from tests.ui.test_pages import synthetic_map

pytestmark = pytest.mark.django_db

DOC = {
    "format": "argmap",
    "version": 2,
    "map": {"slug": "nums", "title": "Numbers"},
    "nodes": [
        {"id": "frame", "kind": "frame", "title": "The frame", "prior": 0.5},
        {"id": "sure", "kind": "crux", "title": "A crux people will settle", "prior": 0.6},
        {"id": "open", "kind": "crux", "title": "An open crux", "prior": 0.5},
    ],
    "edges": [
        {"id": "e1", "source": "sure", "target": "frame", "kind": "supports", "weight": 0.6},
        {"id": "e2", "source": "open", "target": "frame", "kind": "supports", "weight": 0.5},
    ],
}


@pytest.fixture
def nums(owner, settings):
    settings.PRIVACY_MIN_VOTERS = 1
    map_import(data=DOC, owner=owner)
    the_map = Map.objects.get(slug="nums")
    ranking_refresh(map_id=the_map.pk)
    return the_map


def member(the_map: Map):
    """A voter the owner admitted: their vote counts fully."""
    user = UserFactory()
    MapMember.objects.create(map=the_map, user=user, role="voter")
    return user


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def explained_terms(html: str) -> list[str]:
    return re.findall(r'data-testid="explain" data-term="([a-z_]+)"', html)


def test_the_prior_reads_as_a_starting_estimate_until_someone_votes(nums, client):
    page = client.get("/maps/nums/nodes/sure/").content.decode()
    assert "Starting estimate 60 %" in text(page)
    assert "nobody has voted yet" in text(page)
    assert "Community" not in text(page.split('data-testid="credence-starting"')[1][:400])
    vote_cast(user=member(nums), node=Node.objects.get(key="sure"), credence=0.99)
    page = client.get("/maps/nums/nodes/sure/").content.decode()
    words = text(page)
    assert "Community credence <strong>78 %</strong>" in page  # 99 % shrunk toward 60 %
    assert "from 1 vote (mean 99 %, median 99 %)" in words
    # The shrinkage said in words: why not 99 %.
    assert re.search(
        r"Why \d+ % and not 99 %: the starting estimate \(60 %\) counts like four", words
    )


def test_every_number_on_the_node_page_has_an_explanation(nums, client):
    vote_cast(user=UserFactory(), node=Node.objects.get(key="sure"), credence=0.8)
    ranking_refresh(map_id=nums.pk)
    page = client.get("/maps/nums/nodes/sure/").content.decode()
    terms = explained_terms(page)
    for term in ("rank", "score", "moves", "credence", "mean"):
        assert term in terms, term
    # Each explanation describes its button, and its id is unique on the page.
    ids = re.findall(r'aria-describedby="([^"]+)"', page)
    assert len(ids) == len(set(ids)) == len(terms)
    for x in ids:
        assert f'role="tooltip" id="{x}"' in page


def test_frame_and_map_pages_link_the_legend_and_how_it_works(nums, client):
    for url in ("/maps/nums/", "/maps/nums/frames/frame/", "/"):
        page = client.get(url).content.decode()
        assert 'href="/how-ranking-works/"' in page, url
    page = client.get("/maps/nums/frames/frame/").content.decode()
    legend = text(page.split('data-testid="numbers-legend"')[1].split("</details>")[0])
    assert "Starting estimate" in legend and "four votes" in legend
    assert "a confident vote can move a crux down" in legend


def test_how_the_ranking_works_says_why_one_vote_shows_83_and_serves_the_maths(client):
    page = text(client.get("/how-ranking-works/").content.decode())
    assert "starting estimate" in page.lower()
    assert (
        "one vote at 99 % on a statement whose starting estimate is 70 % gives about 83 %" in page
    )
    assert "less worth discussing" in page
    doc = client.get("/how-ranking-works/RANKING.md")
    assert doc.status_code == 200 and doc["Content-Type"].startswith("text/plain")
    assert b"# Crux ranking" in doc.content
    assert client.get("/how-ranking-works/other.md").status_code == 404


def test_frame_rows_explain_every_number_and_show_the_starting_estimate(nums, client):
    page = client.get("/maps/nums/frames/frame/").content.decode()
    rows = page.split('data-testid="crux-row"')[1:]
    assert len(rows) == 2
    for row in rows:
        row = row.split("</li>")[0]
        terms = explained_terms(row)
        assert {"score", "starting", "if_true"} <= set(terms), terms
        assert "Starting estimate" in text(row) and "Community" not in text(row).split("Why")[0]
    assert "strength" in explained_terms(page) and "version" in explained_terms(page)


def ranks(page: str) -> dict[str, int]:
    """Each crux row's rank on a frame page, by crux key."""
    return {
        key: int(rank)
        for rank, key in re.findall(
            r'class="rank"[^>]*>=?(\d+)</span>.*?href="/maps/nums/nodes/([a-z]+)/"', page, re.S
        )
    }


def marks(page: str) -> dict[str, str]:
    return {
        key: mark
        for mark, key in re.findall(
            r'data-testid="rank-change" data-kind="\w+"><span aria-hidden="true">([^<]+)</span>'
            r'.*?href="/maps/nums/nodes/([a-z]+)/"',
            page,
            re.S,
        )
    }


def test_a_vote_marks_how_each_crux_moved_since_the_previous_run(nums, client):
    page = client.get("/maps/nums/frames/frame/").content.decode()
    assert 'data-testid="rank-change"' not in page  # no earlier run to compare with
    before = ranks(page)
    assert before == {"sure": 1, "open": 2}  # the stronger argument, undecided
    for _ in range(3):  # the community settles the top crux: it is less worth discussing
        vote_cast(user=member(nums), node=Node.objects.get(key="sure"), credence=0.99)
    ranking_refresh(map_id=nums.pk)
    page = client.get("/maps/nums/frames/frame/").content.decode()
    assert ranks(page) == {"open": 1, "sure": 2}
    assert marks(page) == {"open": "↑1", "sure": "↓1"}
    assert "down 1 place since the previous ranking" in page
    mapped = client.get("/maps/nums/").content.decode()
    strip = mapped.split('data-testid="what-changed"')[1].split("</section>")[0]
    moved = {
        text(re.sub(r'<span role="tooltip".*?</span>|<span class="sr">.*?</span>', "", row))
        .replace("?", "")
        .split()[0]: text(row)
        for row in strip.split('data-testid="changed-row">')[1:]
    }
    assert "An open crux #2 → #1" in moved["↑1"]
    assert "A crux people will settle #1 → #2" in moved["↓1"]
    assert text(strip).count("a vote on “A crux people will settle”") == 1


def test_sources_show_titles_and_never_a_bare_file_name_as_a_title(nums, client):
    node = Node.objects.get(key="sure")
    Source.objects.create(node=node, document="An Inside View of AI Alignment", locator="§ 2")
    Source.objects.create(
        node=node, document="004_0cb1fd98b658d8c9.txt", locator="p. 3", position=1
    )
    page = client.get("/maps/nums/nodes/sure/").content.decode()
    assert '<cite data-testid="source-title">An Inside View of AI Alignment</cite>' in page
    assert '<cite data-testid="source-title">004_' not in page
    assert '<code data-testid="source-file">004_0cb1fd98b658d8c9.txt</code>' in page


def test_home_cards_tell_two_maps_with_the_same_title_apart(nums, client, owner):
    doc = {**DOC, "map": {"slug": "nums-copy", "title": "Numbers", "visibility": "private"}}
    map_import(data=doc, owner=UserFactory(username="ada"))
    client.force_login(Map.objects.get(slug="nums-copy").owner)
    page = client.get("/").content.decode()
    cards = [text(c.split("</li>")[0]) for c in page.split('data-testid="map-card"')[1:]]
    assert len(cards) == 2
    first, second = cards
    assert f"Owner {owner.username}" in first and "Owner ada" in second
    assert "Visibility public" in first and "Visibility private" in second
    assert "1 frames · 2 cruxes · 3 nodes" in first
    assert re.search(r"Last activity \d+ \w+ \d{4}", second)


def test_revision_history_is_a_word_level_diff(nums, client, owner):
    node = Node.objects.get(key="sure")
    node_update(
        node=node,
        title="A crux people will surely settle",
        expected_revision=node.revision,
        edited_by=owner,
    )
    page = client.get("/maps/nums/nodes/sure/").content.decode()
    history = page.split('data-testid="word-diff"')[1]
    assert "@@" not in page
    assert "<ins>surely </ins>" in history or "<ins>surely</ins>" in history


def test_query_counts_stay_constant_with_rank_changes_and_the_strip(client):
    small = synthetic_map("small-map", cruxes=10)
    large = synthetic_map("large-map", cruxes=500)
    voter = UserFactory(username="voter-q")
    for the_map in (small, large):  # a second run, so rows compare with the first
        crux = Node.objects.filter(map=the_map, kind="crux").order_by("key").first()
        vote_cast(user=voter, node=crux, credence=0.9)
        ranking_refresh(map_id=the_map.pk)
    counts = []
    for the_map in (small, large):
        frame = Node.objects.filter(map=the_map, kind="frame").order_by("key").first()
        row = []
        for url in (f"/maps/{the_map.slug}/", f"/maps/{the_map.slug}/frames/{frame.key}/"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            row.append(len(ctx.captured_queries))
        counts.append(row)
    assert counts[0] == counts[1]
