"""rank_map: a stored map by slug, or an argmap file without the database."""

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cruxes.models import RankingRun
from tests.conftest import REPO, SEED_PATH


def test_rank_map_file_needs_no_database(tmp_path):
    # No DATABASE_URL and an unreachable SQLite path: only the file is read.
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "ARGMAP_DATA_DIR": str(tmp_path / "nowhere")}
    result = subprocess.run(
        [sys.executable, "manage.py", "rank_map", "--file", str(SEED_PATH), "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["graph_version"] is None
    seed = json.loads(SEED_PATH.read_text())
    cruxes = [n["id"] for n in seed["nodes"] if n["kind"] == "crux"]
    assert sorted(c["id"] for c in out["cruxes"]) == sorted(cruxes)  # every crux appears
    scores = [c["score"] for c in out["cruxes"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # competition ranking: a crux's rank is 1 + how many score higher (ties share it)
    assert [c["rank"] for c in out["cruxes"]] == [1 + sum(t > s for t in scores) for s in scores]
    assert {f["id"] for f in out["frames"]} >= {"distribution-shift", "pointers-problem"}
    nah = next(c for c in out["cruxes"] if c["id"] == "nah")
    assert {"pointers-problem", "ontology-identification"} <= {f["frame"] for f in nah["frames"]}


@pytest.mark.django_db
def test_rank_map_slug_ranks_and_stores_the_run(capsys):
    call_command("import_map", str(SEED_PATH))
    capsys.readouterr()
    call_command("rank_map", "alignment", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["graph_version"] == 1
    assert RankingRun.objects.filter(map__slug="alignment", graph_version=1).count() == 1


def test_rank_map_refuses_an_invalid_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"format": "argmap", "version": 1, "map": {"slug": "x", "title": "X"},'
        ' "nodes": [{"id": "a", "kind": "frme", "title": "A"}], "edges": []}'
    )
    with pytest.raises(CommandError):
        call_command("rank_map", "--file", str(bad), "--json")
    assert "nodes[0].kind" in capsys.readouterr().err
