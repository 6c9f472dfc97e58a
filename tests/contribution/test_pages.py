"""The pages of an open map: a contributor sees the add and link forms, and edit links
only on their own work; a closed map says so to the signed-in who cannot add; the owner
sets the policy on the map's settings page."""

import pytest
from django.urls import reverse

from claims.models import Activity, Map, Node
from tests.conftest import table_counts
from tests.contribution.conftest import build_map, edge_of, node_of
from tests.contribution.html import Page

pytestmark = pytest.mark.django_db


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


def checked_policy(soup) -> str:
    (checked,) = [
        e.attrs["value"]
        for e in soup.tags("input", inside="contribution-form")
        if e.attrs.get("name") == "contribution" and "checked" in e.attrs
    ]
    return checked


def node_url(the_map, key):
    return reverse("node", args=[the_map.slug, key])


def signed_in(client, people, who):
    if who != "anonymous":
        client.force_login(people[who])
    return client


@pytest.fixture
def open_map(people):
    return build_map(people, visibility="public", contribution="open")


@pytest.fixture
def closed_map(people):
    return build_map(people, visibility="public", contribution="closed")


def test_a_contributor_sees_add_and_link_but_no_edit_on_others_work(client, people, open_map):
    soup = page(signed_in(client, people, "outsider"), node_url(open_map, "theirs"))
    assert soup.one("add-node-form") is not None
    assert soup.one("link-form") is not None
    assert soup.one("edit-form") is None
    assert soup.one("edge-pick-form") is None
    assert soup.testid("edge-edit-link") == []
    assert soup.one("open-map-note") is not None


def test_a_contributor_edits_the_wording_and_the_links_they_wrote(client, people, open_map):
    soup = page(signed_in(client, people, "outsider"), node_url(open_map, "own-outsider"))
    assert soup.one("edit-form") is not None
    links = soup.testid("edge-edit-link")
    assert [a.attrs["href"].split("edge=")[1] for a in links] == ["own-outsider-edge"]
    # The frame page lists every argument: the edit link only on their own.
    soup = page(client, node_url(open_map, "frame"))
    assert soup.one("edit-form") is None


def test_an_editor_still_sees_every_form(client, people, open_map):
    soup = page(signed_in(client, people, "editor"), node_url(open_map, "theirs"))
    for testid in ("add-node-form", "link-form", "edit-form", "edge-pick-form"):
        assert soup.one(testid) is not None, testid
    assert soup.one("open-map-note") is None


def test_a_closed_map_tells_the_signed_in_why_there_is_no_form(client, people, closed_map):
    soup = page(signed_in(client, people, "outsider"), node_url(closed_map, "theirs"))
    assert soup.one("add-node-form") is None
    note = soup.one("closed-map-note")
    assert note is not None and "closed" in note.text
    soup = page(client, reverse("map", args=[closed_map.slug]))
    assert "closed" in soup.one("contribution-note").text


def test_a_visitor_on_an_open_map_is_invited_to_log_in(client, people, open_map):
    soup = page(client, node_url(open_map, "theirs"))
    assert soup.one("add-node-form") is None
    (link,) = soup.tags("a", inside="open-map-login")
    assert link.attrs["href"].startswith("/accounts/login/")


def test_a_contributor_adds_and_links_a_crux_through_the_page(client, people, open_map):
    signed_in(client, people, "outsider")
    response = client.post(
        reverse("node_add", args=[open_map.slug, "frame"]),
        {
            "kind": "crux",
            "title": "A newcomer's crux",
            "text": "",
            "link_kind": "undermines",
            "weight": "0.6",
        },
    )
    assert response.status_code == 302
    node = Node.objects.get(map=open_map, title="A newcomer's crux")
    assert node.created_by == people["outsider"]
    assert node.out_edges.get().target.key == "frame"
    response = client.post(
        reverse("node_link", args=[open_map.slug, "base"]),
        {"kind": "related", "target": "A newcomer's crux", "weight": "0.5"},
    )
    assert response.status_code == 302
    verbs = list(Activity.objects.filter(map=open_map).values_list("verb", flat=True)[:3])
    assert verbs == ["edge_added", "edge_added", "node_added"]


@pytest.mark.parametrize(
    ("key", "expected"), [("own-outsider", 302), ("theirs", 403)], ids=["own", "others"]
)
def test_the_wording_form_saves_only_the_contributors_own(client, people, open_map, key, expected):
    signed_in(client, people, "outsider")
    before = table_counts()
    response = client.post(
        reverse("node_edit", args=[open_map.slug, key]),
        {"title": "Reworded", "text": "", "revision": "1"},
    )
    assert response.status_code == expected
    if expected == 302:
        assert node_of(open_map, key).title == "Reworded"
    else:
        assert table_counts() == before and node_of(open_map, key).title == "Theirs"


@pytest.mark.parametrize(
    ("edge", "expected"),
    [("own-outsider-edge", 302), ("theirs-edge", 403)],
    ids=["own", "others"],
)
def test_the_edge_form_saves_only_the_contributors_own(client, people, open_map, edge, expected):
    signed_in(client, people, "outsider")
    url = reverse("edge_edit", args=[open_map.slug, "frame"])
    assert client.get(f"{url}?edge={edge}").status_code == (200 if expected == 302 else 403)
    weight = edge_of(open_map, edge).weight
    response = client.post(
        url,
        {
            "edge": edge,
            "revision": "1",
            "weight": "0.2",
            "rationale": "",
            "sources": "",
            "group": "",
        },
    )
    assert response.status_code == expected
    assert edge_of(open_map, edge).weight == (0.2 if expected == 302 else weight)


@pytest.mark.parametrize("who", ["anonymous", "outsider", "voter"])
def test_a_closed_maps_forms_refuse_non_editors(client, people, closed_map, who):
    signed_in(client, people, who)
    before = table_counts()
    response = client.post(
        reverse("node_add", args=[closed_map.slug, "frame"]),
        {"kind": "crux", "title": "Sneaky", "text": "", "link_kind": "supports", "weight": "0.5"},
    )
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who == "anonymous":
        assert "/login" in response["Location"]
    assert table_counts() == before


# --- the owner's settings page ------------------------------------------------


def test_the_settings_page_sets_the_policy(client, people, closed_map):
    signed_in(client, people, "owner")
    url = reverse("members", args=[closed_map.slug])
    soup = page(client, url)
    assert soup.tags("h1")[0].text == "Settings and members"
    form = soup.one("contribution-form")
    assert checked_policy(soup) == "closed"
    labels = form.text
    assert "Closed:" in labels and "Open:" in labels
    response = client.post(url, {"contribution": "open"})
    assert response.status_code == 302
    assert Map.objects.get(pk=closed_map.pk).contribution == "open"
    soup = page(client, url)
    assert checked_policy(soup) == "open"
    entry = Activity.objects.filter(map=closed_map).first()
    assert entry.verb == "map_edited" and entry.detail["contribution"] == "open"


def test_the_settings_page_refuses_a_bad_policy(client, people, closed_map):
    signed_in(client, people, "owner")
    before = table_counts()
    response = client.post(reverse("members", args=[closed_map.slug]), {"contribution": "all"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert Map.objects.get(pk=closed_map.pk).contribution == "closed"
    assert table_counts() == before


@pytest.mark.parametrize("who", ["outsider", "voter", "editor"])
def test_only_the_owner_sets_the_policy_through_the_page(client, people, closed_map, who):
    signed_in(client, people, who)
    response = client.post(reverse("members", args=[closed_map.slug]), {"contribution": "open"})
    assert response.status_code == 403
    assert Map.objects.get(pk=closed_map.pk).contribution == "closed"


def test_the_map_page_links_the_owner_to_settings(client, people, open_map):
    soup = page(signed_in(client, people, "owner"), reverse("map", args=[open_map.slug]))
    assert soup.one("members-link").text == "Settings and members"
    assert "open" in soup.one("contribution-note").text


# --- deleting through the pages ------------------------------------------------


def test_a_contributor_sees_delete_only_on_their_own_node(client, people, open_map):
    signed_in(client, people, "outsider")
    assert page(client, node_url(open_map, "own-outsider")).one("node-delete-form") is not None
    assert page(client, node_url(open_map, "theirs")).one("node-delete-form") is None


@pytest.mark.parametrize(
    ("key", "expected"), [("own-outsider", 302), ("theirs", 403)], ids=["own", "others"]
)
def test_the_delete_form_removes_only_the_contributors_own(client, people, open_map, key, expected):
    signed_in(client, people, "outsider")
    before = table_counts()
    response = client.post(reverse("node_delete", args=[open_map.slug, key]), {"confirm": "on"})
    assert response.status_code == expected
    assert (node_of(open_map, key) is None) == (expected == 302)
    if expected == 403:
        assert table_counts() == before


def test_a_deletion_needs_the_box_ticked(client, people, open_map):
    signed_in(client, people, "outsider")
    response = client.post(reverse("node_delete", args=[open_map.slug, "own-outsider"]), {})
    assert response.status_code == 400
    assert b"Tick the box" in response.content
    assert node_of(open_map, "own-outsider") is not None


@pytest.mark.parametrize(
    ("edge", "expected"),
    [("own-outsider-edge", 302), ("theirs-edge", 403)],
    ids=["own", "others"],
)
def test_the_edge_delete_form_removes_only_the_contributors_own(
    client, people, open_map, edge, expected
):
    signed_in(client, people, "outsider")
    if expected == 302:
        url = reverse("edge_edit", args=[open_map.slug, "frame"])
        assert page(client, f"{url}?edge={edge}").one("edge-delete-form") is not None
    response = client.post(
        reverse("edge_delete", args=[open_map.slug, "frame"]), {"edge": edge, "confirm": "on"}
    )
    assert response.status_code == expected
    assert (edge_of(open_map, edge) is None) == (expected == 302)


def test_an_editor_deletes_anyones_node_through_the_page(client, people, open_map):
    signed_in(client, people, "editor")
    assert page(client, node_url(open_map, "theirs")).one("node-delete-form") is not None
    response = client.post(
        reverse("node_delete", args=[open_map.slug, "theirs"]), {"confirm": "on"}
    )
    assert response.status_code == 302 and node_of(open_map, "theirs") is None
    assert Activity.objects.filter(map=open_map).first().verb == "node_deleted"
