"""map_import writes in bulk (COPY on PostgreSQL) and stays all or nothing."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services as claim_services
from claims.formats import argmap as argmap_format
from claims.models import Edge, Map, MapChange, Node, NodeRevision, Source
from claims.selectors import map_export_bytes
from claims.services import map_import
from claims.services.bulk import rows_insert
from claims.synthetic import generate_map
from cruxes.models import CruxScore, RankingRun, Vote, VoteHistory
from cruxes.services import ranking_refresh, vote_cast

pytestmark = pytest.mark.django_db


def _graph_counts(slug: str) -> dict[str, int]:
    return {
        "nodes": Node.objects.filter(map__slug=slug).count(),
        "edges": Edge.objects.filter(map__slug=slug).count(),
        "sources": Source.objects.filter(node__map__slug=slug).count(),
        "votes": Vote.objects.filter(node__map__slug=slug).count(),
        "history": VoteHistory.objects.filter(node__map__slug=slug).count(),
        "runs": RankingRun.objects.filter(map__slug=slug).count(),
        "changes": MapChange.objects.filter(map__slug=slug).count(),
    }


def test_import_costs_the_same_number_of_queries_for_100_and_3000_nodes():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; bulk_create batches by the backend's parameter limit")
    counts = []
    for n in (100, 3000):
        doc = generate_map(n, seed=1)
        with CaptureQueriesContext(connection) as captured:
            map_import(data=doc, owner=None)
        counts.append(len(captured))
    # COPY statements are not captured; what is left is per table and per batch of voters.
    assert counts[0] == counts[1], counts


def test_import_writes_every_row_with_its_values():
    doc = argmap_format.load(argmap_format.dumps(generate_map(500, seed=2)))
    result = map_import(data=doc, owner=None)
    slug = result.slug
    counts = _graph_counts(slug)
    assert (counts["nodes"], counts["edges"], counts["votes"]) == (
        len(doc["nodes"]),
        len(doc["edges"]),
        len(doc["votes"]),
    )
    assert counts["history"] == counts["votes"]
    assert counts["sources"] == sum(len(n["sources"]) for n in doc["nodes"])
    assert map_export_bytes(map=Map.objects.get(slug=slug)) == argmap_format.dumps(doc)
    node = Node.objects.filter(map__slug=slug).order_by("key").first()
    assert node.revision == 1 and node.created_at is not None and node.updated_at is not None
    history = VoteHistory.objects.filter(node__map__slug=slug).first()
    assert (history.action, history.graph_version, history.previous_credence) == ("cast", 1, None)


def test_a_failure_after_some_tables_are_copied_leaves_nothing(monkeypatch, counts):
    before = counts()

    def failing(model, *args, **kwargs):
        if model is Edge:
            raise RuntimeError("disk full")
        return rows_insert(model, *args, **kwargs)

    monkeypatch.setattr("claims.services.imports.rows_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        map_import(data=generate_map(200, seed=3), owner=None)
    assert counts() == before


def test_replace_removes_the_old_graph_runs_and_history_only_of_that_map():
    doc = generate_map(300, seed=4)
    other = generate_map(50, seed=5)
    map_import(data=other, owner=None)
    other_before = _graph_counts(other["map"]["slug"])
    map_import(data=doc, owner=None)
    the_map = Map.objects.get(slug=doc["map"]["slug"])
    user = get_user_model().objects.create_user(username="late-voter", password=None)
    crux = Node.objects.filter(map=the_map, kind="crux").first()
    vote_cast(user=user, node=crux, credence=0.42)
    claim_services.node_update(node=crux, edited_by=user, expected_revision=1, title="Renamed")
    ranking_refresh(map_id=the_map.pk)
    assert NodeRevision.objects.filter(node__map=the_map).exists()
    assert CruxScore.objects.filter(run__map=the_map).exists()

    map_import(data=doc, owner=None, replace=True)

    fresh = _graph_counts(doc["map"]["slug"])
    assert fresh == {
        "nodes": len(doc["nodes"]),
        "edges": len(doc["edges"]),
        "sources": sum(len(n.get("sources", ())) for n in doc["nodes"]),
        "votes": len(doc["votes"]),
        "history": len(doc["votes"]),
        "runs": 0,
        "changes": 1,
    }
    assert not NodeRevision.objects.filter(node__map__slug=doc["map"]["slug"]).exists()
    assert not CruxScore.objects.filter(run__map__slug=doc["map"]["slug"]).exists()
    assert _graph_counts(other["map"]["slug"]) == other_before
    assert get_user_model().objects.filter(username="late-voter").exists()


def test_text_that_copy_must_escape_comes_back_unchanged():
    titles = ["back\\slash", "\\N", "tab\there", "cr\rlf\r\n", "new\nline", "\\\\t literal"]
    doc = {
        "format": "argmap",
        "version": 1,
        "map": {"slug": "escapes", "title": "Escapes", "description": "\\N\t\r\n"},
        "nodes": [
            {"id": f"n{i}", "kind": "claim", "title": t.strip() or "x", "text": t}
            for i, t in enumerate(titles)
        ],
        "edges": [],
        "votes": [{"node": "n0", "user": "Émile", "credence": 0.5}],
    }
    map_import(data=json.dumps(doc), owner=None)
    stored = dict(Node.objects.filter(map__slug="escapes").values_list("key", "text"))
    assert stored == {f"n{i}": t for i, t in enumerate(titles)}
    assert Vote.objects.get(node__map__slug="escapes").user.username == "Émile"
    assert Map.objects.get(slug="escapes").description == "\\N\t\r\n"
