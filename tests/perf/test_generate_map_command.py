"""generate_map writes the synthetic map in canonical form, the same bytes every time."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.formats import argmap as argmap_format
from claims.synthetic import generate_map


def test_generate_map_writes_the_canonical_synthetic_map(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    call_command("generate_map", "--nodes", "300", "--seed", "7", "-o", str(first))
    call_command("generate_map", "--nodes", "300", "--seed", "7", "-o", str(second))
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert data == argmap_format.dumps(generate_map(300, seed=7))
    doc = argmap_format.load(data)  # a valid map
    assert len(doc["nodes"]) == 300 and doc["map"]["slug"] == "synthetic-300-7"


def test_generate_map_without_output_writes_to_standard_output(capsysbinary):
    call_command("generate_map", "--nodes", "20")
    assert capsysbinary.readouterr().out == argmap_format.dumps(generate_map(20, seed=0))


def test_generate_map_refuses_no_nodes():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_map", "--nodes", "0")
