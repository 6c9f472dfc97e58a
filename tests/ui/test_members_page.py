"""The owner's members page (/maps/<slug>/members/): admit voters and editors,
change a role, remove; only the owner sees it (issue 13, item 3)."""

import pytest
from django.test import Client

from claims.models import Map, MapMember
from claims.services import edge_create, map_create, node_create
from cruxes.selectors import ranking_latest
from cruxes.services import ranking_needed, ranking_refresh, vote_cast
from tests.accounts.conftest import throttle_rates  # noqa: F401 - a fixture
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_debounce(settings):
    settings.RANKING_DEBOUNCE_MS = 0


def build(owner, editor, voter, *, slug: str, visibility: str) -> Map:
    the_map = map_create(slug=slug, title=slug.title(), owner=owner, visibility=visibility)
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=owner)
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    return Map.objects.get(pk=the_map.pk)


@pytest.fixture
def maps(owner, editor, voter):
    return {
        "public": build(owner, editor, voter, slug="open", visibility="public"),
        "private": build(owner, editor, voter, slug="closed", visibility="private"),
    }


def signed_in(client, who: str, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


PEOPLE = ["anonymous", "outsider", "voter", "editor", "owner"]
# As the other pages: a private map does not exist for those who may not see it;
# a visitor is sent to log in; the signed-in who may see the map but not run it: 403.
EXPECTED = {
    "public": [302, 403, 403, 403, 200],
    "private": [404, 404, 403, 403, 200],
}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("who", PEOPLE)
def test_only_the_owner_sees_the_members_page(client, maps, visibility, who, request):
    slug = maps[visibility].slug
    response = signed_in(client, who, request).get(f"/maps/{slug}/members/")
    assert response.status_code == EXPECTED[visibility][PEOPLE.index(who)]
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("who", ["anonymous", "outsider", "voter", "editor"])
def test_no_one_but_the_owner_admits_or_removes_members(
    client, maps, visibility, who, request, counts
):
    slug = maps[visibility].slug
    UserFactory(username="newcomer")
    signed_in(client, who, request)
    before = counts()
    admit = client.post(f"/maps/{slug}/members/", {"username": "newcomer", "role": "editor"})
    remove = client.post(f"/maps/{slug}/members/remove/", {"username": "voter"})
    expected = EXPECTED[visibility][PEOPLE.index(who)]
    assert admit.status_code == remove.status_code == expected
    assert counts() == before


def test_the_owner_sees_the_members_and_their_roles(client, maps, owner):
    client.force_login(owner)
    page = client.get("/maps/open/members/").content.decode()
    rows = page.split('data-testid="member-row"')[1:]
    assert [("editor" in r.split("</td>")[0], "voter" in r.split("</td>")[0]) for r in rows] == [
        (True, False),
        (False, True),
    ]
    assert "<td>editor</td><td>editor</td>" in page and "<td>voter</td><td>voter</td>" in page
    assert "<td>owner</td><td>owner</td>" in page
    # How standing works is said where it is granted.
    assert "weigh 10 % of a member" in page and "older than 90 days" in page


def test_the_map_page_links_to_the_members_page_for_the_owner_only(client, maps, owner, editor):
    assert b'data-testid="members-link"' not in client.get("/maps/open/").content
    client.force_login(editor)
    assert b'data-testid="members-link"' not in client.get("/maps/open/").content
    client.force_login(owner)
    assert b'href="/maps/open/members/"' in client.get("/maps/open/").content


def test_admitting_a_voter_through_the_page_makes_their_votes_count_fully(client, maps, owner):
    the_map = maps["public"]
    crux = the_map.nodes.get(key="crux")
    fresh = [UserFactory(username=f"fresh{i}") for i in range(3)]
    for user in fresh:
        vote_cast(user=user, node=crux, credence=0.99)
    ranking_refresh(map_id=the_map.pk)
    before = ranking_latest(map=the_map)["cruxes"][0]["credence"]
    client.force_login(owner)
    response = client.post("/maps/open/members/", {"username": "fresh0", "role": "voter"})
    assert response.status_code == 302 and response["Location"] == "/maps/open/members/"
    assert MapMember.objects.get(map=the_map, user=fresh[0]).role == "voter"
    page = client.get(response["Location"]).content.decode()
    assert "fresh0 is a voter of this map." in page
    assert ranking_needed(map_id=the_map.pk)
    ranking_refresh(map_id=the_map.pk)
    after = ranking_latest(map=the_map)["cruxes"][0]["credence"]
    assert after > before + 0.1


def test_the_owner_changes_a_role_and_removes_a_member(client, maps, owner, voter):
    the_map = maps["public"]
    client.force_login(owner)
    response = client.post("/maps/open/members/", {"username": "voter", "role": "editor"})
    assert response.status_code == 302
    assert MapMember.objects.get(map=the_map, user=voter).role == "editor"
    response = client.post("/maps/open/members/remove/", {"username": "voter"})
    assert response.status_code == 302
    assert not MapMember.objects.filter(map=the_map, user=voter).exists()
    assert "voter is no longer a member" in client.get("/maps/open/members/").content.decode()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "ghost", "role": "voter"}, "unknown user"),
        ({"username": "owner", "role": "voter"}, "is the owner"),
        ({"username": "", "role": "voter"}, "This field is required."),
        ({"username": "outsider", "role": "admin"}, "Select a valid choice."),
        ({"username": "x" * 151, "role": "voter"}, "at most 150 characters"),
    ],
)
def test_a_refused_admission_is_shown_on_the_form_and_writes_nothing(
    client, maps, owner, outsider, counts, form, message
):
    client.force_login(owner)
    before = counts()
    response = client.post("/maps/open/members/", form)
    assert response.status_code == 400
    form_html = response.content.decode().split('data-testid="member-form"')[1]
    assert message in form_html
    assert counts() == before


def test_removing_someone_who_is_not_a_member_is_a_form_error_not_a_missing_page(
    client, maps, owner, outsider, counts
):
    client.force_login(owner)
    before = counts()
    response = client.post("/maps/open/members/remove/", {"username": "outsider"})
    assert response.status_code == 400
    assert "&#x27;outsider&#x27; is not a member of this map" in response.content.decode()
    assert counts() == before


def test_the_members_forms_are_csrf_protected(maps, owner, outsider):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    admit = strict.post("/maps/open/members/", {"username": "outsider", "role": "voter"})
    remove = strict.post("/maps/open/members/remove/", {"username": "voter"})
    assert admit.status_code == remove.status_code == 403
    assert not MapMember.objects.filter(user=outsider).exists()
    assert MapMember.objects.filter(user__username="voter", map=maps["public"]).exists()


def test_the_members_page_and_api_share_the_owners_allowance(
    client,
    maps,
    owner,
    throttle_rates,  # noqa: F811 - the imported fixture
):
    from rest_framework.test import APIClient

    throttle_rates(user="3/min")
    UserFactory(username="newcomer")
    client.force_login(owner)
    api = APIClient()
    api.force_authenticate(owner)
    assert api.get("/api/v1/maps/open/members/").status_code == 200
    assert (
        client.post("/maps/open/members/", {"username": "voter", "role": "editor"}).status_code
        == 302
    )
    assert api.get("/api/v1/maps/open/members/").status_code == 200
    refused = client.post("/maps/open/members/", {"username": "newcomer", "role": "voter"})
    assert refused.status_code == 429
    assert not MapMember.objects.filter(user__username="newcomer").exists()
    # Showing the page is free; only what it submits counts.
    assert client.get("/maps/open/members/").status_code == 200
