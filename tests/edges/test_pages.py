"""The node page's forms for edges (link with rationale, id, group, sources; undercut an
argument; edit an argument) and the selector of a node's edges for its page."""

import pytest

from claims.models import Edge, EdgeRevision
from claims.services import edge_create, edge_update, node_create

pytestmark = pytest.mark.django_db

NODE = "/maps/open-map/nodes"


@pytest.fixture
def as_editor(client, world):
    client.force_login(world["people"]["editor"])
    return client


def test_the_link_form_creates_an_argument_with_rationale_id_group_and_sources(world, as_editor):
    response = as_editor.post(
        f"{NODE}/c1/link/",
        {
            "kind": "supports",
            "target": "Frame",
            "weight": "0.4",
            "rationale": "C1 makes the frame likelier.",
            "sources": "004.txt | ¶ 7 | a quote\n005.txt",
            "group": "joint",
            "key": "c1-for-frame",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    edge = Edge.objects.get(key="c1-for-frame")
    assert (edge.source.key, edge.target.key, edge.kind, edge.weight) == (
        "c1",
        "frame",
        "supports",
        0.4,
    )
    assert (edge.rationale, edge.group) == ("C1 makes the frame likelier.", "joint")
    assert list(edge.sources.order_by("position").values_list("document", "locator", "quote")) == [
        ("004.txt", "¶ 7", "a quote"),
        ("005.txt", "", ""),
    ]


def test_the_link_form_without_id_or_group_uses_the_defaults(world, as_editor):
    response = as_editor.post(
        f"{NODE}/c1/link/", {"kind": "undermines", "target": "frame", "weight": "0.5"}
    )
    assert response.status_code == 302
    edge = Edge.objects.get(key="c1--undermines--frame")
    assert edge.group is None and edge.rationale == ""


def test_the_link_form_undercuts_an_argument_named_by_its_id(world, as_editor):
    response = as_editor.post(
        f"{NODE}/x/link/",
        {
            "kind": "undercuts",
            "target_edge": "crux--supports--frame",
            "weight": "0.8",
            "rationale": "The inference is a non sequitur.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    edge = Edge.objects.get(kind="undercuts")
    assert edge.key == "x--undercuts--crux--supports--frame"
    assert edge.target is None and edge.target_edge.key == "crux--supports--frame"


@pytest.mark.parametrize(
    ("post", "words"),
    [
        ({"kind": "undercuts", "target_edge": "ghost"}, "no edge &#x27;ghost&#x27; in map"),
        (
            {"kind": "undercuts", "target_edge": "frame-b--subframe_of--frame"},
            "only supports and undermines edges can be undercut",
        ),
        ({"kind": "undercuts"}, "name the edge this node undercuts"),
        ({"kind": "undercuts", "target_edge": "x", "target": "frame"}, "leave empty"),
        ({"kind": "supports", "target": "frame", "group": "Two Words"}, "group"),
        ({"kind": "related", "target": "frame", "group": "g"}, "linked groups"),
        ({"kind": "supports", "target": "frame", "rationale": "r" * 2001}, "at most 2000"),
        ({"kind": "supports", "target": "frame", "key": "crux--supports--frame"}, "already exists"),
        ({"kind": "supports", "target": "frame", "sources": " | ¶ 2"}, "needs a document"),
    ],
)
def test_a_refused_link_shows_the_form_again_naming_the_problem(
    world, as_editor, state, post, words
):
    before = state()
    response = as_editor.post(f"{NODE}/x/link/", {"weight": "0.5", **post})
    assert response.status_code == 400
    html = response.content.decode()
    assert words in html, html[html.find("link-form") :][:3000]
    assert state() == before


def test_the_edit_form_opens_filled_in_and_saves_a_revision(world, as_editor):
    edge = world["edges"]["crux--supports--frame"]
    edge_update(
        edge=edge, rationale="Old reason.", sources=[{"document": "004.txt", "locator": "¶ 1"}]
    )
    page = as_editor.get(f"{NODE}/crux/edge-edit/?edge=crux--supports--frame")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="edge-edit-form"' in html
    assert "Old reason." in html and "004.txt | ¶ 1" in html
    assert 'name="revision" value="2"' in html
    saved = as_editor.post(
        f"{NODE}/crux/edge-edit/",
        {
            "edge": "crux--supports--frame",
            "revision": "2",
            "weight": "0.25",
            "rationale": "New reason.",
            "sources": "005.txt | § 2",
            "group": "joint",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == "/maps/open-map/nodes/crux/"
    edge.refresh_from_db()
    assert (edge.revision, edge.weight, edge.rationale, edge.group) == (
        3,
        0.25,
        "New reason.",
        "joint",
    )
    assert list(edge.sources.values_list("document", "locator")) == [("005.txt", "§ 2")]
    assert EdgeRevision.objects.filter(edge=edge).count() == 2


def test_a_stale_edit_is_refused_and_says_why(world, as_editor, state):
    edge = world["edges"]["crux--supports--frame"]
    edge_update(edge=edge, rationale="Someone else's.")
    before = state()
    response = as_editor.post(
        f"{NODE}/crux/edge-edit/",
        {"edge": edge.key, "revision": "1", "weight": "0.6", "rationale": "Mine."},
    )
    assert response.status_code == 400
    assert "Someone edited this argument since you opened it" in response.content.decode()
    assert state() == before


def test_an_edit_of_a_vanished_edge_is_a_form_error(world, as_editor, state):
    before = state()
    response = as_editor.post(
        f"{NODE}/crux/edge-edit/", {"edge": "ghost", "revision": "1", "weight": "0.6"}
    )
    assert response.status_code == 400
    assert "no edge &#x27;ghost&#x27;" in response.content.decode()
    assert state() == before


def test_only_editors_edit_edges(world, client, state):
    url = f"{NODE}/crux/edge-edit/?edge=crux--supports--frame"
    assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(world["people"]["voter"])
    assert client.get(url).status_code == 403
    before = state()
    response = client.post(
        f"{NODE}/crux/edge-edit/",
        {"edge": "crux--supports--frame", "revision": "1", "weight": "0.1"},
    )
    assert response.status_code == 403
    assert state() == before


def test_the_node_page_offers_the_undercut_and_edit_forms_to_editors(world, as_editor, client):
    html = as_editor.get(f"{NODE}/crux/").content.decode()
    assert 'name="target_edge"' in html and 'value="undercuts"' in html
    assert 'name="rationale"' in html and 'name="group"' in html and 'name="key"' in html
    assert 'data-testid="edge-pick-form"' in html


def test_edge_options_list_matching_ids_escaped(world, client):
    node = node_create(
        map=world["map"], kind="crux", title="<b>bold</b>", key="bold", created_by=None
    )
    edge_create(
        map=world["map"],
        source=node,
        target=world["nodes"]["frame"],
        kind="supports",
        created_by=None,
    )
    html = client.get("/maps/open-map/edge-options/?target_edge=bold").content.decode()
    assert '<option value="bold--supports--frame">' in html
    assert "&lt;b&gt;bold&lt;/b&gt; supports Frame" in html and "<b>" not in html
    assert client.get("/maps/open-map/edge-options/?edge=").content == b""
