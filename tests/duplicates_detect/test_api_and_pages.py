"""The look-up API, the check before a node is made, the typing partial, the
moderators' list and its dismissal: who may, what they see, bad input."""

import pytest

from claims.models import DuplicateCandidate, DuplicateDismissal, Map, Node
from claims.services import node_create
from claims.services.duplicates import duplicates_refresh
from tests.duplicates_detect.conftest import PARAPHRASE, build

pytestmark = pytest.mark.django_db
SIMILAR = "/api/v1/maps/{}/nodes/similar/"


def test_anyone_may_look_up_on_a_public_map(dup_map, client_for):
    r = client_for().get(SIMILAR.format("dup"), {"title": PARAPHRASE})
    assert r.status_code == 200, r.content
    assert r.json()["results"][0]["key"] == "deceptive"
    assert 0 < r.json()["results"][0]["score"] <= 1


def test_a_private_map_is_a_404_to_outsiders_and_open_to_members(
    owner, editor, voter, outsider, client_for
):
    build(owner, editor, voter, slug="secret", visibility="private")
    assert client_for().get(SIMILAR.format("secret"), {"title": "x y z"}).status_code == 404
    assert client_for(outsider).get(SIMILAR.format("secret"), {"title": "xyz"}).status_code == 404
    r = client_for(voter).get(SIMILAR.format("secret"), {"title": PARAPHRASE})
    assert r.status_code == 200 and r.json()["results"][0]["key"] == "deceptive"


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "title"), ({"title": "x" * 1000}, "title"), ({"title": "ok", "limit": "0"}, "limit")],
)
def test_bad_look_ups_are_400s_naming_the_field(dup_map, client_for, params, field):
    r = client_for().get(SIMILAR.format("dup"), params)
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]


def test_the_similar_route_is_not_taken_for_a_node_key(dup_map, client_for):
    r = client_for().get(SIMILAR.format("dup"), {"title": PARAPHRASE})
    assert "results" in r.json()  # not a node's detail (nor "no node 'similar'")


def test_check_duplicates_refuses_with_the_list_and_force_creates(dup_map, editor, client_for):
    client = client_for(editor)
    url = "/api/v1/maps/dup/nodes/"
    body = {"kind": "crux", "title": PARAPHRASE}
    before = Node.objects.count()
    r = client.post(url + "?check_duplicates=1", body, format="json")
    assert r.status_code == 409, r.content
    assert r.json()["error"]["code"] == "possible_duplicates"
    assert r.json()["similar"][0]["key"] == "deceptive"
    assert Node.objects.count() == before  # nothing made
    r = client.post(url + "?check_duplicates=1", {**body, "force": True}, format="json")
    assert r.status_code == 201
    r = client.post(url + "?check_duplicates=1&force=1", {**body, "key": "again"}, format="json")
    assert r.status_code == 201
    assert Node.objects.count() == before + 2


def test_without_the_flag_or_with_nothing_alike_nodes_are_made_as_before(
    dup_map, editor, client_for
):
    client = client_for(editor)
    r = client.post("/api/v1/maps/dup/nodes/", {"kind": "crux", "title": PARAPHRASE}, format="json")
    assert r.status_code == 201
    r = client.post(
        "/api/v1/maps/dup/nodes/?check_duplicates=1",
        {"kind": "crux", "title": "Bananas are yellow fruit"},
        format="json",
    )
    assert r.status_code == 201


def test_a_malformed_force_or_flag_is_a_400(dup_map, editor, client_for):
    client = client_for(editor)
    body = {"kind": "crux", "title": PARAPHRASE, "force": "yes"}
    r = client.post("/api/v1/maps/dup/nodes/?check_duplicates=1", body, format="json")
    assert r.status_code == 400 and "force" in r.json()["error"]["fields"]
    r = client.post("/api/v1/maps/dup/nodes/?check_duplicates=maybe", body, format="json")
    assert r.status_code == 400 and "check_duplicates" in r.json()["error"]["fields"]


def test_the_typing_partial_asks_is_it_one_of_these(dup_map, client):
    r = client.get("/maps/dup/similar-nodes/", {"title": PARAPHRASE}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Is it one of these?" in html
    assert "/maps/dup/nodes/deceptive/" in html
    assert "Save anyway" in html
    r = client.get("/maps/dup/similar-nodes/", {"title": "Bananas are yellow fruit"})
    assert "Is it one of these?" not in r.content.decode()
    r = client.get("/maps/dup/similar-nodes/", {"title": "x" * 5000})  # typing is no error
    assert r.status_code == 200


def test_the_node_page_add_form_fetches_suggestions_while_typing(dup_map, owner, client):
    client.force_login(owner)
    html = client.get("/maps/dup/nodes/deceptive/").content.decode()
    assert 'hx-get="/maps/dup/similar-nodes/"' in html
    assert "keyup changed delay:300ms" in html


def _with_twin(the_map, owner):
    node_create(
        map=the_map,
        kind="claim",
        key="twin",
        title="Deceptive alignment is hard to detect.",
        created_by=owner,
    )
    duplicates_refresh(map_id=the_map.pk)


def test_the_list_is_for_owner_and_editors_best_first(dup_map, owner, editor, voter, client_for):
    _with_twin(dup_map, owner)
    assert client_for().get("/api/v1/maps/dup/duplicates/").status_code == 401
    assert client_for(voter).get("/api/v1/maps/dup/duplicates/").status_code == 403
    r = client_for(editor).get("/api/v1/maps/dup/duplicates/")
    assert r.status_code == 200
    first = r.json()["results"][0]
    assert {first["a"]["key"], first["b"]["key"]} == {"deceptive", "twin"}
    scores = [p["score"] for p in r.json()["results"]]
    assert scores == sorted(scores, reverse=True)


def test_a_dismissed_pair_is_never_listed_even_after_recomputes(dup_map, owner, editor, client_for):
    _with_twin(dup_map, owner)
    client = client_for(editor)
    r = client.post(
        "/api/v1/maps/dup/duplicates/dismiss/", {"a": "twin", "b": "deceptive"}, format="json"
    )
    assert r.status_code == 201
    assert (
        client.post(
            "/api/v1/maps/dup/duplicates/dismiss/", {"a": "deceptive", "b": "twin"}, format="json"
        ).status_code
        == 200
    )  # twice: harmless
    keys = [
        {p["a"]["key"], p["b"]["key"]}
        for p in client.get("/api/v1/maps/dup/duplicates/").json()["results"]
    ]
    assert {"deceptive", "twin"} not in keys
    node_create(map=dup_map, kind="crux", key="more", title="Something else", created_by=owner)
    assert duplicates_refresh(map_id=dup_map.pk) >= 0  # a recompute ran
    keys = [
        {p["a"]["key"], p["b"]["key"]}
        for p in client.get("/api/v1/maps/dup/duplicates/").json()["results"]
    ]
    assert {"deceptive", "twin"} not in keys
    assert DuplicateDismissal.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"a": "twin", "b": "twin"}, 400, "b"),
        ({"a": "twin", "b": "nope"}, 404, "b"),
        ({"a": "twin"}, 400, "b"),
        ({"a": 5, "b": "twin"}, 400, "a"),
    ],
)
def test_bad_dismissals_are_refused_and_change_nothing(
    dup_map, owner, editor, client_for, body, status, field
):
    _with_twin(dup_map, owner)
    stored = DuplicateCandidate.objects.count()
    r = client_for(editor).post("/api/v1/maps/dup/duplicates/dismiss/", body, format="json")
    assert r.status_code == status
    assert field in r.json()["error"]["fields"]
    assert DuplicateDismissal.objects.count() == 0
    assert DuplicateCandidate.objects.count() == stored


def test_a_voter_may_not_dismiss(dup_map, owner, voter, client_for):
    _with_twin(dup_map, owner)
    r = client_for(voter).post(
        "/api/v1/maps/dup/duplicates/dismiss/", {"a": "twin", "b": "deceptive"}, format="json"
    )
    assert r.status_code == 403
    assert DuplicateDismissal.objects.count() == 0


def test_the_settings_page_loads_the_section_with_merge_and_dismiss(dup_map, owner, client):
    _with_twin(dup_map, owner)
    client.force_login(owner)
    page = client.get("/maps/dup/members/").content.decode()
    assert 'hx-get="/maps/dup/duplicates/"' in page
    section = client.get("/maps/dup/duplicates/", HTTP_HX_REQUEST="true").content.decode()
    assert "Possible duplicates" in section
    assert "/merge/?into=" in section
    assert "Dismiss" in section
    r = client.post(
        "/maps/dup/duplicates/dismiss/", {"a": "deceptive", "b": "twin"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    assert "No possible duplicates right now." in r.content.decode()
    assert Map.objects.get(pk=dup_map.pk).duplicate_dismissals.count() == 1
