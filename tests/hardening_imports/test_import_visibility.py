"""Issue 12, item 14: a re-imported map keeps the visibility its file names.

The uploader overrides it only by choosing another one explicitly, in the HTML
form or with the API's `?visibility=`; a form left as it was rendered is not a
choice. A file that names no visibility (AIF, or an argmap file without
`map.visibility`) imports as public, as docs/FORMAT.md says.
"""

import json
from html.parser import HTMLParser

import pytest
from django.test import Client

from claims.models import Map
from claims.services import map_create, node_create

pytestmark = pytest.mark.django_db

AIF_WITHOUT_VISIBILITY = {
    "nodes": [
        {"nodeID": "1", "text": "Models will generalise as trained", "type": "I"},
        {"nodeID": "2", "text": "Alignment is easy", "type": "I"},
        {"nodeID": "3", "text": "Default Inference", "type": "RA"},
    ],
    "edges": [
        {"edgeID": "1", "fromID": "1", "toID": "3"},
        {"edgeID": "2", "fromID": "3", "toID": "2"},
    ],
    "locutions": [],
}


class _FormDefaults(HTMLParser):
    """What a browser would send for one form that nobody touched: each input's
    value and each select's selected option (or its first, when none is)."""

    def __init__(self, testid: str):
        super().__init__()
        self.testid = testid
        self.inside = False
        self.values: dict[str, str] = {}
        self.file_fields: list[str] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == self.testid:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "file":
                self.file_fields.append(a["name"])
            elif a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first_option, self._selected = a["name"], None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self.inside:
            chosen = self._selected if self._selected is not None else self._first_option
            self.values[self._select] = chosen or ""
            self._select = None
        if tag == "form":
            self.inside = False


def untouched_import_form(client: Client) -> dict[str, str]:
    page = client.get("/import-export/")
    assert page.status_code == 200
    parser = _FormDefaults("import-form")
    parser.feed(page.content.decode())
    assert parser.file_fields == ["file"]
    return parser.values


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/json")


def import_through_the_form(client, content: bytes, *, name="map.json", **choices):
    """POST the import form as rendered, with the file attached and `choices` changed."""
    data = {**untouched_import_form(client), **choices, "file": upload(name, content)}
    return client.post("/import-export/", data)


def anonymous_sees(slug: str) -> bool:
    anonymous = Client()
    page = anonymous.get(f"/maps/{slug}/")
    api = anonymous.get(f"/api/v1/maps/{slug}/")
    assert page.status_code == api.status_code, (page.status_code, api.status_code)
    assert page.status_code in (200, 404)
    return page.status_code == 200


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def private_export(client, owner):
    """The argmap file a person downloads of their private map `secret`, slug edited to
    `secret-copy` as someone making a copy would."""
    the_map = map_create(slug="secret", title="Secret", owner=owner, visibility="private")
    node_create(map=the_map, kind="crux", title="A private crux", key="c", created_by=owner)
    client.force_login(owner)
    response = client.get("/maps/secret/export/argmap/")
    assert response.status_code == 200
    doc = json.loads(_content(response))
    assert doc["map"]["visibility"] == "private"
    doc["map"]["slug"] = "secret-copy"
    return json.dumps(doc).encode()


def test_the_import_form_offers_the_files_own_visibility_by_default(client, owner):
    client.force_login(owner)
    assert untouched_import_form(client)["visibility"] == ""
    page = client.get("/import-export/").content.decode()
    assert "as in the file" in page


def test_private_map_reimported_through_the_untouched_form_stays_private(
    client, owner, private_export
):
    response = import_through_the_form(client, private_export)
    assert response.status_code == 302, _content(response)[:500]
    assert response["Location"] == "/maps/secret-copy/"
    assert Map.objects.get(slug="secret-copy").visibility == "private"
    assert not anonymous_sees("secret-copy")
    assert client.get("/maps/secret-copy/").status_code == 200  # the owner still sees it


def test_choosing_public_in_the_form_publishes_the_reimported_map(client, owner, private_export):
    response = import_through_the_form(client, private_export, visibility="public")
    assert response.status_code == 302
    assert Map.objects.get(slug="secret-copy").visibility == "public"
    assert anonymous_sees("secret-copy")


def test_choosing_private_in_the_form_hides_a_public_file(client, owner):
    client.force_login(owner)
    map_create(slug="open", title="Open", owner=owner, visibility="public")
    doc = json.loads(_content(client.get("/maps/open/export/argmap/")))
    doc["map"]["slug"] = "open-copy"
    response = import_through_the_form(client, json.dumps(doc).encode(), visibility="private")
    assert response.status_code == 302
    assert not anonymous_sees("open-copy")


def test_an_unknown_visibility_in_the_form_is_refused_and_writes_nothing(
    client, owner, private_export, counts
):
    before = counts()
    response = import_through_the_form(client, private_export, visibility="everyone")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert counts() == before


def test_argmap_file_without_visibility_imports_as_public_through_the_form(client, owner):
    client.force_login(owner)
    doc = {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "plain", "title": "Plain"},
        "nodes": [{"id": "c", "kind": "crux", "title": "A crux"}],
        "edges": [],
    }
    response = import_through_the_form(client, json.dumps(doc).encode())
    assert response.status_code == 302
    assert anonymous_sees("plain")


def test_aif_file_imports_as_public_through_the_form_unless_private_is_chosen(client, owner):
    client.force_login(owner)
    aif = json.dumps(AIF_WITHOUT_VISIBILITY).encode()
    assert import_through_the_form(client, aif, name="a.json", slug="aif-plain").status_code == 302
    assert anonymous_sees("aif-plain")
    chosen = import_through_the_form(
        client, aif, name="a.json", slug="aif-hidden", visibility="private"
    )
    assert chosen.status_code == 302
    assert not anonymous_sees("aif-hidden")


# The API: `?visibility=` overrides only when it is given.


def test_private_map_reimported_through_the_api_without_visibility_stays_private(
    owner, private_export, client_for
):
    response = client_for(owner).post(
        "/api/v1/maps/import/", data=private_export, content_type="application/json"
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["slug"] == "secret-copy"
    assert not anonymous_sees("secret-copy")


def test_private_map_reimported_through_the_api_with_visibility_public_is_public(
    owner, private_export, client_for
):
    response = client_for(owner).post(
        "/api/v1/maps/import/?visibility=public",
        data=private_export,
        content_type="application/json",
    )
    assert response.status_code == 201
    assert anonymous_sees("secret-copy")


def test_api_aif_import_without_visibility_is_public_and_a_bad_one_is_refused(
    owner, client_for, counts
):
    aif = json.dumps(AIF_WITHOUT_VISIBILITY)
    api = client_for(owner)
    ok = api.post(
        "/api/v1/maps/import/?format=aif&slug=aif-api", data=aif, content_type="application/json"
    )
    assert ok.status_code == 201
    assert anonymous_sees("aif-api")
    before = counts()
    for bad in ("everyone", ""):
        refused = api.post(
            f"/api/v1/maps/import/?format=aif&slug=aif-bad&visibility={bad}",
            data=aif,
            content_type="application/json",
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["fields"] == {"visibility": ["invalid"]}
        assert "visibility must be public or private" in refused.json()["error"]["message"]
    assert counts() == before


@pytest.fixture
def client_for():
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        api = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api

    return make
