"""The activity page, the Atom feed, My activity and the Watch button, as a browser gets them."""

import xml.etree.ElementTree as ET

import pytest

from claims.models import ActivityVerb
from discussion.models import Watch
from discussion.watch import watch_set
from tests.activity.conftest import added, comment_on, hide, record

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- the activity page ---------------------------------------------------------


def test_the_activity_page_lists_entries_with_actor_and_subject_links(client, world, owner):
    added(world["public"]["crux"], owner)
    page = client.get("/maps/open-map/activity/").content.decode()
    assert 'href="/maps/open-map/activity/?actor=owner"' in page
    assert 'href="/maps/open-map/nodes/crux/"' in page
    assert "added the crux" in page and "“Deception is likely”" in page
    assert 'type="application/atom+xml"' in page


def test_the_actor_filter_shows_one_persons_entries(client, world, owner, editor):
    added(world["public"]["crux"], owner)
    added(world["public"]["other"], editor)
    page = client.get("/maps/open-map/activity/?actor=editor").content.decode()
    assert "Scaling helps" in page and "Deception is likely" not in page
    assert "Activity of editor" in page


def test_the_page_goes_to_older_entries(client, world, owner):
    for i in range(60):
        record(
            world["public"]["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title=f"t{i}"
        )
    first = client.get("/maps/open-map/activity/")
    assert first.content.decode().count('data-testid="activity-entry"') == 50
    older = first.context["older_url"]
    second = client.get(older).content.decode()
    assert second.count('data-testid="activity-entry"') == 10
    assert "“t9”" in second and "“t10”" not in second


def test_a_bad_filter_is_a_400_page_naming_it(client, world):
    response = client.get("/maps/open-map/activity/?verb=voted")
    assert response.status_code == 400
    assert (
        "verb" in response.content.decode()
        and 'data-testid="activity-problem"' in response.content.decode()
    )


@pytest.mark.parametrize(("who", "status"), [(None, 404), ("outsider", 404), ("voter", 200)])
def test_a_private_maps_page_and_feed_are_hidden_from_outsiders(
    client, world, request, who, status
):
    user = request.getfixturevalue(who) if who else None
    signed_in(client, user)
    assert client.get("/maps/closed-map/activity/").status_code == status
    # A feed reader has no session: a private map has no feed, for anyone.
    assert client.get("/maps/closed-map/activity.atom").status_code == 404


def test_hidden_nodes_stay_off_the_page_for_visitors(client, world, owner, alice):
    spam = world["public"]["other"]
    added(spam, alice)
    hide(spam, owner)
    assert "Scaling helps" not in client.get("/maps/open-map/activity/").content.decode()
    signed_in(client, owner)
    assert "Scaling helps" in client.get("/maps/open-map/activity/").content.decode()


# --- the Atom feed -------------------------------------------------------------


def test_the_feed_is_atom_with_one_entry_per_activity(client, world, owner, alice):
    w = world["public"]
    added(w["crux"], owner)
    comment_on(w["crux"], alice)
    response = client.get("/maps/open-map/activity.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert "Open-Map" in feed.findtext(f"{ATOM}title")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "alice commented on the crux “Deception is likely”",
        "owner added the crux “Deception is likely”",
    ]
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links[1] == "http://testserver/maps/open-map/nodes/crux/"
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 2 and all(i.startswith("http://testserver/") for i in ids)
    assert entries[0].find(f"{ATOM}author").findtext(f"{ATOM}name") == "alice"


def test_the_feed_leaves_out_hidden_nodes(client, world, owner, alice):
    spam = world["public"]["other"]
    added(spam, alice)
    hide(spam, owner)
    feed = ET.fromstring(client.get("/maps/open-map/activity.atom").content)
    assert feed.findall(f"{ATOM}entry") == []


def test_an_unknown_maps_feed_is_a_404(client, db):
    assert client.get("/maps/nothing-here/activity.atom").status_code == 404


# --- the map and node pages ------------------------------------------------------


def test_the_map_page_links_its_activity_and_feed(client, world, owner):
    page = client.get("/maps/open-map/").content.decode()
    assert 'data-testid="activity-link" href="/maps/open-map/activity/"' in page
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'data-testid="watch-login"' in page  # a visitor is asked to log in to watch
    signed_in(client, owner)
    private = client.get("/maps/closed-map/").content.decode()
    assert 'data-testid="activity-link"' in private
    assert "application/atom+xml" not in private  # no feed for a private map


def test_the_watch_button_on_map_and_node_pages_loads_its_state(client, world, alice):
    signed_in(client, alice)
    page = client.get("/maps/open-map/").content.decode()
    assert 'hx-get="/maps/open-map/watch/?next=' in page
    node_page = client.get("/maps/open-map/nodes/crux/").content.decode()
    assert 'hx-get="/maps/open-map/nodes/crux/watch/?next=' in node_page
    state = client.get("/maps/open-map/watch/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="watch-button"' in state and "Watch this map" in state
    watch_set(user=alice, map=world["public"]["map"])
    state = client.get("/maps/open-map/watch/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="unwatch-button"' in state


def test_the_watch_form_watches_and_unwatches(client, world, alice):
    signed_in(client, alice)
    response = client.post(
        "/maps/open-map/nodes/crux/watch/", {"watch": "1", "next": "/maps/open-map/nodes/crux/"}
    )
    assert response.status_code == 302 and response["Location"] == "/maps/open-map/nodes/crux/"
    assert Watch.objects.filter(user=alice, node=world["public"]["crux"]).count() == 1
    # Through htmx the answer is the button, now "Unwatch"; twice is still one watch.
    response = client.post(
        "/maps/open-map/nodes/crux/watch/", {"watch": "1"}, headers={"HX-Request": "true"}
    )
    assert 'data-testid="unwatch-button"' in response.content.decode()
    assert Watch.objects.filter(user=alice).count() == 1
    client.post("/maps/open-map/nodes/crux/watch/", {"watch": "0", "next": "https://evil.example/"})
    assert Watch.objects.filter(user=alice).count() == 0


def test_a_visitor_cannot_watch_and_is_sent_to_log_in(client, world):
    response = client.post("/maps/open-map/watch/", {"watch": "1"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Watch.objects.count() == 0


def test_an_outsider_cannot_watch_a_private_map(client, world, alice):
    signed_in(client, alice)
    assert client.post("/maps/closed-map/watch/", {"watch": "1"}).status_code == 404
    assert Watch.objects.count() == 0


# --- My activity -------------------------------------------------------------


def test_my_activity_is_in_the_header_for_signed_in_people(client, world, alice):
    assert 'data-testid="my-activity-link"' not in client.get("/").content.decode()
    signed_in(client, alice)
    assert '<a href="/me/activity/" data-testid="my-activity-link">My activity</a>' in (
        client.get("/").content.decode()
    )


def test_my_activity_asks_a_visitor_to_log_in(client, db):
    response = client.get("/me/activity/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_my_activity_page_lists_what_others_did_and_what_i_watch(client, world, alice, owner):
    w = world["public"]
    watch_set(user=alice, map=w["map"], node=w["crux"])
    record(w["map"], ActivityVerb.NODE_EDITED, owner, node_key="crux", title="Deception")
    added(w["other"], owner)
    signed_in(client, alice)
    page = client.get("/me/activity/").content.decode()
    assert "edited the crux" in page and "“Deception”" in page
    assert "Scaling helps" not in page
    assert 'data-testid="watch-list"' in page and 'value="0"' in page
    assert "Open-Map" in page  # each entry names its map
