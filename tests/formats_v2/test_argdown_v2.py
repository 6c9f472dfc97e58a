"""Argdown export of linked groups, undercuts and rationales (claims/formats/argdown.py).

A linked group is an argument with a premise-conclusion structure (numbered premises,
``----``, the conclusion), an undercut Argdown's undercut relation (``<_``) on the argument
it attacks, a rationale the argument's text. The constructs are the ones of the Argdown
examples in shared/testdata/argdown (argmap has no Argdown import to run them through).
"""

import re

import pytest

from claims.formats.argdown import argmap_to_argdown
from claims.formats.argmap import load, validate
from tests.conftest import SEED_PATH, SHARED
from tests.formats_v2.samples import linked

EXPECTED_ARGUMENTS = """\
## Arguments

<g1>: Linked premises: they bear on the conclusion only together. (Premise one) Only \
together with p2: «both» are needed. Second line. {group: "g1"}

(1) [Premise one]
(2) [Premise two]
----
(3) [Frame]

<g1>
  <_ <cut>: The inference fails when u holds. {id: "cut"}
    + [Undercutter]

<g2>: Linked premises: they bear on the conclusion only together. {group: "g2"}

(1) [Against one]
(2) [Against two]
----
(3) Not: Frame
  -> [Frame]

<g2>
  <_ [Other undercutter]

<x--supports--frame>: On its own. {id: "x--supports--frame"}

(1) [Lone (premise)]
----
(2) [Frame]

<x--supports--frame>
  <_ [Undercutter]
"""


def test_groups_undercuts_and_rationales_are_written_as_arguments():
    out = argmap_to_argdown(validate(linked()))
    assert out.endswith(EXPECTED_ARGUMENTS)
    frame = out[out.index("[Frame]: ") : out.index("## Claims and cruxes")]
    assert frame.splitlines()[1:4] == ["  + <g1>", "  + <x--supports--frame>", "  - <g2>"]
    # an edge without rationale, group or undercut stays a plain relation
    assert "related to: Premise one" in out and "<x--related--p1>" not in out


PCS_BLOCK = re.compile(
    r"^<(?P<label>[^<>]+)>(?P<head>.*)\n\n(?P<premises>(?:\(\d+\) \[[^\[\]]+\]\n)+)----\n"
    r"\((?P<n>\d+)\) (?P<conclusion>.+)\n",
    re.MULTILINE,
)


def arguments(out: str) -> dict[str, dict]:
    """The premise-conclusion structures in the Arguments section, by label."""
    section = out[out.index("## Arguments") :]
    found = {}
    for match in PCS_BLOCK.finditer(section):
        premises = re.findall(r"\((\d+)\) \[([^\[\]]+)\]", match["premises"])
        assert [int(n) for n, _ in premises] == list(range(1, len(premises) + 1))
        assert int(match["n"]) == len(premises) + 1
        assert match["label"] not in found, match["label"]
        found[match["label"]] = {
            "premises": [title for _, title in premises],
            "conclusion": match["conclusion"],
        }
    return found


@pytest.mark.skipif(not SEED_PATH.exists(), reason="no seed fixture")
def test_the_seed_maps_groups_and_undercuts_are_arguments():
    doc = load(SEED_PATH.read_bytes())
    out = argmap_to_argdown(doc)
    found = arguments(out)
    groups = {}
    for edge in doc["edges"]:
        if edge["group"]:
            groups.setdefault(edge["group"], []).append(edge)
    for group, members in groups.items():
        assert len(found[group]["premises"]) == len(members) >= 2
        conclusion = found[group]["conclusion"]
        if members[0]["kind"] == "supports":
            assert conclusion.startswith("[")  # the target itself
        else:
            assert conclusion.startswith("Not: ")  # the target's negation, attacking it
    undercuts = [e for e in doc["edges"] if e["kind"] == "undercuts"]
    assert out.count("  <_ ") == len(undercuts)
    with_rationale = [
        e for e in doc["edges"] if e["kind"] in ("supports", "undermines") and e["rationale"]
    ]
    for edge in with_rationale:
        label = edge["group"] or edge["id"]
        assert label in found


def test_the_constructs_are_those_of_the_argdown_examples():
    examples = "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted((SHARED / "testdata" / "argdown").glob("*.argdown"))
    )
    assert re.search(r"^\(1\) \[[^\]]+\]$", examples, re.MULTILINE)  # a premise by reference
    assert re.search(r"^-{4,}$", examples, re.MULTILINE)  # the inference line
    assert re.search(r"^ +-> \[[^\]]+\]$", examples, re.MULTILINE)  # a conclusion's attack
    assert re.search(r"^ +\+ <[^>]+>: ", examples, re.MULTILINE)  # an argument with its text
