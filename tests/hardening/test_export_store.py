"""Whole-map exports: throttled for anonymous callers, and computed once per map version.

Before issue 12 (item 5) every export of a 20k-node map read the whole map again
(about 3 s), anonymous and unthrottled. Now anonymous callers count against the
"export" rate, and each version of a map is written once to a stored file
(claims.downloads) that later requests are served from: the map lookup, then
the disk. Any write that changes the export (an edit, a vote, a new title)
changes the map's version or updated_at, so the next request writes a new file.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Map
from claims.services import map_create, map_delete, map_update, node_create
from cruxes.services import vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORMATS = ["argmap", "aif", "graphml", "argdown"]


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return response.getvalue()


def api_export(client, slug: str, fmt: str):
    return client.get(f"/api/v1/maps/{slug}/export/?format={fmt}")


def stored_files(the_map: Map, fmt: str) -> list[str]:
    from django.conf import settings

    directory = settings.EXPORT_STORE_DIR / str(the_map.pk)
    return sorted(p.name for p in directory.glob(f"{fmt}-*")) if directory.exists() else []


@pytest.fixture
def public_map(owner):
    the_map = map_create(slug="open-map", title="Open map", owner=owner)
    node_create(
        map=the_map, kind="frame", category="outer", title="Frame", key="frame", created_by=owner
    )
    node_create(map=the_map, kind="crux", title="A crux", key="crux", created_by=owner)
    return the_map


@pytest.fixture
def export_rate(settings):
    """Set the export scope's rate for one test (DRF keeps the rates on the class)."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES

    def set_rate(rate: str) -> None:
        rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], export=rate)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    yield set_rate
    SimpleRateThrottle.THROTTLE_RATES = original


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_export_of_an_unchanged_map_costs_only_the_map_lookup(public_map, fmt):
    client = APIClient()
    first = body(api_export(client, "open-map", fmt))
    with CaptureQueriesContext(connection) as queries:
        second = body(api_export(client, "open-map", fmt))
    assert second == first
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert 'FROM "claims_map"' in queries.captured_queries[0]["sql"]
    assert len(stored_files(public_map, fmt)) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_html_download_is_served_from_the_same_stored_file(public_map, client, fmt):
    from_api = body(api_export(APIClient(), "open-map", fmt))
    with CaptureQueriesContext(connection) as queries:
        from_page = body(client.get(f"/maps/open-map/export/{fmt}/"))
    assert from_page == from_api
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_edit_changes_the_export_and_replaces_the_stored_file(public_map, owner, fmt):
    client = APIClient()
    before = body(api_export(client, "open-map", fmt))
    node_create(map=public_map, kind="claim", title="A brand new claim", created_by=owner)
    after = body(api_export(client, "open-map", fmt))
    assert b"A brand new claim" not in before and b"A brand new claim" in after
    assert len(stored_files(public_map, fmt)) == 1  # the old version's file is gone


@pytest.mark.parametrize("fmt", ["aif", "graphml", "argdown"])
def test_votes_change_the_export(public_map, fmt):
    client = APIClient()
    before = body(api_export(client, "open-map", fmt))
    crux = public_map.nodes.get(key="crux")
    for i, credence in enumerate((0.9, 0.9, 0.9)):
        vote_cast(user=UserFactory(username=f"voter{i}"), node=crux, credence=credence)
    after = body(api_export(client, "open-map", fmt))
    # The crux's community credence moves from its prior toward the votes.
    assert after != before


def test_a_new_title_changes_the_export(public_map):
    client = APIClient()
    assert b"Open map" in body(api_export(client, "open-map", "argmap"))
    map_update(map=Map.objects.get(pk=public_map.pk), title="Renamed map")
    after = body(api_export(client, "open-map", "argmap"))
    assert b"Renamed map" in after and b"Open map" not in after


def test_a_private_maps_stored_export_is_never_served_to_who_may_not_see_it(
    owner, outsider, client_for_user
):
    secret = map_create(slug="secret", title="Secret map", owner=owner, visibility="private")
    node_create(map=secret, kind="crux", title="Hidden crux", created_by=owner)
    for fmt in FORMATS:
        assert b"Hidden crux" in body(api_export(client_for_user(owner), "secret", fmt))
        assert stored_files(secret, fmt)
        for who in (None, outsider):
            refused = api_export(client_for_user(who), "secret", fmt)
            assert refused.status_code == 404
            assert refused.json()["error"]["message"] == "no map 'secret'"
            assert b"Hidden crux" not in refused.content
        from django.test import Client

        page = Client()
        page.force_login(outsider)
        assert page.get(f"/maps/secret/export/{fmt}/").status_code == 404
        assert Client().get(f"/maps/secret/export/{fmt}/").status_code == 404


@pytest.fixture
def client_for_user():
    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def test_anonymous_exports_past_the_rate_are_429(public_map, export_rate, voter):
    export_rate("3/min")
    client = APIClient()
    codes = [
        api_export(client, "open-map", fmt).status_code for fmt in ("argmap", "aif", "argdown")
    ]
    refused = api_export(client, "open-map", "graphml")
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # People logged in count against their user-wide rate only.
    member = APIClient()
    member.force_authenticate(voter)
    assert [api_export(member, "open-map", "aif").status_code for _ in range(5)] == [200] * 5


def test_the_stored_exports_of_a_deleted_map_are_removed(public_map, owner):
    from django.conf import settings

    client = APIClient()
    body(api_export(client, "open-map", "aif"))
    gone_dir = settings.EXPORT_STORE_DIR / str(public_map.pk)
    assert gone_dir.exists()
    map_delete(map=public_map)
    other = map_create(slug="other-map", title="Other map", owner=owner)
    body(api_export(client, "other-map", "aif"))
    assert not gone_dir.exists()
    assert stored_files(other, "aif")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unwritable_store_still_answers_the_export(public_map, settings, tmp_path, fmt):
    stored = body(api_export(APIClient(), "open-map", fmt))
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    settings.EXPORT_STORE_DIR = not_a_directory / "exports"
    assert body(api_export(APIClient(), "open-map", fmt)) == stored
