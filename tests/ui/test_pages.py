"""HTML pages: permissions, escaping, forms, and query counts constant in map size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Map, MapMember, Node, NodeRevision
from claims.services import map_import
from claims.synthetic import generate_map
from cruxes.models import CruxScore, Vote
from cruxes.services import ranking_refresh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def synthetic_map(slug: str, cruxes: int):
    nodes = max(int(cruxes / 0.3), 40)
    doc = generate_map(nodes, seed=3)
    doc["map"]["slug"] = slug
    result = map_import(data=doc, owner=UserFactory(username=f"owner-{slug}"))
    the_map = Map.objects.get(slug=result.slug)
    ranking_refresh(map_id=the_map.pk)
    return the_map


def page_urls(the_map) -> list[str]:
    frame = Node.objects.filter(map=the_map, kind="frame").order_by("key").first()
    # The top-ranked crux: on both maps it moves a frame enough to have a "why" panel.
    top = CruxScore.objects.filter(run__map=the_map, frame_key="").order_by("rank", "crux_key")
    crux = Node.objects.get(map=the_map, key=top.values_list("crux_key", flat=True)[0])
    s = the_map.slug
    return [
        "/",
        f"/maps/{s}/",
        f"/maps/{s}/?q=claim",
        f"/maps/{s}/frames/{frame.key}/",
        f"/maps/{s}/nodes/{crux.key}/",
        f"/maps/{s}/graph/",
        f"/maps/{s}/graph.json?frame={frame.key}",
        "/import-export/",
    ]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def test_page_query_counts_do_not_grow_with_the_map(client):
    small = synthetic_map("small-map", cruxes=10)
    large = synthetic_map("large-map", cruxes=500)
    viewer = UserFactory(username="viewer")
    client.force_login(viewer)
    for node in Node.objects.filter(map__in=[small, large], kind="crux")[:50]:
        Vote.objects.create(user=viewer, node=node, credence=0.6, node_revision=1)
    for small_url, large_url in zip(page_urls(small), page_urls(large), strict=True):
        assert count_queries(client, small_url) == count_queries(client, large_url), small_url


@pytest.fixture
def private_map(owner, editor, voter):
    doc = generate_map(60, seed=1)
    doc["map"].update(slug="secret", visibility="private")
    map_import(data=doc, owner=owner)
    the_map = Map.objects.get(slug="secret")
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    return the_map


@pytest.mark.parametrize("who", ["anonymous", "outsider", "voter", "editor", "owner"])
def test_private_map_pages_are_invisible_to_outsiders(client, private_map, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    frame = Node.objects.filter(map=private_map, kind="frame").first()
    expected = 404 if who in ("anonymous", "outsider") else 200
    for url in (
        "/maps/secret/",
        f"/maps/secret/frames/{frame.key}/",
        f"/maps/secret/nodes/{frame.key}/",
        "/maps/secret/graph/",
        "/maps/secret/graph.json",
        "/maps/secret/export/argmap/",
    ):
        assert client.get(url).status_code == expected, url
    listed = b"/maps/secret/" in client.get("/").content
    assert listed == (expected == 200)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 404), ("outsider", 404), ("voter", 403), ("editor", 302), ("owner", 302)],
)
def test_only_editors_and_owner_change_the_graph(client, private_map, who, expected, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    crux = Node.objects.filter(map=private_map, kind="crux").first()
    before = Node.objects.filter(map=private_map).count()
    response = client.post(
        f"/maps/secret/nodes/{crux.key}/add/",
        {"kind": "claim", "title": "New claim", "link_kind": "supports", "weight": "0.5"},
    )
    assert response.status_code == expected
    grew = Node.objects.filter(map=private_map).count() == before + 1
    assert grew == (who in ("editor", "owner"))


def test_forms_are_csrf_protected(private_map, editor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    crux = Node.objects.filter(map=private_map, kind="crux").first()
    response = strict.post(f"/maps/secret/nodes/{crux.key}/vote/", {"percent": "40"})
    assert response.status_code == 403
    assert not Vote.objects.filter(user=editor).exists()


def test_stale_edit_is_refused_with_a_message(client, private_map, editor):
    client.force_login(editor)
    crux = Node.objects.filter(map=private_map, kind="crux").first()
    url = f"/maps/secret/nodes/{crux.key}/edit/"
    ok = client.post(url, {"title": "First edit", "text": "", "revision": "1"})
    assert ok.status_code == 302
    stale = client.post(url, {"title": "Lost edit", "text": "", "revision": "1"})
    assert stale.status_code == 400
    assert b"your edit was not saved" in stale.content
    crux.refresh_from_db()
    assert crux.title == "First edit" and crux.revision == 2
    assert NodeRevision.objects.filter(node=crux).count() == 1


def test_vote_form_accepts_percent_and_refuses_out_of_range(client, private_map, voter):
    client.force_login(voter)
    crux = Node.objects.filter(map=private_map, kind="crux").first()
    url = f"/maps/secret/nodes/{crux.key}/vote/"
    client.post(url, {"percent": "150"})
    assert not Vote.objects.filter(user=voter).exists()
    client.post(url, {"percent": "37"})
    assert Vote.objects.get(user=voter, node=crux).credence == pytest.approx(0.37)
    client.post(url, {"withdraw": "1"})
    assert not Vote.objects.filter(user=voter).exists()


def test_hostile_text_is_escaped_in_every_page(client, owner):
    from claims.services import map_create, node_create

    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    the_map = map_create(slug="xss", title=hostile, description=hostile, owner=owner)
    frame = node_create(
        map=the_map,
        kind="frame",
        category="outer",
        title=hostile,
        text=hostile,
        key="f",
        created_by=owner,
        sources=[{"document": hostile, "locator": hostile, "quote": hostile}],
    )
    crux = node_create(
        map=the_map, kind="crux", title=hostile, text=hostile, key="c", created_by=owner
    )
    from claims.services import edge_create

    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    ranking_refresh(map_id=the_map.pk)
    client.force_login(owner)
    for url in (
        "/",
        "/maps/xss/",
        "/maps/xss/?q=script",
        "/maps/xss/frames/f/",
        "/maps/xss/nodes/c/",
        "/maps/xss/graph/",
        "/import-export/",
        "/admin/claims/node/",
        "/admin/claims/map/",
    ):
        if url.startswith("/admin/"):
            owner.is_staff = owner.is_superuser = True
            owner.save()
            client.force_login(owner)
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url


FORMS = {
    "add": lambda crux, other: (
        f"/maps/secret/nodes/{crux.key}/add/",
        {"kind": "claim", "title": "New claim", "link_kind": "supports", "weight": "0.5"},
    ),
    "link": lambda crux, other: (
        f"/maps/secret/nodes/{crux.key}/link/",
        {"kind": "related", "target": other.key, "weight": "0.5"},
    ),
    "edit": lambda crux, other: (
        f"/maps/secret/nodes/{crux.key}/edit/",
        {"title": "Reworded", "text": "", "revision": "1"},
    ),
    "vote": lambda crux, other: (f"/maps/secret/nodes/{crux.key}/vote/", {"percent": "40"}),
}
# who may post each form on a private map: anonymous and outsiders cannot see it (404),
# voters may only vote (403 for the rest), editors and the owner may do everything.
FORM_EXPECTED = {
    "anonymous": {"add": 404, "link": 404, "edit": 404, "vote": 404},
    "outsider": {"add": 404, "link": 404, "edit": 404, "vote": 404},
    "voter": {"add": 403, "link": 403, "edit": 403, "vote": 302},
    "editor": {"add": 302, "link": 302, "edit": 302, "vote": 302},
    "owner": {"add": 302, "link": 302, "edit": 302, "vote": 302},
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("who", list(FORM_EXPECTED))
def test_every_form_obeys_the_permission_table(client, private_map, who, form, request, counts):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    crux, other = Node.objects.filter(map=private_map, kind="crux").order_by("key")[:2]
    url, data = FORMS[form](crux, other)
    before = counts()
    response = client.post(url, data)
    expected = FORM_EXPECTED[who][form]
    assert response.status_code == expected, response.content[:300]
    if expected != 302:
        assert counts() == before  # a refused form writes nothing


def test_exports_are_downloads_not_pages(client, private_map, owner):
    client.force_login(owner)
    for fmt in ("argmap", "aif", "graphml", "argdown"):
        response = client.get(f"/maps/secret/export/{fmt}/")
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert not response["Content-Type"].startswith("text/html")


def test_session_authenticated_api_writes_need_csrf(private_map, voter):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(voter)
    crux = Node.objects.filter(map=private_map, kind="crux").first()
    response = strict.put(
        f"/api/v1/maps/secret/nodes/{crux.key}/vote/",
        {"credence": 0.4},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Vote.objects.filter(user=voter).exists()
