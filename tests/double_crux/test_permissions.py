"""Who may use the new endpoints, one line each: anonymous, outsider (signed in, no role),
voter (member), owner; on a public and on a private map."""

import pytest

from cruxes.models import SchoolsRun, ShareAudience
from cruxes.sharing import sharing_set
from tests.discussion.conftest import build

pytestmark = pytest.mark.django_db

GROUPS = [
    {"id": 1, "label": "School A", "size": 3, "credences": {"crux": 0.9}, "frames": {}},
    {"id": 2, "label": "School B", "size": 3, "credences": {"crux": 0.1}, "frames": {}},
    # Below the privacy floor (3): never listed, never compared.
    {"id": 3, "label": "School C", "size": 2, "credences": {"crux": 0.5}, "frames": {}},
]


@pytest.fixture
def maps(owner, editor, voter):
    out = {}
    for visibility in ("public", "private"):
        the_map, _, _ = build(owner, editor, voter, slug=visibility, visibility=visibility)
        sharing_set(user=owner, map=the_map, audience=ShareAudience.EVERYONE)
        SchoolsRun.objects.create(
            map=the_map, graph_version=the_map.graph_version, voters=8, groups=GROUPS
        )
        out[visibility] = the_map
    return out


# (method, path under /api/v1/maps/<slug>/, body)
ME = ("get", "me/", None)
SHARING = ("get", "me/sharing/", None)
SHARE = ("put", "me/sharing/", {"audience": "nobody"})
WITH_OWNER = ("get", "double-crux/?with=owner", None)  # the owner shares with everyone
WITH_EDITOR = ("get", "double-crux/?with=editor", None)  # the editor shares with nobody
WITH_SCHOOL = ("get", "double-crux/?group=1", None)
SCHOOLS = ("get", "double-crux/?group=1&against=2", None)
SMALL_SCHOOL = ("get", "double-crux/?group=1&against=3", None)

TABLE = [
    # endpoint, map, persona, status
    (ME, "public", None, 401),
    (ME, "private", None, 404),
    (ME, "public", "outsider", 200),
    (ME, "private", "outsider", 404),
    (ME, "private", "voter", 200),
    (SHARING, "public", None, 401),
    (SHARING, "private", "outsider", 404),
    (SHARING, "public", "outsider", 200),
    (SHARING, "private", "voter", 200),
    (SHARE, "public", None, 401),
    (SHARE, "private", "outsider", 404),
    (SHARE, "public", "outsider", 200),
    (SHARE, "private", "voter", 200),
    (WITH_OWNER, "public", None, 401),
    (WITH_OWNER, "private", None, 404),
    (WITH_OWNER, "public", "outsider", 200),
    (WITH_OWNER, "private", "outsider", 404),
    (WITH_OWNER, "private", "voter", 200),
    (WITH_OWNER, "private", "owner", 400),  # with yourself
    (WITH_EDITOR, "public", "outsider", 403),
    (WITH_EDITOR, "private", "voter", 403),
    (WITH_EDITOR, "private", "owner", 403),  # owning the map is not consent
    (WITH_SCHOOL, "public", None, 401),
    (WITH_SCHOOL, "public", "outsider", 200),
    (WITH_SCHOOL, "private", "outsider", 404),
    (WITH_SCHOOL, "private", "voter", 200),
    (SCHOOLS, "public", None, 200),
    (SCHOOLS, "private", None, 404),
    (SCHOOLS, "private", "outsider", 404),
    (SCHOOLS, "private", "voter", 200),
    (SMALL_SCHOOL, "public", "voter", 404),
]


@pytest.mark.parametrize(("endpoint", "visibility", "persona", "status"), TABLE)
def test_permission_table(maps, people, client_for, endpoint, visibility, persona, status):
    method, path, body = endpoint
    client = client_for(people[persona] if persona else None)
    url = f"/api/v1/maps/{maps[visibility].slug}/{path}"
    response = getattr(client, method)(url, body, format="json") if body else client.get(url)
    assert response.status_code == status, response.content


@pytest.mark.parametrize("persona", [None, "outsider", "voter"])
def test_my_view_never_shows_anyone_elses_votes(maps, people, client_for, persona):
    """The owner voted 0.9 on the crux alone (below the privacy floor): my view shows the
    community's value of that crux to nobody else, and to the owner only as their own."""
    from cruxes.services import vote_cast

    the_map = maps["public"]
    vote_cast(user=people["owner"], node=the_map.nodes.get(key="crux"), credence=0.9)
    if persona is None:
        assert client_for(None).get(f"/api/v1/maps/{the_map.slug}/me/").status_code == 401
        return
    body = client_for(people[persona]).get(f"/api/v1/maps/{the_map.slug}/me/").json()
    crux = next(c for c in body["cruxes"] if c["key"] == "crux")
    assert crux["community"] is None
    assert crux["my_vote"] is None
    assert crux["mine"] is None  # where I did not vote "mine" is the community's
    assert all(d["key"] != "crux" for d in body["differences"]["cruxes"])
