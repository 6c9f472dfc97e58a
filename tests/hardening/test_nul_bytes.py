"""A NUL byte in a page's query string or form is a 400 naming it, never a 500.

PostgreSQL refuses U+0000 in any text: before issue 12 (item 16) the map page's
search, the link form's title search and the graph data's frame each answered
500. One middleware (core.middleware.NulByteMiddleware) guards every page.
"""

import pytest

from claims.services import map_create, node_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_map(owner):
    the_map = map_create(slug="open-map", title="Open map", owner=owner)
    node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    node_create(map=the_map, kind="crux", title="A crux", key="crux", created_by=owner)
    return the_map


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/maps/open-map/?q=%00", "q"),
        ("/maps/open-map/?q=abc%00%27%20OR%201%3D1", "q"),
        ("/maps/open-map/search-options/?target=%00", "target"),
        ("/maps/open-map/graph.json?frame=%00", "frame"),
        ("/maps/open-map/graph.json?kind=crux&frame=fra%00me", "frame"),
    ],
)
def test_a_nul_byte_in_a_page_query_is_refused_with_400_naming_it(
    public_map, client, url, parameter
):
    response = client.get(url)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"parameter '{parameter}' contains a NUL byte" in body
    assert response["Content-Type"].startswith("text/plain")


def test_a_nul_byte_in_a_form_field_is_refused_with_400(public_map, client, voter):
    client.force_login(voter)
    response = client.post("/maps/open-map/nodes/crux/vote/", {"credence": "0.5\x00"})
    assert response.status_code == 400
    assert "form parameter 'credence' contains a NUL byte" in response.content.decode()


def test_the_same_pages_answer_normally_without_the_nul_byte(public_map, client):
    assert client.get("/maps/open-map/?q=crux").status_code == 200
    assert client.get("/maps/open-map/search-options/?target=crux").status_code == 200
    assert client.get("/maps/open-map/graph.json?frame=frame").status_code == 200
