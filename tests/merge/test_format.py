"""argmap JSON keeps a merge: a tombstone is written with "merged_into", read back
with it, and a file that gets it wrong is refused naming the problem."""

import json

import pytest

from claims.formats import argmap


def doc(nodes, edges=(), votes=()) -> dict:
    return {
        "format": "argmap",
        "version": 2,
        "map": {"slug": "m", "title": "M"},
        "nodes": list(nodes),
        "edges": list(edges),
        "votes": list(votes),
    }


def node(key, **extra):
    return {"id": key, "kind": "crux", "title": key.upper(), **extra}


def test_a_tombstone_round_trips_canonically():
    data = argmap.dumps(argmap.load(json.dumps(doc([node("a", merged_into="b"), node("b")]))))
    loaded = argmap.load(data)
    assert loaded["nodes"][0]["merged_into"] == "b"
    assert "merged_into" not in loaded["nodes"][1]
    # In sort_keys order, as json.dumps would place it.
    assert '"kind": "crux",\n      "merged_into": "b",\n      "prior": 0.5,' in data.decode()
    assert data.decode().count("merged_into") == 1
    assert argmap.dumps(loaded) == data


@pytest.mark.parametrize(
    ("nodes", "edges", "votes", "problem"),
    [
        ([node("a", merged_into="zz")], [], [], "nodes[0].merged_into: unknown node 'zz'"),
        ([node("a", merged_into="a")], [], [], "nodes[0].merged_into: a node cannot be merged"),
        (
            [node("a", merged_into="b"), node("b", merged_into="a")],
            [],
            [],
            "merged_into cycle",
        ),
        (
            [node("a", merged_into="b"), node("b"), node("c")],
            [{"source": "c", "target": "a", "kind": "supports"}],
            [],
            "edges[0].target: 'a' was merged into 'b': a merged node has no edges",
        ),
        (
            [node("a", merged_into="b"), node("b")],
            [],
            [{"node": "a", "user": "u", "credence": 0.5}],
            "votes[0].node: 'a' was merged into 'b': a merged node has no votes",
        ),
        ([node("a", merged_into="Not A Key"), node("b")], [], [], "nodes[0].merged_into"),
    ],
)
def test_a_wrong_merged_into_is_refused_naming_it(nodes, edges, votes, problem):
    with pytest.raises(argmap.ArgmapFormatError) as err:
        argmap.load(json.dumps(doc(nodes, edges, votes)))
    assert any(problem in p for p in err.value.problems), err.value.problems
