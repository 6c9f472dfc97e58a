"""Hostile files and requests: each is refused with a 4xx in the one error shape.

Through the real stack (APIClient with token auth) and the `import_map`
command. Every case asserts the status, that the body is exactly
{"error": {"code", "message", "fields"}} with a message naming the problem,
and that no table (users and API tokens included) gained or lost a row.
"""

import copy
import io
import json
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from claims.models import MapMember
from claims.services import edge_create, map_create, node_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
DEEP = 100_000


# --- the world the requests hit --------------------------------------------


@pytest.fixture
def world(db):
    """A public map: frames `frame` and `frame-b` (subframe of `frame`), crux `crux`."""
    people = {name: UserFactory(username=name) for name in ("owner", "editor", "voter")}
    the_map = map_create(slug="open-map", title="Open map", owner=people["owner"])
    MapMember.objects.create(map=the_map, user=people["editor"], role="editor")
    frame = node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=None
    )
    frame_b = node_create(
        map=the_map, kind="frame", category="inner", title="Frame B", key="frame-b", created_by=None
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=None)
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=None)
    edge_create(map=the_map, source=frame_b, target=frame, kind="subframe_of", created_by=None)
    return people


def client_as(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")
    return client


def assert_refused(response, status: int, word: str) -> dict:
    """The status, exactly the error shape, and a message that names the problem."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["fields"], dict)
    assert word.lower() in error["message"].lower(), (word, error["message"][:300])
    return error


# --- requests -------------------------------------------------------------

MAP = "/api/v1/maps/open-map"
NODES = f"{MAP}/nodes/"
EDGES = f"{MAP}/edges/"
VOTE = f"{MAP}/nodes/crux/vote/"
JSON = "application/json"


@dataclass(frozen=True)
class Hostile:
    method: str
    path: str
    status: int
    word: str  # a word of the error message that names the problem
    body: bytes | None = None
    content_type: str = JSON
    # (module, attribute) that must not be reached: the request is refused before
    forbid: tuple[str, str] | None = None


def j(value: object) -> bytes:
    return json.dumps(value).encode()


NODE = {"kind": "crux", "title": "A crux"}
REQUESTS = {
    # bodies that are not JSON objects
    "invalid JSON": Hostile("PUT", VOTE, 400, "invalid JSON", b'{"credence": 0.5'),
    "top level is a list": Hostile("PUT", VOTE, 400, "object", b"[0.5]"),
    "top level is a string": Hostile("PUT", VOTE, 400, "object", b'"0.5"'),
    "top level is null": Hostile("POST", NODES, 400, "object", b"null"),
    "100,000-deep array": Hostile("POST", NODES, 400, "deep", b"[" * DEEP + b"]" * DEEP),
    "100,000-deep object in a field": Hostile(
        "POST",
        NODES,
        400,
        "deep",
        b'{"kind": "crux", "title": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}",
    ),
    "50 MB body": Hostile(
        "PUT",
        VOTE,
        413,
        "too large",
        b'{"credence": 0.5, "pad": "' + b"x" * (50 * MB) + b'"}',
        forbid=("core.strict_json", "loads"),
    ),
    "empty body": Hostile("PUT", VOTE, 400, "required", b""),
    "duplicate keys": Hostile(
        "PUT", VOTE, 400, "duplicate key", b'{"credence": 0.2, "credence": 0.9}'
    ),
    # credences that are not numbers in range
    "credence NaN": Hostile("PUT", VOTE, 400, "NaN", b'{"credence": NaN}'),
    "credence Infinity": Hostile("PUT", VOTE, 400, "Infinity", b'{"credence": Infinity}'),
    "credence -Infinity": Hostile("PUT", VOTE, 400, "Infinity", b'{"credence": -Infinity}'),
    "credence 1e999": Hostile("PUT", VOTE, 400, "too large", b'{"credence": 1e999}'),
    "credence as a string": Hostile("PUT", VOTE, 400, "number", j({"credence": "0.5"})),
    "credence as a boolean": Hostile("PUT", VOTE, 400, "number", j({"credence": True})),
    "credence null": Hostile("PUT", VOTE, 400, "null", j({"credence": None})),
    "credence as a list": Hostile("PUT", VOTE, 400, "number", j({"credence": [0.5]})),
    "credence as an object": Hostile("PUT", VOTE, 400, "number", j({"credence": {"p": 0.5}})),
    "credence a huge integer": Hostile("PUT", VOTE, 400, "between", j({"credence": 10**25})),
    "credence a 5000-digit integer": Hostile(
        "PUT", VOTE, 400, "digits", b'{"credence": 1' + b"0" * 5000 + b"}"
    ),
    "prior a 400-digit integer": Hostile(
        "POST", NODES, 400, "digits", j(NODE)[:-1] + b', "prior": 1' + b"0" * 400 + b"}"
    ),
    "revision a huge integer": Hostile(
        "PATCH", f"{NODES}crux/", 409, "revision", j({"title": "New", "revision": 10**20})
    ),
    # wrong content types
    "form-encoded body": Hostile(
        "POST",
        NODES,
        415,
        "media type",
        b"kind=crux&title=A+crux",
        content_type="application/x-www-form-urlencoded",
    ),
    "text/plain body": Hostile(
        "PUT", VOTE, 415, "media type", b'{"credence": 0.5}', content_type="text/plain"
    ),
    "unknown charset": Hostile(
        "PUT", VOTE, 400, "charset", b'{"credence": 0.5}', content_type=f"{JSON}; charset=bz2_codec"
    ),
    # text that is not text
    "invalid UTF-8 bytes": Hostile(
        "POST", NODES, 400, "utf-8", b'{"kind": "crux", "title": "caf\xe9 \xff\xfe"}'
    ),
    "unpaired surrogate escape": Hostile(
        "POST", NODES, 400, "surrogate", b'{"kind": "crux", "title": "half \\ud800 pair"}'
    ),
    "control character escaped": Hostile(
        "POST", NODES, 400, "control", j({"kind": "crux", "title": "bell \u0007 rings"})
    ),
    "control character raw": Hostile(
        "POST", NODES, 400, "control", b'{"kind": "crux", "title": "raw \x01 byte"}'
    ),
    "NUL in a title": Hostile("POST", NODES, 400, "null", j({"kind": "crux", "title": "a\u0000b"})),
    "control character in a map title": Hostile(
        "PATCH", f"{MAP}/", 400, "control", j({"title": "escape \u001b[31m red"})
    ),
    "unpaired surrogate in a map description": Hostile(
        "PATCH", f"{MAP}/", 400, "surrogate", b'{"description": "\\udfff"}'
    ),
    # sizes
    "10 MB title in a node POST": Hostile(
        "POST", NODES, 413, "too large", j({"kind": "crux", "title": "t" * (10 * MB)})
    ),
    "1 MB title in a node POST": Hostile(
        "POST", NODES, 400, "title", j({"kind": "crux", "title": "t" * MB})
    ),
    "10,000 sources": Hostile(
        "POST", NODES, 400, "sources", j({**NODE, "sources": [{"document": "d"}] * 10_000})
    ),
    # graph rules through the API
    "self-loop edge": Hostile(
        "POST", EDGES, 400, "itself", j({"source": "crux", "target": "crux", "kind": "supports"})
    ),
    "dangling edge": Hostile(
        "POST", EDGES, 400, "no node", j({"source": "crux", "target": "ghost", "kind": "supports"})
    ),
    "subframe cycle": Hostile(
        "POST",
        EDGES,
        400,
        "cycle",
        j({"source": "frame", "target": "frame-b", "kind": "subframe_of"}),
    ),
    "unknown edge kind": Hostile(
        "POST", EDGES, 400, "kind", j({"source": "crux", "target": "frame", "kind": "attacks"})
    ),
    "unknown node kind": Hostile("POST", NODES, 400, "kind", j({"kind": "frme", "title": "x"})),
    "duplicate edge": Hostile(
        "POST",
        EDGES,
        409,
        "already exists",
        j({"source": "crux", "target": "frame", "kind": "supports"}),
    ),
    "duplicate node key": Hostile("POST", NODES, 409, "already exists", j({**NODE, "key": "crux"})),
    "edge weight NaN": Hostile(
        "POST",
        EDGES,
        400,
        "NaN",
        b'{"source": "crux", "target": "frame-b", "kind": "related", "weight": NaN}',
    ),
    # injection in search and filter parameters
    "NUL byte in q": Hostile("GET", f"{NODES}?q=%00%27%20OR%201%3D1", 400, "null"),
    "overlong q": Hostile("GET", f"{NODES}?q=" + "%27%20OR%201%3D1%20--" * 20, 400, "q"),
    "SQL in kind": Hostile("GET", f"{NODES}?kind=crux%27%20OR%20%271%27%3D%271", 400, "kind"),
    "HTML in category": Hostile(
        "GET", f"{NODES}?category=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", 400, "category"
    ),
    "SQL in frame": Hostile(
        "GET", f"{MAP}/ranking/?frame=frame%27%3B%20DROP%20TABLE%20claims_node%3B--", 400, "frame"
    ),
    "HTML in frame": Hostile(
        "GET", f"{MAP}/ranking/?frame=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "frame"
    ),
    "NUL byte in frame": Hostile("GET", f"{MAP}/ranking/?frame=%00", 400, "frame"),
    "SQL in limit": Hostile(
        "GET", f"{MAP}/ranking/?limit=1%3B%20DELETE%20FROM%20auth_user", 400, "limit"
    ),
    "huge limit": Hostile("GET", f"{MAP}/ranking/?limit=99999999999999999999", 400, "limit"),
    "negative limit": Hostile("GET", f"{MAP}/ranking/?limit=-1", 400, "limit"),
    "SQL in from": Hostile("GET", f"{MAP}/ranking/diff/?from=1%20OR%201%3D1&to=2", 400, "from"),
    "HTML in to": Hostile("GET", f"{MAP}/ranking/diff/?from=1&to=%3Cb%3E2%3C%2Fb%3E", 400, "to"),
    "huge page number": Hostile("GET", f"{NODES}?page=99999999999999999999", 404, "page"),
    "NUL byte in a member name": Hostile("DELETE", f"{MAP}/members/?username=%00", 400, "null"),
    "SQL in a member name": Hostile(
        "DELETE", f"{MAP}/members/?username=x%27%20OR%20%271%27%3D%271", 404, "not a member"
    ),
    "HTML in an export format": Hostile("GET", f"{MAP}/export/?format=%3Cscript%3E", 415, "format"),
    # hostile slugs and keys in URLs
    "SQL in a map slug": Hostile(
        "GET", "/api/v1/maps/x%27%20OR%20%271%27%3D%271/", 404, "endpoint"
    ),
    "HTML in a node key": Hostile(
        "GET", f"{NODES}%3Cscript%3Ealert(1)%3C%2Fscript%3E/", 404, "endpoint"
    ),
    "slug ../etc": Hostile("GET", "/api/v1/maps/../etc/", 404, "endpoint"),
    "slug %2e%2e%2f": Hostile("GET", "/api/v1/maps/%2e%2e%2fetc/nodes/", 404, "endpoint"),
    "slug a/b": Hostile("DELETE", "/api/v1/maps/a/b/", 404, "endpoint"),
    "slug-shaped SQL": Hostile("GET", "/api/v1/maps/1-or-1-1-drop-table/", 404, "no map"),
    "key-shaped SQL": Hostile("DELETE", f"{NODES}1-or-1-1/", 404, "no node"),
    "huge edge id": Hostile(
        "PATCH", f"{EDGES}99999999999999999999999/", 404, "no edge", j({"weight": 0.5})
    ),
    "unknown API version": Hostile("GET", "/api/v2/maps/", 404, "endpoint"),
    "POST without the trailing slash": Hostile(
        "POST", "/api/v1/maps", 404, "end with '/'", j({"slug": "x", "title": "X"})
    ),
    "method not allowed": Hostile("DELETE", f"{MAP}/ranking/", 405, "method"),
    # the map's own slug
    "map slug ../etc": Hostile(
        "POST", "/api/v1/maps/", 400, "slug", j({"slug": "../etc", "title": "x"})
    ),
    "map slug with SQL": Hostile(
        "POST",
        "/api/v1/maps/",
        400,
        "slug",
        j({"slug": "x'; DROP TABLE claims_map;--", "title": "x"}),
    ),
}


@pytest.mark.parametrize("case", REQUESTS.values(), ids=list(REQUESTS))
def test_hostile_request_is_refused_in_the_error_shape(world, counts, monkeypatch, case):
    client = client_as(world["owner"])

    def reached(*args, **kwargs):
        raise AssertionError(f"{case.forbid} was reached: the body was parsed")

    before = counts()
    with monkeypatch.context() as patch:
        if case.forbid is not None:
            patch.setattr(".".join(case.forbid), reached)
        response = client.generic(
            case.method, case.path, data=case.body or b"", content_type=case.content_type
        )
    assert_refused(response, case.status, case.word)
    assert counts() == before


def test_sql_and_html_in_search_are_only_text(world, counts):
    """A search for SQL or markup is a search: no rows, nothing run, nothing echoed as HTML."""
    client = client_as(world["owner"])
    before = counts()
    for q in ("' OR 1=1 --", "'; DROP TABLE claims_node; --", "<script>alert(1)</script>", "%_%"):
        response = client.get(NODES, {"q": q})
        assert response.status_code == 200
        assert response["Content-Type"].startswith(JSON)
        assert response.json()["count"] == 0, q
    assert client.get(NODES, {"q": "Crux"}).json()["count"] == 1
    assert counts() == before


def test_a_get_without_the_trailing_slash_is_redirected_like_append_slash(world):
    response = client_as(world["owner"]).get("/api/v1/maps/open-map/nodes", {"kind": "crux"})
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/maps/open-map/nodes/?kind=crux"


# --- import files: through the API and the import_map command ---------------

BASE_DOC = {
    "format": "argmap",
    "version": 1,
    "map": {"slug": "hostile", "title": "Hostile"},
    "nodes": [
        {"id": "f", "kind": "frame", "category": "outer", "title": "F"},
        {"id": "g", "kind": "frame", "title": "G"},
        {"id": "c", "kind": "crux", "title": "C"},
    ],
    "edges": [
        {"source": "c", "target": "f", "kind": "supports", "weight": 0.5},
        {"source": "g", "target": "f", "kind": "subframe_of"},
    ],
    "votes": [{"node": "c", "user": "someone-new", "credence": 0.7}],
}


def doc_with(change) -> bytes:
    doc = copy.deepcopy(BASE_DOC)
    change(doc)
    return json.dumps(doc).encode()


def node_title(title: str):
    def change(doc):
        doc["nodes"][2]["title"] = title

    return change


def vote_credence(value: object):
    def change(doc):
        doc["votes"][0]["credence"] = value

    return change


@dataclass(frozen=True)
class HostileFile:
    data: bytes
    word: str  # named by both the API's message and the command's output
    status: int = 400
    slug: str | None = None  # ?slug= / --slug
    api_word: str | None = None  # when the API names it otherwise (format detection)
    api_status: int | None = None
    command: bool = True  # import_map reads argmap files only (no AIF)


VALID = doc_with(lambda doc: None)
FILES = {
    "invalid JSON": HostileFile(b'{"format": "argmap", "nodes": [', "invalid JSON"),
    "top level is a list": HostileFile(
        b"[1, 2, 3]", "expected an object", api_word="JSON object", api_status=415
    ),
    "top level is a number": HostileFile(
        b"42", "expected an object", api_word="JSON object", api_status=415
    ),
    "empty file": HostileFile(b"", "invalid JSON", api_word="empty"),
    "100,000-deep nesting": HostileFile(
        b'{"format": "argmap", "x": ' + b"[" * DEEP + b"]" * DEEP + b"}", "nesting too deep"
    ),
    "NaN": HostileFile(VALID.replace(b'"credence": 0.7', b'"credence": NaN'), "NaN"),
    "Infinity": HostileFile(VALID.replace(b'"weight": 0.5', b'"weight": Infinity'), "Infinity"),
    "huge integer": HostileFile(
        VALID.replace(b'"weight": 0.5', b'"weight": 1' + b"0" * 5000), "too long"
    ),
    "duplicate keys": HostileFile(
        VALID.replace(b'"title": "C"', b'"title": "C", "title": "D"'), "duplicate key"
    ),
    "duplicate node ids": HostileFile(
        doc_with(lambda d: d["nodes"].append({"id": "c", "kind": "claim", "title": "Again"})),
        "duplicate id",
    ),
    "dangling edge": HostileFile(
        doc_with(
            lambda d: d["edges"].append({"source": "c", "target": "ghost", "kind": "supports"})
        ),
        "ghost",
    ),
    "self-loop": HostileFile(
        doc_with(lambda d: d["edges"].append({"source": "c", "target": "c", "kind": "supports"})),
        "self-loop",
    ),
    "subframe cycle": HostileFile(
        doc_with(
            lambda d: d["edges"].append({"source": "f", "target": "g", "kind": "subframe_of"})
        ),
        "cycle",
    ),
    "unknown kind": HostileFile(doc_with(lambda d: d["nodes"][2].update(kind="frme")), "frme"),
    "unknown edge kind": HostileFile(
        doc_with(lambda d: d["edges"][0].update(kind="attacks")), "attacks"
    ),
    "10 MB title": HostileFile(doc_with(node_title("t" * 10_000_000)), "nodes[2].title"),
    "control character in a title": HostileFile(
        doc_with(node_title("bell \u0007 rings")), "control character"
    ),
    "unpaired surrogate in a title": HostileFile(
        VALID.replace(b'"title": "C"', b'"title": "\\ud800"'), "surrogate"
    ),
    "invalid UTF-8": HostileFile(VALID.replace(b'"title": "C"', b'"title": "\xff\xfe"'), "UTF-8"),
    "credence as a string": HostileFile(doc_with(vote_credence("0.7")), "votes[0].credence"),
    "credence as a boolean": HostileFile(doc_with(vote_credence(True)), "votes[0].credence"),
    "credence null": HostileFile(doc_with(vote_credence(None)), "votes[0].credence"),
    "credence as a list": HostileFile(doc_with(vote_credence([0.7])), "votes[0].credence"),
    "credence as an object": HostileFile(doc_with(vote_credence({"p": 0.7})), "votes[0].credence"),
    "credence out of range": HostileFile(doc_with(vote_credence(1.5)), "votes[0].credence"),
    "slug ../etc": HostileFile(VALID, "slug", slug="../etc"),
    "slug %2e%2e%2f": HostileFile(VALID, "slug", slug="%2e%2e%2f"),
    "slug a/b": HostileFile(VALID, "slug", slug="a/b"),
    "slug with a final newline": HostileFile(VALID, "slug", slug="hostile\n"),
    "slug with SQL": HostileFile(VALID, "slug", slug="x'; DROP TABLE claims_map;--"),
    "slug in the file ../etc": HostileFile(
        doc_with(lambda d: d["map"].update(slug="../etc")), "map.slug"
    ),
    "AIF edge to a missing node": HostileFile(
        j(
            {
                "nodes": [
                    {"nodeID": "1", "type": "I", "text": "a"},
                    {"nodeID": "2", "type": "RA", "text": "Default Inference"},
                ],
                "edges": [
                    {"edgeID": "1", "fromID": "1", "toID": "2"},
                    {"edgeID": "2", "fromID": "2", "toID": "404"},
                ],
            }
        ),
        "404",
        slug="from-aif",
        command=False,
    ),
}


def _query(slug: str | None) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode({"slug": slug}) if slug is not None else ""


@pytest.mark.parametrize("case", FILES.values(), ids=list(FILES))
def test_hostile_import_file_is_refused_by_the_api(world, counts, case):
    before = counts()
    response = client_as(world["voter"]).post(
        f"/api/v1/maps/import/{_query(case.slug)}", data=case.data, content_type=JSON
    )
    assert_refused(response, case.api_status or case.status, case.api_word or case.word)
    assert counts() == before


@pytest.mark.parametrize(
    "case", [c for c in FILES.values() if c.command], ids=[k for k, c in FILES.items() if c.command]
)
def test_hostile_import_file_is_refused_by_import_map(world, counts, tmp_path, case):
    path = tmp_path / "hostile.argmap.json"
    path.write_bytes(case.data)
    options = {"slug": case.slug} if case.slug is not None else {}
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_map", str(path), stdout=io.StringIO(), stderr=err, **options)
    assert case.word.lower() in err.getvalue().lower(), err.getvalue()[:500]
    assert counts() == before


def test_an_import_over_the_limit_is_413_before_parsing(world, counts, monkeypatch):
    import claims.services

    def reached(**kwargs):
        raise AssertionError("the oversized file was handed to the importer")

    data = VALID[:-1] + b', "pad": "' + b"x" * (50 * MB) + b'"}'
    before = counts()
    with monkeypatch.context() as patch:
        patch.setattr(claims.services, "map_import_upload", reached)
        response = client_as(world["voter"]).post(
            "/api/v1/maps/import/", data=data, content_type=JSON
        )
    assert_refused(response, 413, "ARGMAP_MAX_IMPORT_BYTES")
    assert counts() == before


def test_a_malformed_multipart_import_is_a_400(world, counts):
    before = counts()
    response = client_as(world["voter"]).generic(
        "POST",
        "/api/v1/maps/import/",
        data=b'--nope\r\nContent-Disposition: form-data; name="file"\r\n\r\n{}',
        content_type="multipart/form-data; boundary=",
    )
    assert_refused(response, 400, "multipart")
    assert counts() == before


def test_the_valid_file_the_hostile_ones_derive_from_imports(world):
    """The corpus above is refused for what each case changed, not for the base file."""
    response = client_as(world["voter"]).post("/api/v1/maps/import/", data=VALID, content_type=JSON)
    assert response.status_code == 201, response.content


def test_an_http404_raised_outside_drf_under_api_is_json_and_elsewhere_the_page(rf):
    from django.http import Http404

    from core.api_base import page_not_found_json_under_api

    api = page_not_found_json_under_api(rf.get("/api/schema/x"), Http404("no such schema"))
    assert api.status_code == 404 and api["Content-Type"].startswith(JSON)
    assert json.loads(api.content) == {
        "error": {"code": "not_found", "message": "no such schema", "fields": {}}
    }
    page = page_not_found_json_under_api(rf.get("/no-such-page/"), Http404("gone"))
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_an_api_import_cannot_vote_for_others_or_reserve_their_usernames(world):
    from django.contrib.auth import get_user_model

    from cruxes.models import Vote

    forged = doc_with(
        lambda d: d.update(
            votes=[
                {"node": "c", "user": "owner", "credence": 0.99},
                {"node": "c", "user": "someone-later", "credence": 0.01},
            ]
        )
    )
    response = client_as(world["voter"]).post(
        "/api/v1/maps/import/", data=forged, content_type=JSON
    )
    assert response.status_code == 201, response.content
    assert response.json()["votes"] == 0 and response.json()["skipped"] == {"votes": 2}
    assert not Vote.objects.filter(user=world["owner"]).exists()
    assert not get_user_model().objects.filter(username="someone-later").exists()
