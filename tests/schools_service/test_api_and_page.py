"""GET /api/v1/maps/{slug}/groups/ and the map page's schools section: who may read them,
what they show, and that they never show who is in which group (but "you" to yourself)."""

import json
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from claims.models import MapMember
from cruxes.models import SchoolMember
from cruxes.schools_service import schools_compute
from tests.factories import MapFactory
from tests.schools.electorates import SPLIT_KEYS

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def groups_json(slug: str, user=None) -> dict:
    response = api(user).get(f"/api/v1/maps/{slug}/groups/")
    assert response.status_code == 200, response.content
    return response.json()


def schools_html(slug: str, user=None) -> str:
    response = browser(user).get(f"/maps/{slug}/schools/", **HX)
    assert response.status_code == 200
    return response.content.decode()


# Every key the answer may have, at any depth: a field naming members or users would
# have to be added here first.
ALLOWED_KEYS = {
    "state", "floor", "graph_version", "stale", "computed_at", "voters", "k", "groups",
    "frames", "scatter", "you", "criterion", "id", "label", "size", "credences",
    "separating", "key", "title", "gap", "score", "group_credence", "others_credence",
    "group", "point", "silhouette", "null_silhouette", "silhouettes", "silhouette_min",
    "null_margin", "null_permutations",
}  # fmt: skip


def keys_in(value, *, under_data: bool = False) -> set[str]:
    """The keys of the JSON's objects, except those of the maps keyed by node, frame or k."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if not under_data:
                found.add(k)
            found |= keys_in(v, under_data=k in ("credences", "frames", "silhouettes"))
    elif isinstance(value, list):
        for v in value:
            found |= keys_in(v)
    return found


@pytest.fixture
def computed(a_map, camp_voters):
    schools_compute(map_id=a_map.pk)
    return camp_voters


# ---- what a reader sees ----------------------------------------------------------


def test_the_api_gives_two_schools_with_their_separating_cruxes(a_map, computed):
    body = groups_json(a_map.slug)
    assert body["state"] == "schools"
    assert body["k"] == 2 and body["voters"] == 30 and body["floor"] == 3
    assert [(g["label"], g["size"]) for g in body["groups"]] == [("A", 15), ("B", 15)]
    for group in body["groups"]:
        assert sorted(s["key"] for s in group["separating"][:5]) == SPLIT_KEYS
        assert set(group["frames"]) == {"f0", "f1", "f2", "f3"}
        assert set(SPLIT_KEYS) <= set(group["credences"])
    assert [f["key"] for f in body["frames"]] == ["f0", "f1", "f2", "f3"]
    assert len(body["scatter"]) == 30
    assert all(len(p) == 3 and p[2] in (0, 1) for p in body["scatter"])
    assert body["you"] is None  # anonymous
    assert body["criterion"]["silhouette"] >= body["criterion"]["silhouette_min"]


def test_the_page_shows_each_schools_frames_side_by_side_and_its_cruxes(a_map, computed):
    html = schools_html(a_map.slug, computed[3])
    assert 'data-state="schools"' in html
    assert "Group A" in html and "Group B" in html
    # A frame row with one bar per group, widths as classes (no style attribute: CSP).
    row = re.search(r"Frame f0</a></th>(.*?)</tr>", html, re.S).group(1)
    assert len(re.findall(r'class="school-fill school-\d w-\d+"', row)) == 2
    assert "style=" not in html
    linked = re.findall(r'data-testid="separating-crux" data-key="(c\d\d)"', html)
    assert sorted(linked[:5]) == SPLIT_KEYS and sorted(linked[5:]) == SPLIT_KEYS
    assert f'href="/maps/{a_map.slug}/nodes/c00/"' in html
    assert f'href="/maps/{a_map.slug}/double-crux/?group=0"' in html
    assert f'href="/maps/{a_map.slug}/double-crux/?group=1"' in html
    assert html.count("<circle") == 30
    assert 'href="/static/css/schools.css"' in html or "css/schools" in html


def test_a_voter_sees_their_own_group_and_dot_and_nobody_elses(a_map, computed):
    me = computed[3]
    mine = SchoolMember.objects.get(run__map=a_map, user=me)
    body = groups_json(a_map.slug, me)
    label = "AB"[mine.group]
    assert body["you"] == {"group": mine.group, "label": label, "point": mine.point}
    html = schools_html(a_map.slug, me)
    assert "You are closest to" in html and f"group {label}</strong>" in html
    assert html.count('data-testid="scatter-you"') == 1
    assert html.count(">you</text>") == 1
    # The highlighted dot is the voter's own point, in the group's colour.
    you_dot = re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="7" class="([^"]+)"', html)
    assert f"school-{mine.group}" in you_dot.group(3)


def test_neither_the_api_nor_the_page_names_other_voters(a_map, computed, owner):
    me = computed[3]
    others = [u for u in computed if u.pk != me.pk]
    for user in (None, me):
        body = groups_json(a_map.slug, user)
        assert keys_in(body) <= ALLOWED_KEYS
        text = json.dumps(body)
        html = schools_html(a_map.slug, user)
        full = browser(user).get(f"/maps/{a_map.slug}/schools/").content.decode()
        for other in others:
            for page in (text, html, full):
                assert other.username not in page
                assert f'"{other.pk}"' not in page and f"user/{other.pk}" not in page
        assert "camper" not in text
    # A signed-in non-voter is in no group: no "you".
    assert groups_json(a_map.slug, owner)["you"] is None


def test_anonymous_readers_see_no_personal_double_crux_links_nor_any_you(a_map, computed):
    html = schools_html(a_map.slug)
    # What divides two schools is open to every reader; a double crux with oneself is not.
    assert 'data-testid="double-crux-school"' not in html
    assert html.count('data-testid="double-crux-schools"') == 2
    assert 'data-testid="scatter-you"' not in html
    assert "You are closest" not in html


def test_a_random_electorate_shows_no_invented_schools(a_map, random_voters):
    schools_compute(map_id=a_map.pk)
    body = groups_json(a_map.slug)
    assert body["state"] == "one_school" and body["k"] == 1
    html = schools_html(a_map.slug, random_voters[0])
    assert "do not split into distinct schools" in html
    assert "Group A" not in html and "double-crux" not in html
    assert "You are closest" not in html
    assert html.count("<circle") == 30


def test_fewer_voters_than_the_floor_give_a_clear_empty_state(a_map, camp_voters, settings):
    settings.PRIVACY_MIN_VOTERS = 31
    schools_compute(map_id=a_map.pk)
    body = groups_json(a_map.slug, camp_voters[0])
    assert body["state"] == "too_few_voters"
    assert body["groups"] == [] and body["scatter"] == [] and body["you"] is None
    assert body["voters"] == 0 and body["criterion"] is None
    html = schools_html(a_map.slug, camp_voters[0])
    assert "appear once at least 31 people have voted" in html
    assert "<svg" not in html


def test_before_the_first_run_the_section_says_it_is_coming(a_map):
    assert groups_json(a_map.slug)["state"] == "pending"
    assert "have not been worked out yet" in schools_html(a_map.slug)


def test_the_map_page_loads_the_section_with_htmx(a_map, computed):
    html = browser().get(f"/maps/{a_map.slug}/").content.decode()
    assert f'hx-get="/maps/{a_map.slug}/schools/"' in html
    assert 'data-testid="schools-slot"' in html
    # Without JavaScript: a page of its own, in the site's layout.
    full = browser().get(f"/maps/{a_map.slug}/schools/").content.decode()
    assert "<html" in full and "Group A" in full


def test_query_counts_do_not_grow_with_the_voters(a_map, computed, django_assert_max_num_queries):
    me = computed[3]
    client, page = api(me), browser(me)
    with django_assert_max_num_queries(5):
        assert client.get(f"/api/v1/maps/{a_map.slug}/groups/").status_code == 200
    with django_assert_max_num_queries(9):
        assert page.get(f"/maps/{a_map.slug}/schools/", **HX).status_code == 200


# ---- who may read -------------------------------------------------------------------

ROLES = ["anonymous", "outsider", "voter", "owner"]
EXPECTED = {
    "public": {"anonymous": 200, "outsider": 200, "voter": 200, "owner": 200},
    "private": {"anonymous": 404, "outsider": 404, "voter": 200, "owner": 200},
}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(visibility, role, owner, voter, outsider):
    the_map = MapFactory(slug=f"perm-{visibility}", owner=owner, visibility=visibility)
    MapMember.objects.create(map=the_map, user=voter, role="voter")
    user = {"anonymous": None, "outsider": outsider, "voter": voter, "owner": owner}[role]
    expected = EXPECTED[visibility][role]
    assert api(user).get(f"/api/v1/maps/{the_map.slug}/groups/").status_code == expected
    assert browser(user).get(f"/maps/{the_map.slug}/schools/", **HX).status_code == expected
    assert browser(user).get(f"/maps/{the_map.slug}/schools/").status_code == expected


def test_an_unknown_map_is_a_404_in_the_api_shape():
    response = api().get("/api/v1/maps/no-such-map/groups/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
