"""A hidden node is out of every page, except its own for the owner and editors, who
see who hid it and can restore it; the moderation forms work from the node page."""

import pytest

from claims.models import Edge, Node, NodeRevision
from claims.services import edge_update, node_hide, node_update

pytestmark = pytest.mark.django_db


def _hide(the_map, owner, key="vandal", reason="spam"):
    node_hide(node=Node.objects.get(map=the_map, key=key), by=owner, reason=reason)


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("who", [None, "outsider", "voter"])
def test_a_hidden_nodes_page_is_404_for_everyone_but_moderators(
    mod_map, owner, client, request, who
):
    _hide(mod_map, owner)
    user = request.getfixturevalue(who) if who else None
    assert _as(client, user).get(f"/maps/{mod_map.slug}/nodes/vandal/").status_code == 404


def test_a_hidden_frames_page_is_404_for_visitors(mod_map, owner, client):
    _hide(mod_map, owner, key="frame")
    assert client.get(f"/maps/{mod_map.slug}/frames/frame/").status_code == 404


@pytest.mark.parametrize("who", ["editor", "owner"])
def test_moderators_see_the_hidden_node_with_a_banner_and_restore(
    mod_map, owner, client, request, who
):
    _hide(mod_map, owner, reason="vandalism")
    page = _as(client, request.getfixturevalue(who)).get(f"/maps/{mod_map.slug}/nodes/vandal/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="hidden-banner"' in html
    assert "Hidden</strong> by owner on" in html and "vandalism" in html
    assert 'data-testid="restore-form"' in html and 'data-testid="hide-form"' not in html


def test_moderators_get_a_hide_form_on_visible_nodes_and_others_do_not(
    mod_map, editor, voter, client
):
    url = f"/maps/{mod_map.slug}/nodes/vandal/"
    assert 'data-testid="hide-form"' in _as(client, editor).get(url).content.decode()
    client.logout()
    assert 'data-testid="hide-form"' not in _as(client, voter).get(url).content.decode()


def test_hide_and_restore_through_the_page_forms(mod_map, editor, client):
    _as(client, editor)
    url = f"/maps/{mod_map.slug}/nodes/vandal/"
    done = client.post(f"/maps/{mod_map.slug}/nodes/vandal/hide/", {"reason": "spam"}, follow=True)
    assert done.redirect_chain[-1][0] == url
    assert "Hid “Vandal crux”" in done.content.decode()
    assert Node.objects.get(map=mod_map, key="vandal").hidden_reason == "spam"
    again = client.post(f"/maps/{mod_map.slug}/nodes/vandal/hide/", follow=True)
    assert "already hidden" in again.content.decode()
    client.post(f"/maps/{mod_map.slug}/nodes/vandal/restore/")
    assert Node.objects.get(map=mod_map, key="vandal").hidden_at is None


def test_moderation_forms_refuse_voters_and_get(mod_map, voter, client):
    _as(client, voter)
    assert client.post(f"/maps/{mod_map.slug}/nodes/vandal/hide/").status_code == 403
    assert client.get(f"/maps/{mod_map.slug}/nodes/vandal/hide/").status_code == 405
    assert Node.objects.get(map=mod_map, key="vandal").hidden_at is None


def test_moderation_forms_need_the_csrf_token(mod_map, editor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(f"/maps/{mod_map.slug}/nodes/vandal/hide/").status_code == 403
    assert Node.objects.get(map=mod_map, key="vandal").hidden_at is None


def test_the_history_offers_revert_and_it_works(mod_map, owner, client):
    node_update(
        node=Node.objects.get(map=mod_map, key="good"),
        edited_by=owner,
        expected_revision=1,
        title="Defaced",
    )
    _as(client, owner)
    html = client.get(f"/maps/{mod_map.slug}/nodes/good/").content.decode()
    assert "Revert to this (revision 1)" in html
    done = client.post(f"/maps/{mod_map.slug}/nodes/good/revert/", {"revision": "1"}, follow=True)
    assert "Reverted to revision 1: saved as revision 3." in done.content.decode()
    assert Node.objects.get(map=mod_map, key="good").title == "Good crux"
    assert NodeRevision.objects.filter(node__key="good").count() == 2


def test_an_edges_history_offers_revert_to_moderators(mod_map, owner, voter, client):
    edge = Edge.objects.get(map=mod_map, source__key="good", target__key="frame")
    edge_update(edge=edge, user=owner, rationale="defaced rationale", weight=0.1)
    url = f"/maps/{mod_map.slug}/nodes/good/"
    assert 'data-testid="edge-revert-form"' not in _as(client, voter).get(url).content.decode()
    client.logout()
    html = _as(client, owner).get(url).content.decode()
    assert 'data-testid="edge-revert-form"' in html
    done = client.post(
        f"/maps/{mod_map.slug}/nodes/good/edge-revert/",
        {"edge": edge.key, "revision": "1"},
        follow=True,
    )
    assert f"Reverted the argument {edge.key} to revision 1" in done.content.decode()
    edge.refresh_from_db()
    assert (edge.rationale, edge.weight, edge.revision) == ("", 0.6, 3)


def test_a_hidden_node_is_out_of_the_map_page_search_and_options(mod_map, owner, client):
    slug = mod_map.slug
    assert "A claim" in client.get(f"/maps/{slug}/?q=claim").content.decode()
    assert "A claim" in client.get(f"/maps/{slug}/search-options/?target=claim").content.decode()
    assert "claim" in client.get(f"/maps/{slug}/edge-options/?edge=claim").content.decode()
    _hide(mod_map, owner, key="claim")
    assert "A claim" not in client.get(f"/maps/{slug}/?q=claim").content.decode()
    assert (
        "A claim" not in client.get(f"/maps/{slug}/search-options/?target=claim").content.decode()
    )
    options = client.get(f"/maps/{slug}/edge-options/?edge=claim").content.decode()
    assert "claim" not in options


def test_a_hidden_frame_is_out_of_the_map_page(mod_map, owner, client):
    assert "Corrigibility frame" in client.get(f"/maps/{mod_map.slug}/").content.decode()
    _hide(mod_map, owner, key="frame")
    assert "Corrigibility frame" not in client.get(f"/maps/{mod_map.slug}/").content.decode()


def test_a_hidden_node_is_out_of_the_graph_and_its_edges_with_it(mod_map, owner, client):
    before = client.get(f"/maps/{mod_map.slug}/graph.json").json()
    assert "claim" in {n["data"]["id"] for n in before["nodes"]}
    _hide(mod_map, owner, key="claim")
    after = client.get(f"/maps/{mod_map.slug}/graph.json").json()
    assert "claim" not in {n["data"]["id"] for n in after["nodes"]}
    assert all("claim" not in (e["data"]["source"], e["data"]["target"]) for e in after["edges"])


def test_a_hidden_nodes_arguments_are_off_the_pages_of_the_nodes_they_touch(mod_map, owner, client):
    url = f"/maps/{mod_map.slug}/nodes/good/"
    assert "A claim" in client.get(url).content.decode()
    assert "Vandal crux" in client.get(url).content.decode()  # its undercut
    _hide(mod_map, owner, key="claim")
    _hide(mod_map, owner, key="vandal")
    html = client.get(url).content.decode()
    assert "A claim" not in html and "Vandal crux" not in html
