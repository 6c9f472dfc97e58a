"""The double crux against a school, and school against school, from the latest SchoolsRun
(groups: [{id, label, size, credences, frames, separating}], issue 18 / H11's shape)."""

import numpy as np
import pytest

from cruxes.models import SchoolsRun
from tests.schools import electorates as el

pytestmark = pytest.mark.django_db

URL = "/api/v1/maps/camps/double-crux/"


def schools_store(the_map, *, sizes=(15, 15)):
    """The two camps as the schools run would find them: each group's mean credences."""
    votes = el.camps(0)
    half = el.VOTERS // 2
    groups = []
    for gid, (rows, label, size) in enumerate(
        ((votes[:half], "A", sizes[0]), (votes[half:], "B", sizes[1])), start=0
    ):
        mean = np.nanmean(rows, axis=0)
        groups.append(
            {
                "id": gid,
                "label": label,
                "size": size,
                "credences": dict(zip(el.CRUX_KEYS, mean.tolist(), strict=True)),
                "frames": {},
                "separating": [],
            }
        )
    return SchoolsRun.objects.create(
        map=the_map, graph_version=the_map.graph_version, voters=30, groups=groups
    )


def test_school_against_school_lists_the_split_cruxes_first_to_anyone(camps, client_for):
    the_map, _ = camps
    schools_store(the_map)
    response = client_for(None).get(URL, {"group": 0, "against": 1})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(c["key"] for c in body["cruxes"][:5]) == el.SPLIT_KEYS
    # The run's letters, in words.
    assert body["with"]["label"] == "school A" and body["with"]["against_label"] == "school B"
    top = body["cruxes"][0]
    assert top["a"]["own"] and top["b"]["own"]
    assert top["reason"].startswith("school A holds 0.8")
    assert "school B holds 0.1" in top["reason"]


def test_what_it_would_take_to_convince_the_other_school_and_me(camps, client_for):
    the_map, voters = camps
    schools_store(the_map)
    me = client_for(voters[0])  # camp A
    other = me.get(URL, {"group": 1}).json()
    assert sorted(c["key"] for c in other["cruxes"][:5]) == el.SPLIT_KEYS
    assert other["with"] == {"kind": "group", "group": 1, "label": "school B", "size": 15}
    assert other["cruxes"][0]["reason"].startswith("you hold 0.8")
    own = me.get(URL, {"group": 0}).json()
    assert own["no_frame_disagreement"] is True and own["cruxes"] == []


def test_a_school_below_the_privacy_floor_is_not_there(camps, client_for):
    the_map, voters = camps
    schools_store(the_map, sizes=(15, 2))
    response = client_for(voters[0]).get(URL, {"group": 1})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no school 1 on this map"


def test_the_page_against_a_school_asks_what_would_convince_each_side(camps):
    from django.test import Client

    the_map, voters = camps
    schools_store(the_map)
    client = Client()
    client.force_login(voters[0])
    html = client.get("/maps/camps/double-crux/", {"group": 1}).content.decode()
    assert "What would convince school B, and what would convince you" in html
    first = html.index('data-testid="double-crux"')
    assert html[first : first + 200].count('data-key="c0') == 1
    anonymous = Client().get("/maps/camps/double-crux/", {"group": 0, "against": 1})
    assert anonymous.status_code == 200
    assert "school A against school B" in anonymous.content.decode()
