"""Small argmap JSON v2 documents shared by the tests of tests/formats_v2."""

import copy
import json

LINKED = {
    "format": "argmap",
    "version": 2,
    "map": {"slug": "linked", "title": "Linked premises and undercuts", "description": "v2"},
    "nodes": [
        {"id": "frame", "kind": "frame", "category": "outer", "title": "Frame"},
        {"id": "p1", "kind": "claim", "title": "Premise one"},
        {"id": "p2", "kind": "claim", "title": "Premise two"},
        {"id": "q1", "kind": "crux", "title": "Against one"},
        {"id": "q2", "kind": "crux", "title": "Against two"},
        {"id": "u", "kind": "crux", "title": "Undercutter"},
        {"id": "w", "kind": "claim", "title": "Other undercutter"},
        {"id": "x", "kind": "claim", "title": "Lone [premise]"},
    ],
    "edges": [
        {
            "id": "g1-a",
            "source": "p1",
            "target": "frame",
            "kind": "supports",
            "weight": 0.8,
            "group": "g1",
            "rationale": "Only together with p2: «both» are needed.\nSecond line.",
            "sources": [
                {"document": "004 The core problem", "locator": "§3", "quote": "a quote"},
                {"document": "001 Comments", "locator": "Alice"},
            ],
        },
        {
            "id": "g1-b",
            "source": "p2",
            "target": "frame",
            "kind": "supports",
            "weight": 0.6,
            "group": "g1",
        },
        {"source": "q1", "target": "frame", "kind": "undermines", "group": "g2"},
        {"source": "q2", "target": "frame", "kind": "undermines", "group": "g2", "weight": 0.3},
        {"source": "x", "target": "frame", "kind": "supports", "rationale": "On its own."},
        {"source": "x", "target": "p1", "kind": "related"},
        {
            "id": "cut",
            "source": "u",
            "target_edge": "g1-a",
            "kind": "undercuts",
            "weight": 0.4,
            "rationale": "The inference fails when u holds.",
            "sources": [{"document": "003 Alignment", "locator": "footnote 34"}],
        },
        {"source": "w", "target_edge": "q1--undermines--frame", "kind": "undercuts"},
        {"source": "u", "target_edge": "x--supports--frame", "kind": "undercuts"},
    ],
    "votes": [
        {"node": "u", "user": "alice", "credence": 0.6},
        {"node": "p1", "user": "bob", "credence": 0.3},
    ],
    "edge_votes": [
        {"edge": "cut", "user": "alice", "strength": 0.0},
        {"edge": "g1-a", "user": "bob", "strength": 1},
        {"edge": "g1-a", "user": "alice", "strength": 0.25},
        {"edge": "w--undercuts--q1--undermines--frame", "user": "zoë", "strength": 0.5},
    ],
}


def linked() -> dict:
    """A fresh copy of LINKED."""
    return copy.deepcopy(LINKED)


def linked_bytes() -> bytes:
    return json.dumps(LINKED, ensure_ascii=False).encode()
