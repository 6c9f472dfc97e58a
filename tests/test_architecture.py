"""Apps depend one way: core <- claims <- cruxes (and accounts uses core only)."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# package -> top-level packages of this repository it must never import
FORBIDDEN = {
    "core": {"claims", "cruxes", "accounts", "discussion"},
    "claims": {"cruxes", "accounts", "discussion"},
    "accounts": {"claims", "cruxes", "discussion"},
    # Talk about the graph, never the votes: a comment carries its author, a vote never does.
    "discussion": {"cruxes"},
}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """Top-level package of every import in the file (function-level ones too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_the_packages_built_on_it(package):
    offences = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in sorted((REPO / package).rglob("*.py"))
        for name, line in sorted(imported_packages(path))
        if name in FORBIDDEN[package]
    ]
    assert offences == []


def test_the_check_sees_a_function_level_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from cruxes.tasks import recompute_ranking\n")
    assert ("cruxes", 2) in imported_packages(sample)
