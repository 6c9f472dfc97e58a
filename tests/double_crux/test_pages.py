"""The pages: my view with its sharing form, the double crux, the link on the map page."""

import pytest
from django.test import Client

from cruxes.models import CredenceSharing, ShareAudience
from cruxes.sharing import sharing_get, sharing_set
from tests.discussion.conftest import build

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_map_page_links_my_view_for_people_signed_in(camps, voter):
    assert 'data-testid="my-view-link"' in browser(voter).get("/maps/camps/").content.decode()
    assert 'data-testid="my-view-link"' not in browser().get("/maps/camps/").content.decode()


def test_my_view_page_shows_two_columns_my_cruxes_and_differences_in_words(camps):
    _, voters = camps
    page = browser(voters[0]).get("/maps/camps/me/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="my-frame"') == 4
    assert '<th scope="col">Mine</th><th scope="col">Community</th>' in html
    assert html.count('data-testid="my-crux"') == 20
    assert "You hold &#x27;Crux c0" in html and "points higher" in html
    assert 'data-testid="sharing-form"' in html
    assert 'value="nobody" data-testid="audience-nobody" checked' in html


def test_my_view_page_asks_anonymous_visitors_to_log_in(camps):
    page = browser().get("/maps/camps/me/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_the_sharing_form_saves_the_people_chosen(camps):
    the_map, voters = camps
    client = browser(voters[0])
    page = client.post("/maps/camps/me/", {"audience": "chosen", "viewers": "camp-b-29, camp-b-28"})
    assert page.status_code == 302
    assert sharing_get(user=voters[0], map=the_map) == {
        "audience": "chosen",
        "viewers": ["camp-b-28", "camp-b-29"],
    }
    page = client.get("/maps/camps/me/")
    assert "Your sharing setting is saved." in page.content.decode()
    assert 'value="camp-b-28, camp-b-29"' in page.content.decode()


def test_the_sharing_form_says_what_is_wrong_and_stores_nothing(camps):
    the_map, voters = camps
    page = browser(voters[0]).post("/maps/camps/me/", {"audience": "chosen", "viewers": "ghost"})
    assert page.status_code == 400
    assert "no user named &#x27;ghost&#x27;" in page.content.decode()
    assert not CredenceSharing.objects.filter(user=voters[0]).exists()


def test_the_double_crux_page_without_consent_says_so_and_shows_none_of_theirs(camps):
    the_map, voters = camps
    page = browser(voters[0]).get("/maps/camps/double-crux/", {"with": "camp-b-29"})
    assert page.status_code == 403
    html = page.content.decode()
    assert "camp-b-29 has not shared their credences on this map with you" in html
    assert 'data-testid="double-crux"' not in html


def test_the_double_crux_page_lists_the_crux_they_split_on_first(camps):
    the_map, voters = camps
    sharing_set(user=voters[-1], map=the_map, audience=ShareAudience.EVERYONE)
    page = browser(voters[0]).get("/maps/camps/double-crux/", {"with": "camp-b-29"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your double crux with camp-b-29" in html
    first = html.index('data-testid="double-crux"')
    assert html[first : first + 200].count('data-key="c0') == 1
    assert "you hold 0.8" in html


def test_the_double_crux_page_says_plainly_when_nothing_divides(camps):
    the_map, voters = camps
    sharing_set(user=voters[1], map=the_map, audience=ShareAudience.EVERYONE)
    page = browser(voters[0]).get("/maps/camps/double-crux/", {"with": "camp-a-01"})
    assert page.status_code == 200
    assert "No frame-level disagreement" in page.content.decode()


def test_the_double_crux_page_of_a_private_map_is_not_found_for_outsiders(
    owner, editor, voter, outsider
):
    build(owner, editor, voter, slug="hidden", visibility="private")
    page = browser(outsider).get("/maps/hidden/double-crux/", {"with": "voter"})
    assert page.status_code == 404
    page = browser(outsider).get("/maps/hidden/me/")
    assert page.status_code == 404


def test_the_double_crux_api_reads_a_bounded_number_of_queries(
    camps, client_for, django_assert_max_num_queries
):
    the_map, voters = camps
    sharing_set(user=voters[-1], map=the_map, audience=ShareAudience.EVERYONE)
    client = client_for(voters[0])
    client.get("/api/v1/maps/camps/double-crux/", {"with": "camp-b-29"})  # cold
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/maps/camps/double-crux/", {"with": "camp-b-29"})
    assert response.status_code == 200
