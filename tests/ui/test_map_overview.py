"""The map page's per-frame top cruxes and global rows agree with the full ranking."""

import pytest

from claims.models import Map
from claims.services import map_import
from claims.synthetic import generate_map
from cruxes.page_selectors import GLOBAL_ROWS, TOP_PER_FRAME, map_page
from cruxes.selectors import ranking_latest
from cruxes.services import ranking_refresh

pytestmark = pytest.mark.django_db


def test_map_page_shows_each_frames_best_cruxes_and_the_global_top(client):
    doc = generate_map(600, seed=5)
    doc["map"]["slug"] = "overview"
    map_import(data=doc, owner=None)
    the_map = Map.objects.get(slug="overview")
    ranking_refresh(map_id=the_map.pk)

    full = ranking_latest(map=the_map)
    expected: dict[str, list[str]] = {}
    for crux in full["cruxes"]:
        for fs in crux["frames"]:
            expected.setdefault(fs["frame"], []).append((-fs["score"], crux["id"]))
    expected = {f: [k for _, k in sorted(v)[:TOP_PER_FRAME]] for f, v in expected.items()}

    page = map_page(the_map=the_map)
    shown = {
        card["node"].key: [t["node"].key for t in card["top"]]
        for group in page["groups"]
        for card in group["cards"]
    }
    assert {f: keys for f, keys in shown.items() if keys} == expected
    assert [r["id"] for r in page["rows"]] == [c["id"] for c in full["cruxes"][:GLOBAL_ROWS]]

    html = client.get("/maps/overview/").content.decode()
    top_frame, top_keys = next(iter(expected.items()))
    assert the_map.nodes.get(key=top_keys[0]).title in html
