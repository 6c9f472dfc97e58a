"""The production image installs the runtime set only; development adds its tools.

requirements.in / requirements-dev.in are compiled by pip-tools into
requirements.txt (runtime: what the Dockerfile installs) and
requirements-dev.txt (runtime pins unchanged, plus tests, lint and pip-tools:
what `make run` and `make test` install).
"""

import ast
import re
import sys
from importlib.metadata import packages_distributions

from tests.conftest import REPO

DEV_ONLY = re.compile(
    r"^(pytest.*|playwright|schemathesis|hypothesis.*|ruff|factory-boy|faker|pip-tools)$"
)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)$")
APP_PACKAGES = ("accounts", "argmap", "claims", "core", "cruxes", "discussion")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(filename: str) -> dict[str, str]:
    """name -> version of every requirement line; each must be an exact pin."""
    found: dict[str, str] = {}
    for number, raw in enumerate((REPO / filename).read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-c ", "-r ")):
            assert filename.endswith(".in"), f"{filename}:{number}: {line} in a compiled file"
            continue
        match = PIN.match(line)
        assert match, f"{filename}:{number}: {raw!r} is not pinned with =="
        found[canonical(match[1])] = match[2]
    return found


def test_every_requirement_line_is_pinned_exactly():
    for filename in ("requirements.in", "requirements-dev.in"):
        assert pins(filename), filename
    assert len(pins("requirements.txt")) > 20
    assert len(pins("requirements-dev.txt")) > len(pins("requirements.txt"))


def test_no_development_tool_is_in_the_runtime_set():
    runtime = pins("requirements.txt")
    assert sorted(name for name in runtime if DEV_ONLY.match(name)) == []
    assert {"gunicorn", "django-csp", "django", "celery"} <= set(runtime)
    assert {"pytest", "playwright", "schemathesis", "ruff", "pip-tools"} <= set(
        pins("requirements-dev.txt")
    )


def test_the_development_set_holds_the_runtime_pins_unchanged():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_compiled_files_keep_the_pins_of_their_sources():
    for source, compiled in (
        ("requirements.in", "requirements.txt"),
        ("requirements-dev.in", "requirements-dev.txt"),
    ):
        wanted, got = pins(source), pins(compiled)
        assert {name: got.get(name) for name in wanted} == wanted, f"recompile {compiled}"


def test_every_package_the_application_imports_is_in_the_runtime_set():
    """The image must not lack what the app imports (tests and bench aside)."""
    runtime = set(pins("requirements.txt"))
    distributions = packages_distributions()
    missing: set[str] = set()
    for package in APP_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in APP_PACKAGES:
                        continue
                    names = {canonical(d) for d in distributions.get(top, [top])}
                    if not names & runtime:
                        missing.add(f"{top} ({path.relative_to(REPO)})")
    assert sorted(missing) == []


def test_the_image_installs_only_the_runtime_set():
    lines = [
        line
        for line in (REPO / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    installs = [line for line in lines if "pip install" in line]
    assert installs, "the Dockerfile installs nothing"
    for line in installs:
        assert re.search(r"-r requirements\.txt\s*$", line), line
    assert not [line for line in lines if "requirements-dev" in line]
    assert any(line.startswith('CMD ["gunicorn"') for line in lines)


def test_make_installs_the_development_set_and_reinstalls_when_either_file_changes():
    makefile = (REPO / "Makefile").read_text()
    stamp_rule = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.MULTILINE)
    assert stamp_rule and set(stamp_rule[1].split()) == {
        "requirements.txt",
        "requirements-dev.txt",
    }
    assert "pip install --quiet -r requirements-dev.txt" in makefile
