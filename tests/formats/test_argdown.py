"""argmap JSON -> Argdown (claims/formats/argdown.py).

The syntax follows the Argdown files in shared/testdata/argdown and Argdown's
lexer: ``[Title]: text #tag {data}`` defines a statement, ``+ [Title]`` /
``- [Title]`` on the indented lines below it are its supports and attacks, a
heading needs a blank line before it, and a blank line ends a statement. Edges
written as arguments (linked groups, rationales, undercuts) are ``+ <Label>``
references and premise-conclusion structures in the Arguments section
(tests/formats_v2/test_argdown_v2.py checks those).
"""

import copy
import random
import re
from pathlib import Path

import pytest

from claims.formats.argdown import argmap_to_argdown, escape_text
from claims.formats.argmap import load, validate

SEED_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "alignment.argmap.json"


def node(node_id, kind="claim", title=None, text="", category=None, prior=0.5):
    return {
        "id": node_id,
        "kind": kind,
        "category": category,
        "title": title or node_id.replace("-", " ").capitalize(),
        "text": text,
        "prior": prior,
    }


def edge(source, target, kind="supports", weight=1.0):
    return {"source": source, "target": target, "kind": kind, "weight": weight}


def make_doc(nodes, edges, title="Alignment", description=""):
    return validate(
        {
            "format": "argmap",
            "version": 1,
            "map": {"slug": "alignment", "title": title, "description": description},
            "nodes": nodes,
            "edges": edges,
        }
    )


SMALL = make_doc(
    [
        node("dist-shift", "frame", "Distribution shift", "Shift.", "outer"),
        node("mesa", "frame", "Mesa-optimisation", "Inner optimisers.", "inner"),
        node("deception", "frame", "Deceptive alignment", "", "inner"),
        node("odd-frame", "frame", "Odd frame", "No category."),
        node("nah", "claim", "Natural abstractions", "NAH holds."),
        node("pointers", "crux", "Pointers problem", "Values are latent."),
        node("echo", "claim", "Echo", "An attack on NAH."),
        node("lonely", "claim", "Lonely claim"),
    ],
    [
        edge("nah", "dist-shift", "supports", 0.8),
        edge("pointers", "dist-shift", "undermines"),
        edge("echo", "nah", "undermines"),
        edge("lonely", "pointers", "supports"),
        edge("deception", "mesa", "subframe_of"),
        edge("nah", "echo", "related"),
    ],
    description="A small map.",
)

SMALL_ARGDOWN = """\
# Alignment

<!--
argmap map 'alignment', exported as Argdown.
A small map.
-->

## Outer alignment

### Distribution shift

[Distribution shift]: Shift. #frame {id: "dist-shift", prior: 0.5, credence: 0.62, n: 5}
  + [Natural abstractions]: NAH holds. #claim {id: "nah", prior: 0.5}
    - [Echo]
    <!-- related to: Echo -->
  - [Pointers problem]: Values are latent. #crux {id: "pointers", prior: 0.5}
    + [Lonely claim]

## Inner alignment

### Deceptive alignment

[Deceptive alignment]: Deceptive alignment #frame {id: "deception", prior: 0.5}
  <!-- subframe of: Mesa-optimisation -->

### Mesa-optimisation

[Mesa-optimisation]: Inner optimisers. #frame {id: "mesa", prior: 0.5}

## Frames without a category

### Odd frame

[Odd frame]: No category. #frame {id: "odd-frame", prior: 0.5}

## Claims and cruxes

[Echo]: An attack on NAH. #claim {id: "echo", prior: 0.5}

[Lonely claim]: Lonely claim #claim {id: "lonely", prior: 0.5}
"""


# ------------------------------------------------------- a small Argdown checker

DEFINITION = re.compile(
    r"^(?P<indent> *)(?:(?P<sign>[+-]) )?\[(?P<title>[^\[\]]+)\]: (?P<rest>.*)$"
)
REFERENCE = re.compile(r"^(?P<indent> +)(?P<sign>[+-]) \[(?P<title>[^\[\]]+)\]$")
ARGUMENT_REFERENCE = re.compile(r"^(?P<indent> +)(?P<sign>[+-]) <(?P<label>[^<>]+)>$")
ARGUMENTS_HEADING = "## Arguments"
COMMENT = re.compile(r"^ *<!--.*-->$")
TAIL = re.compile(r"^(?P<text>.*) #(?P<tag>frame|claim|crux) \{(?P<data>[^{}]*)\}$")
UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[\[\]<>{}#@*_]|(?<!\\)//")


def check_argdown(text: str) -> dict:
    """Check the constructs the exporter writes; return definitions and relations.

    relations: (source title, sign, target title) as Argdown reads the nesting.
    """
    if ARGUMENTS_HEADING in text:  # argument reconstructions: checked in tests/formats_v2
        text = text[: text.index(ARGUMENTS_HEADING)].rstrip("\n") + "\n"
    lines = text.split("\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    definitions: dict[str, dict] = {}
    relations: list[tuple[str, str, str]] = []
    parents: list[tuple[int, str]] = []  # (indent, title) of the statements above
    in_comment = False
    previous = ""
    for number, line in enumerate(lines[:-1], start=1):
        where = f"line {number}: {line!r}"
        if in_comment:
            in_comment = "-->" not in line
            previous = line
            continue
        if line.startswith("<!--") and "-->" not in line:
            in_comment = True
        elif line.startswith("#"):
            assert re.match(r"^#{1,3} \S", line), where
            assert number == 1 or previous == "", f"a heading needs a blank line before: {where}"
            parents = []
        elif line == "":
            parents = []
        elif COMMENT.match(line):
            assert previous != "", where
        elif match := DEFINITION.match(line):
            title, indent = match["title"], len(match["indent"])
            tail = TAIL.match(match["rest"])
            assert tail, where
            assert not UNESCAPED.search(tail["text"]), f"unescaped Argdown syntax: {where}"
            data = dict(item.split(": ", 1) for item in tail["data"].split(", "))
            assert title not in definitions, f"defined twice: {where}"
            definitions[title] = {"tag": tail["tag"], "data": data, "text": tail["text"]}
            if match["sign"]:
                assert previous != "" and parents, where
                relations.append(_relation(parents, indent, match["sign"], title))
            else:
                assert indent == 0 and previous == "", where
            parents.append((indent, title))
        elif match := REFERENCE.match(line):
            assert previous != "" and parents, where
            relations.append(
                _relation(parents, len(match["indent"]), match["sign"], match["title"])
            )
        elif match := ARGUMENT_REFERENCE.match(line):
            assert previous != "" and parents, where
            relations.append(
                _relation(parents, len(match["indent"]), match["sign"], f"<{match['label']}>")
            )
        else:
            pytest.fail(f"unexpected line {where}")
        previous = line
    for _, _, target in relations:
        assert target in definitions
    for source, _, _ in relations:
        assert source in definitions or source.startswith("<")
    return {"definitions": definitions, "relations": relations}


def _relation(parents, indent, sign, title):
    while parents and parents[-1][0] >= indent:
        parents.pop()
    assert parents, f"relation {title!r} has no statement above it"
    return (title, sign, parents[-1][1])


# --------------------------------------------------------------------------- tests


def test_a_small_map_gives_the_expected_argdown():
    out = argmap_to_argdown(SMALL, credences={"dist-shift": (0.62, 5)})
    assert out == SMALL_ARGDOWN


def test_statements_relations_and_tags_are_what_the_map_says():
    out = argmap_to_argdown(SMALL, credences={"nah": (0.7, 3)})
    parsed = check_argdown(out)
    titles = {n["id"]: n["title"] for n in SMALL["nodes"]}
    assert set(parsed["definitions"]) == set(titles.values())
    for n in SMALL["nodes"]:
        definition = parsed["definitions"][n["title"]]
        assert definition["tag"] == n["kind"]
        assert definition["data"]["id"] == f'"{n["id"]}"'
    assert parsed["definitions"]["Natural abstractions"]["data"]["credence"] == "0.7"
    assert parsed["definitions"]["Natural abstractions"]["data"]["n"] == "3"
    expected = sorted(
        (titles[e["source"]], "+" if e["kind"] == "supports" else "-", titles[e["target"]])
        for e in SMALL["edges"]
        if e["kind"] in ("supports", "undermines")
    )
    assert sorted(parsed["relations"]) == expected


def test_every_node_title_is_defined_exactly_once():
    out = argmap_to_argdown(SMALL)
    for n in SMALL["nodes"]:
        assert len(re.findall(rf"\[{re.escape(n['title'])}\]: ", out)) == 1


def test_frames_are_grouped_by_category_with_uncategorised_frames_last():
    out = argmap_to_argdown(SMALL)
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Outer alignment",
        "## Inner alignment",
        "## Frames without a category",
        "## Claims and cruxes",
    ]
    assert out.index("### Deceptive alignment") < out.index("### Mesa-optimisation")


def test_sections_without_members_are_left_out():
    doc = make_doc([node("a", "frame", "Only frame", category="other")], [])
    out = argmap_to_argdown(doc)
    assert "## Other frames" in out
    assert "## Outer alignment" not in out and "## Claims and cruxes" not in out
    check_argdown(out)


def test_the_output_is_deterministic_whatever_the_input_order():
    shuffled = copy.deepcopy(SMALL)
    random.Random(4).shuffle(shuffled["nodes"])
    random.Random(5).shuffle(shuffled["edges"])
    assert argmap_to_argdown(shuffled) == argmap_to_argdown(SMALL)
    assert argmap_to_argdown(SMALL) == argmap_to_argdown(SMALL)


def test_titles_lose_brackets_and_line_breaks_and_texts_are_escaped():
    doc = make_doc(
        [
            node(
                "a",
                "frame",
                "A [bracketed] frame",
                "Text with [x]: #tag {k: v} a_b *c* @[Y] <Z>: "
                "http://example.org /* not a comment */ back\\slash\n\nsecond paragraph",
                "outer",
            ),
            node("b", "claim", "B\ttabbed  title", "B text"),
        ],
        [edge("b", "a")],
        title="Map #1 [draft]",
        description="Closing --> early? <!-- nested",
    )
    out = argmap_to_argdown(doc)
    parsed = check_argdown(out)
    assert set(parsed["definitions"]) == {"A (bracketed) frame", "B tabbed title"}
    assert parsed["relations"] == [("B tabbed title", "+", "A (bracketed) frame")]
    text = parsed["definitions"]["A (bracketed) frame"]["text"]
    unescaped = re.sub(r"\\(.)", r"\1", text)
    assert unescaped == (
        "Text with [x]: #tag {k: v} a_b *c* @[Y] <Z>: http://example.org /* not a comment */ "
        "back\\slash second paragraph"
    )
    assert out.startswith("# Map \\#1 \\[draft\\]\n")
    comment = out.split("<!--\n", 1)[1].split("\n-->", 1)[0]
    assert "-->" not in comment


def test_titles_that_would_merge_are_told_apart_by_id():
    doc = make_doc(
        [
            node("one", title="Same [title]"),
            node("two", title="Same (title)"),
            node("three", title="Other"),
        ],
        [edge("one", "three"), edge("two", "three", "undermines")],
    )
    out = argmap_to_argdown(doc)
    parsed = check_argdown(out)
    assert set(parsed["definitions"]) == {"Same (title) (one)", "Same (title) (two)", "Other"}
    assert sorted(parsed["relations"]) == [
        ("Same (title) (one)", "+", "Other"),
        ("Same (title) (two)", "-", "Other"),
    ]


def test_a_claim_supporting_two_frames_is_defined_once_and_referenced_once():
    doc = make_doc(
        [
            node("f1", "frame", "First frame", category="outer"),
            node("f2", "frame", "Second frame", category="outer"),
            node("c", "claim", "Shared claim", "Shared."),
        ],
        [edge("c", "f1"), edge("c", "f2", "undermines"), edge("f2", "f1")],
    )
    out = argmap_to_argdown(doc)
    parsed = check_argdown(out)
    assert "  + [Shared claim]: Shared. #claim" in out
    assert "  - [Shared claim]\n" in out
    assert sorted(parsed["relations"]) == [
        ("Second frame", "+", "First frame"),
        ("Shared claim", "+", "First frame"),
        ("Shared claim", "-", "Second frame"),
    ]


def test_escape_text_puts_text_on_one_line():
    assert escape_text("a\n\n  b\tc ") == "a b c"
    assert escape_text("x_y #z //c a/b") == "x\\_y \\#z \\//c a/b"  # "\\/" + "/c": no comment


@pytest.mark.skipif(not SEED_PATH.exists(), reason="no seed fixture")
def test_the_seed_map_exports_to_well_formed_argdown():
    doc = load(SEED_PATH.read_bytes())
    out = argmap_to_argdown(doc)
    parsed = check_argdown(out)
    assert len(parsed["definitions"]) == len(doc["nodes"])
    # A plain relation per edge, one argument per linked group or edge with a rationale or
    # an undercut (tests/formats_v2 checks the arguments themselves).
    undercut = {e["target_edge"] for e in doc["edges"] if e["kind"] == "undercuts"}
    units = {
        e["group"] or e["id"]
        for e in doc["edges"]
        if e["kind"] in ("supports", "undermines")
        and (e["group"] or e["rationale"] or e["id"] in undercut)
    }
    plain = [
        e
        for e in doc["edges"]
        if e["kind"] in ("supports", "undermines")
        and not (e["group"] or e["rationale"] or e["id"] in undercut)
    ]
    assert len(parsed["relations"]) == len(plain) + len(units)
