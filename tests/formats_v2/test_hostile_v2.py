"""Hostile version-2 files: each is refused with a message naming the problem, through the
format, the import API and the import_map command, and nothing is stored."""

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from claims.formats import argmap
from tests.factories import UserFactory
from tests.formats_v2.samples import LINKED


def _edge(doc, edge_id):
    return next(e for e in doc["edges"] if argmap.edge_id(e) == edge_id)


def _v1_with(**fields):
    def mutate(doc):
        doc["version"] = 1
        doc["edges"] = [
            {"source": "x", "target": "frame", "kind": "supports", **fields},
        ]
        doc.pop("edge_votes")

    return mutate


HOSTILE = [
    # (case, mutation, a path with a problem, the problem named there)
    (
        "undercut of a missing edge",
        lambda d: _edge(d, "cut").update(target_edge="no-such-edge"),
        "edges[6].target_edge",
        "unknown edge 'no-such-edge'",
    ),
    (
        "undercut of a related edge",
        lambda d: _edge(d, "cut").update(target_edge="x--related--p1"),
        "edges[6].target_edge",
        "'x--related--p1' is a 'related' edge: only supports and undermines edges can be undercut",
    ),
    (
        "group mixing kinds",
        lambda d: _edge(d, "g1-b").update(kind="undermines"),
        "edges[1].group",
        "group 'g1' mixes targets or kinds: this edge is p2 -> frame (undermines), the "
        "group's first (edges[0]) is p1 -> frame (supports)",
    ),
    (
        "group mixing targets",
        lambda d: _edge(d, "g1-b").update(target="p1"),
        "edges[1].group",
        "group 'g1' mixes targets or kinds: this edge is p2 -> p1 (supports), the group's "
        "first (edges[0]) is p1 -> frame (supports)",
    ),
    (
        "group of one",
        lambda d: _edge(d, "g1-b").update(group=None),
        "edges[0].group",
        "group 'g1' has only this edge: a linked group needs at least two premises (use null "
        "for an edge on its own)",
    ),
    (
        "group on a related edge",
        lambda d: d["edges"].append(
            {"source": "p2", "target": "x", "kind": "related", "group": "g9"}
        ),
        "edges[9].group",
        "only supports and undermines edges can be in a group (this is a related edge)",
    ),
    (
        "edge vote above 1",
        lambda d: d["edge_votes"][1].update(strength=1.000001),
        "edge_votes[1].strength",
        "1.000001 is out of range (must be from 0 to 1)",
    ),
    (
        "negative edge vote",
        lambda d: d["edge_votes"][1].update(strength=-1),
        "edge_votes[1].strength",
        "-1 is out of range (must be from 0 to 1)",
    ),
    (
        "edge vote as a string",
        lambda d: d["edge_votes"][1].update(strength="0.5"),
        "edge_votes[1].strength",
        "expected number, got string '0.5'",
    ),
    (
        "edge vote as null",
        lambda d: d["edge_votes"][1].update(strength=None),
        "edge_votes[1].strength",
        "expected number, got null",
    ),
    (
        "edge vote on a missing edge",
        lambda d: d["edge_votes"][1].update(edge="nope"),
        "edge_votes[1].edge",
        "unknown edge 'nope'",
    ),
    (
        "rationale over 2000",
        lambda d: _edge(d, "g1-b").update(rationale="é" * 2001),
        "edges[1].rationale",
        "is too long (2001 characters, maximum 2000)",
    ),
    (
        "duplicate edge ids",
        lambda d: _edge(d, "g1-b").update(id="g1-a"),
        "edges[1].id",
        "duplicate edge id 'g1-a' (first at edges[0])",
    ),
    (
        "cycle through undercuts",
        lambda d: d["edges"].append({"source": "frame", "target": "u", "kind": "undermines"}),
        "edges[6]",
        "undercut u on g1-a would close a cycle: frame -> u",
    ),
    (
        "undercut with a target node",
        lambda d: _edge(d, "cut").update(target="frame"),
        "edges[6].target",
        "an undercuts edge has no target node: it names the edge it attacks in target_edge",
    ),
    (
        "edge id in a v1 file",
        _v1_with(id="e1"),
        "edges[0].id",
        "unknown key in a version 1 file ('id' is a version 2 field: declare \"version\": 2 "
        "to use it)",
    ),
    (
        "rationale in a v1 file",
        _v1_with(rationale="why"),
        "edges[0].rationale",
        "unknown key in a version 1 file ('rationale' is a version 2 field: declare "
        '"version": 2 to use it)',
    ),
    (
        "group in a v1 file",
        _v1_with(group="g"),
        "edges[0].group",
        "unknown key in a version 1 file ('group' is a version 2 field: declare \"version\": "
        "2 to use it)",
    ),
    (
        "edge sources in a v1 file",
        _v1_with(sources=[{"document": "d"}]),
        "edges[0].sources",
        "unknown key in a version 1 file ('sources' is a version 2 field: declare "
        '"version": 2 to use it)',
    ),
    (
        "undercut in a v1 file",
        lambda d: (
            d.update(
                version=1,
                edges=[{"source": "u", "target": "frame", "kind": "undercuts"}],
                edge_votes=None,
            )
            or d.pop("edge_votes")
        ),
        "edges[0].kind",
        "'undercuts' is a version 2 kind: declare \"version\": 2 to use it",
    ),
    (
        "edge votes in a v1 file",
        lambda d: d.update(version=1, edges=[], edge_votes=[]),
        "edge_votes",
        'a version 2 section in a version 1 file (declare "version": 2 to use it)',
    ),
]
CASES = [pytest.param(m, path, msg, id=case) for case, m, path, msg in HOSTILE]


def hostile(mutate) -> bytes:
    doc = copy.deepcopy(LINKED)
    mutate(doc)
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.parametrize(("mutate", "path", "message"), CASES)
def test_the_format_refuses_it_naming_the_problem(mutate, path, message):
    with pytest.raises(argmap.ArgmapFormatError) as caught:
        argmap.load(hostile(mutate))
    assert f"{path}: {message}" in caught.value.problems


@pytest.mark.django_db
@pytest.mark.parametrize(("mutate", "path", "message"), CASES)
def test_the_import_api_answers_400_and_stores_nothing(mutate, path, message, counts):
    client = APIClient()
    client.force_authenticate(UserFactory(username="uploader"))
    before = counts()
    response = client.post(
        "/api/v1/maps/import/?slug=hostile", data=hostile(mutate), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in error["fields"][path]
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("mutate", "path", "message"), CASES)
def test_import_map_prints_the_problem_and_stores_nothing(
    mutate, path, message, counts, tmp_path, capsys
):
    file = tmp_path / "hostile.json"
    file.write_bytes(hostile(mutate))
    before = counts()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_map", str(file))
    assert f"{path}: {message}" in capsys.readouterr().err.splitlines()
    assert counts() == before


def test_the_unchanged_sample_is_valid():
    assert argmap.load(hostile(lambda d: None))["version"] == 2
