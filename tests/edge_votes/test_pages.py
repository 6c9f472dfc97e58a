"""Edges on node pages (issue 14): each shows its rationale, sources, linked group or
undercut and a strength slider, a plain form that votes (CSRF, throttled like node
votes); the privacy floor holds there too; the page's queries do not grow with edges."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.services import edge_create, map_create, node_create
from cruxes.models import EdgeVote
from cruxes.services import edge_vote_cast
from tests.accounts.conftest import throttle_rates  # noqa: F401 - a fixture
from tests.edge_votes.conftest import edge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAH = "nah--supports--frame"
UNDERCUT = "objection--undercuts--nah--supports--frame"


def page(client, key: str, slug: str = "edges") -> str:
    answer = client.get(f"/maps/{slug}/nodes/{key}/")
    assert answer.status_code == 200
    return answer.content.decode()


def edge_block(html: str, key: str, where: str) -> str:
    """One edge's <li> on a page (up to the next edge's, or the end of its list)."""
    start = html.index(f'id="edge-{where}-{key}"')
    end = html.find('<li class="edge"', start + 1)
    return html[start : end if end != -1 else len(html)]


def sliders(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="/maps/edges/edges/([^/]+)/vote/"', html)


def test_an_argument_shows_its_rationale_sources_slider_and_undercut(graph, client, voter):
    client.force_login(voter)
    html = page(client, "nah")
    nah = edge_block(html, NAH, "out")
    assert "If abstractions are natural, pointing at them is easier." in nah
    assert "<cite>The pointers problem</cite>, § para 4<blockquote>natural</blockquote>" in nah
    assert "<cite>NAH essay</cite>" in nah
    assert 'type="range" name="percent" min="0" max="100"' in nah
    # Its undercut is shown under it, an argument of its own with its own slider.
    undercut = edge_block(html, UNDERCUT, "u")
    assert "undercuts this argument" in undercut
    assert "Natural abstractions need not be the ones we care about." in undercut
    assert sliders(html) == [NAH, UNDERCUT]


def test_the_undercutters_page_names_the_argument_it_attacks(graph, client):
    html = page(client, "objection")
    block = edge_block(html, UNDERCUT, "out")
    assert re.search(r"Undercuts the argument <a [^>]*>Nah</a> supports <a [^>]*>Frame</a>", block)
    assert sliders(html) == [UNDERCUT]


def test_linked_premises_name_each_other(graph, client):
    html = page(client, "claim")
    one = edge_block(html, "premise-one--supports--claim", "in")
    assert (
        "linked premise “joint”" in one
        and "Premise-Two</a>: the premises count only jointly" in one
    )
    assert "No rationale given." in one
    # Every edge into and out of the node has its slider.
    assert sorted(sliders(html)) == sorted(
        ["premise-one--supports--claim", "premise-two--supports--claim", "claim--supports--frame"]
    )


def test_the_slider_form_casts_changes_and_withdraws_a_strength(graph, client, voter):
    client.force_login(voter)
    url = f"/maps/edges/edges/{NAH}/vote/"
    answer = client.post(url, {"percent": "80", "next": "/maps/edges/nodes/nah/"})
    assert answer.status_code == 302 and answer["Location"] == "/maps/edges/nodes/nah/"
    assert EdgeVote.objects.get(user=voter).strength == 0.8
    html = client.get("/maps/edges/nodes/nah/").content.decode()
    assert "Saved strength 80 %" in html
    assert 'value="80"' in edge_block(html, NAH, "out")  # the voter sees their own vote
    client.post(url, {"percent": "0", "next": "/maps/edges/nodes/nah/"})
    assert EdgeVote.objects.get(user=voter).strength == 0.0
    client.post(url, {"percent": "100"})  # no next: back to the source's page
    assert EdgeVote.objects.get(user=voter).strength == 1.0
    answer = client.post(url, {"withdraw": "1", "next": "https://evil.example/"})
    assert answer["Location"] == "/maps/edges/nodes/nah/"
    assert not EdgeVote.objects.exists()


@pytest.mark.parametrize("percent", ["101", "-1", "abc", "0.5", ""])
def test_a_bad_percentage_is_refused_with_a_message_and_changes_nothing(
    graph, client, voter, counts, percent
):
    edge_vote_cast(user=voter, edge=edge(graph, "nah"), strength=0.4)
    client.force_login(voter)
    rows = counts()
    answer = client.post(f"/maps/edges/edges/{NAH}/vote/", {"percent": percent}, follow=True)
    assert "Strength must be a whole percentage from 0 to 100." in answer.content.decode()
    assert counts() == rows and EdgeVote.objects.get().strength == 0.4


def test_an_anonymous_visitor_is_sent_to_log_in_and_nothing_is_written(graph, client, counts):
    rows = counts()
    html = page(client, "nah")
    assert "Log in to vote" in edge_block(html, NAH, "out")
    answer = client.post(f"/maps/edges/edges/{NAH}/vote/", {"percent": "80"})
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert counts() == rows


def test_the_form_needs_its_csrf_token(graph, voter, counts):
    client = Client(enforce_csrf_checks=True)
    client.force_login(voter)
    rows = counts()
    assert client.post(f"/maps/edges/edges/{NAH}/vote/", {"percent": "80"}).status_code == 403
    assert counts() == rows


def test_an_unknown_edge_is_a_404(graph, client, voter, counts):
    client.force_login(voter)
    rows = counts()
    assert client.post("/maps/edges/edges/nope/vote/", {"percent": "80"}).status_code == 404
    assert counts() == rows


def test_the_form_is_throttled_like_node_votes(graph, client, voter, throttle_rates):  # noqa: F811
    throttle_rates(vote="2/min")
    client.force_login(voter)
    url = f"/maps/edges/edges/{NAH}/vote/"
    assert client.post(url, {"percent": "10"}).status_code == 302
    assert client.post(url, {"percent": "20"}).status_code == 302
    assert client.post(url, {"percent": "30"}).status_code == 429
    assert EdgeVote.objects.get().strength == 0.2


@pytest.mark.parametrize("n", [1, 2, 3])
def test_the_page_shows_the_pooled_strength_only_from_the_privacy_floor_on(graph, client, n):
    nah = edge(graph, "nah")
    voters = [UserFactory(username=f"v{i}") for i in range(n)]
    for person, strength in zip(voters, [0.91, 0.93, 0.95], strict=False):
        edge_vote_cast(user=person, edge=nah, strength=strength)
    client.force_login(UserFactory(username="onlooker"))
    block = edge_block(page(client, "nah"), NAH, "out")
    if n < 3:
        assert f"{n} strength vote{'s' if n > 1 else ''} so far" in block
        assert "Strength " not in block
    else:
        assert re.search(r"Strength \d+ %, pooled from 3 votes", block)
    # Nobody's own strength shows to anyone else: the slider starts at the author's weight.
    assert 'value="60"' in block and not re.search(r'value="9[135]"', block)


def test_the_node_page_costs_the_same_queries_with_3_or_60_voted_edges(owner, client):
    def hub_map(slug: str, arguments: int) -> None:
        the_map = map_create(slug=slug, title=slug, owner=owner)
        hub = node_create(map=the_map, kind="crux", title="Hub", key="hub", created_by=owner)
        frame = node_create(
            map=the_map, kind="frame", category="outer", title="F", key="f", created_by=owner
        )
        edge_create(map=the_map, source=hub, target=frame, kind="supports", created_by=owner)
        people = [UserFactory(username=f"{slug}-{i}") for i in range(2)]
        for i in range(arguments):
            premise = node_create(
                map=the_map, kind="claim", title=f"P{i}", key=f"p{i}", created_by=owner
            )
            e = edge_create(
                map=the_map,
                source=premise,
                target=hub,
                kind="supports" if i % 3 else "undermines",
                rationale=f"Reason {i}",
                sources=[{"document": f"Doc {i}", "locator": "1", "quote": "q"}],
                group="pair" if i in (1, 2) else None,
                created_by=owner,
            )
            objection = node_create(
                map=the_map, kind="claim", title=f"O{i}", key=f"o{i}", created_by=owner
            )
            u = edge_create(
                map=the_map, source=objection, target_edge=e, kind="undercuts", created_by=owner
            )
            for person in people:
                edge_vote_cast(user=person, edge=e, strength=0.5)
                edge_vote_cast(user=person, edge=u, strength=0.5)

    hub_map("few", 3)
    hub_map("many", 60)
    client.force_login(UserFactory(username="reader"))
    counted = {}
    for slug in ("few", "many"):
        client.get(f"/maps/{slug}/nodes/hub/")  # sessions and caches warm
        with CaptureQueriesContext(connection) as captured:
            html = page(client, "hub", slug=slug)
        counted[slug] = len(captured)
        assert html.count('data-testid="edge-vote-form"') == 1 + 2 * (3 if slug == "few" else 60)
    assert counted["few"] == counted["many"], counted
