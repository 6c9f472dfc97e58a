"""A long map description opens with its first paragraph; the rest waits in a details
element, each paragraph its own (the seeded map's description is five paragraphs)."""

import pytest

from claims.services import map_create

pytestmark = pytest.mark.django_db


def test_the_map_page_leads_with_the_first_paragraph_and_folds_the_rest(client, owner):
    map_create(
        slug="about",
        title="About",
        description="What this map is.\n\nWhat its numbers mean.\n\nHow edges are weighed.",
        owner=owner,
    )
    html = client.get("/maps/about/").content.decode()
    assert '<p class="lead">What this map is.</p>' in html
    about = html[html.index('data-testid="map-about"') :]
    assert "<p>What its numbers mean.</p><p>How edges are weighed.</p>" in about


def test_a_one_paragraph_description_has_nothing_folded(client, owner):
    map_create(slug="short", title="Short", description="Only this.", owner=owner)
    html = client.get("/maps/short/").content.decode()
    assert '<p class="lead">Only this.</p>' in html and "map-about" not in html
