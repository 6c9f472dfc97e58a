"""Each endpoint's success and failure paths, through the real stack."""

import json

import pytest
from django.test import override_settings

from claims.models import Edge, Map, Node
from cruxes.services import ranking_refresh
from tests.conftest import SEED_PATH, SHARED

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def test_register_token_and_auth(client_for):
    anon = client_for()
    response = anon.post(
        "/api/v1/auth/register/",
        {"username": "ada", "password": "a long passphrase 42"},
        format="json",
    )
    assert response.status_code == 201
    weak = anon.post(
        "/api/v1/auth/register/", {"username": "bob", "password": "123"}, format="json"
    )
    assert weak.status_code == 400 and "password" in error_of(weak)["fields"]
    taken = anon.post(
        "/api/v1/auth/register/",
        {"username": "ada", "password": "another long phrase 7"},
        format="json",
    )
    assert taken.status_code == 409
    token = anon.post(
        "/api/v1/auth/token/",
        {"username": "ada", "password": "a long passphrase 42"},
        format="json",
    )
    assert token.status_code == 200 and token.json()["token"] == response.json()["token"]
    wrong = anon.post("/api/v1/auth/token/", {"username": "ada", "password": "nope"}, format="json")
    assert wrong.status_code == 400
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    created = anon.post("/api/v1/maps/", {"slug": "adas-map", "title": "Ada's"}, format="json")
    assert created.status_code == 201 and created.json()["owner"] == "ada"


def test_register_is_throttled(client_for, settings):
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], register="2/min")
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        from rest_framework.settings import api_settings
        from rest_framework.throttling import SimpleRateThrottle

        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        try:
            anon = client_for()
            codes = [
                anon.post(
                    "/api/v1/auth/register/",
                    {"username": f"u{i}", "password": "a long passphrase 42"},
                    format="json",
                ).status_code
                for i in range(3)
            ]
        finally:
            # The rates of before, not the overridden ones: the class attribute outlives
            # the override, and "register 2/min" throttled later tests' sign-ups.
            SimpleRateThrottle.THROTTLE_RATES = original
    assert codes == [201, 201, 429]


def test_node_crud_filters_search_and_revisions(people, maps, client_for):
    editor = client_for(people["editor"])
    base = "/api/v1/maps/open-map/nodes/"
    made = editor.post(
        base,
        {
            "kind": "claim",
            "title": "Deception is hard to detect",
            "text": "Models may hide it.",
            "sources": [{"document": "004.txt", "locator": "Deception"}],
        },
        format="json",
    )
    assert made.status_code == 201
    key = made.json()["key"]
    assert key == "deception-is-hard-to-detect"
    assert editor.get(base + "?kind=claim").json()["count"] == 1
    assert editor.get(base + "?q=hide").json()["results"][0]["key"] == key
    assert editor.get(base + "?kind=frme").status_code == 400
    stale_missing = editor.patch(base + f"{key}/", {"title": "New"}, format="json")
    assert stale_missing.status_code == 400 and "revision" in error_of(stale_missing)["fields"]
    ok = editor.patch(
        base + f"{key}/",
        {"title": "Deception is very hard to detect", "revision": 1},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["revision"] == 2
    stale = editor.patch(base + f"{key}/", {"text": "lost?", "revision": 1}, format="json")
    assert stale.status_code == 409 and error_of(stale)["code"] == "stale_revision"
    revisions = editor.get(base + f"{key}/revisions/").json()
    assert [r["revision"] for r in revisions] == [2, 1]
    assert revisions[1]["title"] == "Deception is hard to detect"
    assert editor.get(base + "nope/").status_code == 404
    assert editor.delete(base + f"{key}/").status_code == 204
    assert not Node.objects.filter(key=key).exists()


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"kind": "crux"},
        {"kind": "crux", "title": 5},
        {"kind": "crux", "title": "x" * 201},
        {"kind": "crux", "title": "ok", "prior": "0.5"},
        {"kind": "crux", "title": "ok", "prior": True},
        {"kind": "crux", "title": "ok", "prior": 1.2},
        {"kind": "crux", "title": "ok", "category": "outer"},
        {"kind": "crux", "title": "ok", "key": "Bad Key"},
        {"kind": "crux", "title": "nul \u0000"},
    ],
)
def test_bad_node_input_is_a_400_naming_the_problem(people, maps, client_for, counts, body):
    before = counts()
    response = client_for(people["editor"]).post(
        "/api/v1/maps/open-map/nodes/", body, format="json"
    )
    assert response.status_code == 400, response.content
    err = error_of(response)
    assert err["message"] and err["code"] == "invalid"
    assert counts() == before


def test_edge_list_is_paged_and_filtered(people, maps, client_for):
    editor = client_for(people["editor"])
    base = "/api/v1/maps/open-map/edges/"
    for i in range(7):
        key = f"c{i}"
        editor.post("/api/v1/maps/open-map/nodes/", {"kind": "crux", "title": key, "key": key},
                    format="json")  # fmt: skip
        kind = "undermines" if i % 2 else "supports"
        created = editor.post(base, {"source": key, "target": "frame", "kind": kind}, format="json")
        assert created.status_code == 201
    page = editor.get(f"{base}?page_size=3").json()
    assert page["count"] == 8 and len(page["results"]) == 3 and page["next"]
    everything = []
    url = f"{base}?page_size=3"
    while url:
        body = editor.get(url).json()
        everything += body["results"]
        url = body["next"]
    assert len({e["id"] for e in everything}) == 8
    touching = editor.get(f"{base}?node=c3").json()
    assert [(e["source"], e["target"]) for e in touching["results"]] == [("c3", "frame")]
    undermines = editor.get(f"{base}?kind=undermines").json()
    assert undermines["count"] == 3 and {e["kind"] for e in undermines["results"]} == {"undermines"}
    assert editor.get(f"{base}?node=ghost").status_code == 404
    assert "kind" in error_of(editor.get(f"{base}?kind=attacks"))["fields"]
    assert "node" in error_of(editor.get(f"{base}?node=a%00b"))["fields"]


def test_edges_create_conflict_patch_delete(people, maps, client_for, counts):
    editor = client_for(people["editor"])
    base = "/api/v1/maps/open-map/edges/"
    dup = editor.post(
        base, {"source": "crux", "target": "frame", "kind": "supports"}, format="json"
    )
    assert dup.status_code == 409
    before = counts()
    for body, field in [
        ({"source": "crux", "target": "ghost", "kind": "supports"}, "target"),
        ({"source": "crux", "target": "crux", "kind": "supports"}, "target"),
        ({"source": "crux", "target": "frame", "kind": "attacks"}, "kind"),
        ({"source": "crux", "target": "frame", "kind": "related", "weight": -1}, "weight"),
        ({"source": "crux", "target": "frame", "kind": "related", "weight": "1"}, "weight"),
        ({"source": "crux", "target": "frame", "kind": "subframe_of"}, "kind"),
    ]:
        response = editor.post(base, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in error_of(response)["fields"], (body, response.json())
    assert counts() == before
    edge_id = editor.get(base).json()["results"][0]["id"]
    assert edge_id == "crux--supports--frame"  # an edge's id is its key, not a row number
    patched = editor.patch(f"{base}{edge_id}/", {"weight": 0.25}, format="json")
    assert patched.status_code == 200 and patched.json()["weight"] == 0.25
    assert editor.patch(f"{base}99999/", {"weight": 0.2}, format="json").status_code == 404
    assert editor.delete(f"{base}{edge_id}/").status_code == 204
    assert not Edge.objects.filter(map__slug="open-map", key=edge_id).exists()


def test_vote_put_get_delete_and_credence(people, maps, client_for, counts):
    voter = client_for(people["voter"])
    url = "/api/v1/maps/open-map/nodes/crux/"
    assert voter.get(url + "vote/").status_code == 404
    put = voter.put(url + "vote/", {"credence": 0.8}, format="json")
    assert put.status_code == 200 and put.json()["credence"] == 0.8
    assert put.json()["stale"] is False
    before = counts()
    for bad in (1.5, 0.0, 0.999, "0.5", True, None, [0.5]):
        response = voter.put(url + "vote/", {"credence": bad}, format="json")
        assert response.status_code == 400, bad
        assert "credence" in error_of(response)["fields"]
    assert counts() == before
    client_for(people["editor"]).patch(url, {"text": "reworded", "revision": 1}, format="json")
    assert voter.get(url + "vote/").json()["stale"] is True
    client_for(people["registered"]).put(url + "vote/", {"credence": 0.2}, format="json")
    # A third voter: below PRIVACY_MIN_VOTERS (3) the statistics are withheld.
    client_for(people["owner"]).put(url + "vote/", {"credence": 0.5}, format="json")
    credence = voter.get(url + "credence/").json()
    assert credence["n"] == 3 and credence["mean"] == pytest.approx(0.5)
    assert sum(credence["histogram"]) == 3 and len(credence["histogram"]) == 10
    assert credence["prior"] == 0.5
    assert voter.delete(url + "vote/").status_code == 204
    assert voter.delete(url + "vote/").status_code == 404
    assert voter.get(url + "credence/").json()["n"] == 2


def test_ranking_endpoint_runs_and_diff_explain_a_scripted_vote_sequence(people, maps, client_for):
    the_map = maps["public"]
    owner = client_for(people["owner"])
    owner.post(
        "/api/v1/maps/open-map/nodes/",
        {"kind": "crux", "title": "Other", "key": "other"},
        format="json",
    )
    owner.post(
        "/api/v1/maps/open-map/edges/",
        {"source": "other", "target": "frame", "kind": "undermines", "weight": 0.5},
        format="json",
    )
    ranking_refresh(map_id=the_map.pk)
    v1 = Map.objects.get(pk=the_map.pk).graph_version
    first = owner.get("/api/v1/maps/open-map/ranking/").json()
    assert first["stale"] is False and first["graph_version"] == v1
    assert {c["id"] for c in first["cruxes"]} == {"crux", "other"}
    # a divided community on "crux": its score should move
    for person, credence in (("voter", 0.1), ("editor", 0.9), ("registered", 0.15)):
        client_for(people[person]).put(
            "/api/v1/maps/open-map/nodes/crux/vote/", {"credence": credence}, format="json"
        )
    stale = owner.get("/api/v1/maps/open-map/ranking/").json()
    assert stale["stale"] is True and stale["map_graph_version"] == v1 + 3
    ranking_refresh(map_id=the_map.pk)
    v2 = Map.objects.get(pk=the_map.pk).graph_version
    fresh = owner.get("/api/v1/maps/open-map/ranking/?frame=frame&limit=1").json()
    assert fresh["stale"] is False and len(fresh["cruxes"]) == 1
    runs = owner.get("/api/v1/maps/open-map/ranking/runs/").json()
    assert [r["graph_version"] for r in runs][:2] == [v2, v1]
    diff = owner.get(f"/api/v1/maps/open-map/ranking/diff/?from={v1}&to={v2}").json()
    moved = {c["id"]: c for c in diff["cruxes"]}
    assert "crux" in moved
    assert moved["crux"]["old_score"] != moved["crux"]["new_score"]
    actions = [w["action"] for w in moved["crux"]["why"]]
    assert actions == ["vote_cast", "vote_cast", "vote_cast"]
    assert all("user" not in w for w in moved["crux"]["why"])  # votes stay anonymous
    assert owner.get("/api/v1/maps/open-map/ranking/diff/?from=1&to=99999").status_code == 404
    assert owner.get("/api/v1/maps/open-map/ranking/diff/?from=x&to=2").status_code == 400
    assert owner.get("/api/v1/maps/open-map/ranking/?frame=crux").status_code == 400
    assert owner.get("/api/v1/maps/open-map/ranking/?limit=-1").status_code == 400


@pytest.mark.parametrize("fmt", ["argmap", "aif", "graphml", "argdown"])
def test_export_downloads_with_a_file_name(people, maps, client_for, fmt):
    response = client_for(people["voter"]).get(f"/api/v1/maps/open-map/export/?format={fmt}")
    assert response.status_code == 200
    assert 'filename="open-map.' in response["Content-Disposition"]
    assert b"Crux" in response.getvalue()  # argmap is streamed


def test_export_unknown_format_is_415(people, maps, client_for):
    response = client_for(people["voter"]).get("/api/v1/maps/open-map/export/?format=pdf")
    assert response.status_code == 415


def test_import_argmap_then_export_round_trip(people, client_for):
    client = client_for(people["registered"])
    data = SEED_PATH.read_bytes()
    response = client.post(
        "/api/v1/maps/import/?slug=seed-copy&visibility=private",
        data=data,
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "seed-copy" and body["nodes"] >= 80
    the_map = Map.objects.get(slug="seed-copy")
    assert the_map.owner == people["registered"] and the_map.visibility == "private"
    exported = client.get("/api/v1/maps/seed-copy/export/?format=argmap").getvalue()
    again = client.post(
        "/api/v1/maps/import/?slug=seed-copy-2", data=exported, content_type="application/json"
    )
    assert again.status_code == 201
    exported_again = client.get("/api/v1/maps/seed-copy-2/export/?format=argmap").getvalue()
    strip = lambda raw: {k: v for k, v in json.loads(raw).items() if k != "map"}  # noqa: E731
    assert strip(exported) == strip(exported_again)
    assert client_for(people["voter"]).get("/api/v1/maps/seed-copy/").status_code == 404


def test_import_multipart_and_argmap_to_aif_to_argmap(people, client_for):
    client = client_for(people["registered"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("alignment.json", SEED_PATH.read_bytes(), "application/json")
    assert (
        client.post("/api/v1/maps/import/", {"file": upload}, format="multipart").status_code == 201
    )
    aif = client.get("/api/v1/maps/alignment/export/?format=aif").getvalue()  # a file download
    back = client.post(
        "/api/v1/maps/import/?format=aif&slug=via-aif", data=aif, content_type="application/json"
    )
    assert back.status_code == 201, back.content
    original = {n.key: (n.kind, n.title) for n in Node.objects.filter(map__slug="alignment")}
    restored = {n.key: (n.kind, n.title) for n in Node.objects.filter(map__slug="via-aif")}
    assert restored == original

    def signed(slug):
        return set(
            Edge.objects.filter(map__slug=slug, kind__in=["supports", "undermines"]).values_list(
                "source__key", "target__key", "kind"
            )
        )

    assert signed("via-aif") == signed("alignment")


AIF_FILES = sorted((SHARED / "testdata" / "aif").glob("*.json"))


@pytest.mark.parametrize("path", AIF_FILES, ids=[p.name for p in AIF_FILES])
def test_aif_corpus_files_import_with_matching_counts(people, client_for, path):
    raw = json.loads(path.read_text())
    types = {str(n["nodeID"]): n["type"] for n in raw["nodes"]}
    i_nodes = sum(1 for t in types.values() if t == "I")

    def pairs(scheme):
        into, out = {}, {}
        for e in raw["edges"]:
            f, t = str(e["fromID"]), str(e["toID"])
            if types.get(t) == scheme and types.get(f) == "I":
                into.setdefault(t, set()).add(f)
            if types.get(f) == scheme and types.get(t) == "I":
                out.setdefault(f, set()).add(t)
        return {(p, c) for s in into for p in into[s] for c in out.get(s, ()) if p != c}

    slug = "aif-" + path.stem.lower().replace("_", "-")
    response = client_for(people["registered"]).post(
        f"/api/v1/maps/import/?slug={slug}",
        data=path.read_bytes(),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["nodes"] == i_nodes
    supports = Edge.objects.filter(map__slug=slug, kind="supports").count()
    undermines = Edge.objects.filter(map__slug=slug, kind="undermines").count()
    assert supports == len(pairs("RA"))
    assert undermines == len(pairs("CA"))
    dialogue = sum(1 for t in types.values() if t in ("L", "YA", "TA", "PA"))
    assert sum(v for k, v in body["skipped"].items() if k in ("L", "YA", "TA", "PA")) == dialogue


@pytest.mark.parametrize(
    ("query", "body", "status", "code"),
    [
        ("", b"", 400, "invalid"),
        ("", b"not json at all", 415, "unsupported_format"),
        ("?format=pdf", b"{}", 415, "unsupported_format"),
        ("", b'{"format": "argmap", "version": 1, "nodes": [', 400, "invalid"),
        ("?format=aif", b'{"nodes": [], "edges": []}', 400, "invalid"),  # no slug
        (
            "?format=aif&slug=x",
            b'{"nodes": [{"nodeID": "1", "type": "I", "text": "a"}],'
            b' "edges": [{"edgeID": "1", "fromID": "1", "toID": "9"}]}',
            400,
            "invalid",
        ),
        ("?slug=../etc", b'{"format": "argmap"}', 400, "invalid"),
    ],
)
def test_bad_imports_are_refused_and_write_nothing(
    people, client_for, counts, query, body, status, code
):
    before = counts()
    response = client_for(people["registered"]).post(
        f"/api/v1/maps/import/{query}", data=body, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    assert counts() == before


def test_oversized_import_is_413_before_parsing(people, client_for, counts, settings):
    settings.ARGMAP_MAX_IMPORT_BYTES = 1000
    before = counts()
    response = client_for(people["registered"]).post(
        "/api/v1/maps/import/", data=b"{" + b" " * 5000 + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert "ARGMAP_MAX_IMPORT_BYTES" in error_of(response)["message"]
    assert counts() == before


def test_anonymous_import_is_401(client_for):
    response = client_for().post(
        "/api/v1/maps/import/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_schema_and_swagger_ui_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/maps/{slug}/ranking/diff/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "http://" not in html
