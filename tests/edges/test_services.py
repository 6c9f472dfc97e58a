"""edge_create, edge_update, edge_delete: keys, rationale, sources, groups, undercuts, revisions."""

import pytest
from django.test import TestCase

from claims.models import Edge, EdgeRevision, EdgeSource, Map, MapChange
from claims.selectors import edge_revisions
from claims.services import edge_create, edge_delete, edge_update, node_create
from core.errors import Conflict, StaleRevision, ValidationFailed
from tests.edges.conftest import graph_version

pytestmark = pytest.mark.django_db

SOURCE = {"document": "004.txt", "locator": "¶ 12", "quote": "a quote"}


def test_an_edge_gets_its_default_key_and_every_field_given(world):
    n, user = world["nodes"], world["people"]["editor"]
    edge = edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        weight=0.3,
        rationale="Because the essay says so.\nTwice.",
        sources=[SOURCE, {"document": "005.txt"}],
        group="g",
        created_by=user,
    )
    edge.refresh_from_db()
    assert edge.key == "c1--supports--frame"
    assert (edge.weight, edge.rationale, edge.group, edge.revision) == (
        0.3,
        "Because the essay says so.\nTwice.",
        "g",
        1,
    )
    rows = list(edge.sources.order_by("position").values("document", "locator", "quote"))
    assert rows == [SOURCE, {"document": "005.txt", "locator": "", "quote": ""}]


def test_a_given_key_is_kept_and_a_taken_one_is_a_409(world):
    n = world["nodes"]
    edge = edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        key="my-arg",
        created_by=None,
    )
    assert edge.key == "my-arg"
    before = graph_version(world["map"])
    with pytest.raises(Conflict) as refused:
        edge_create(
            map=world["map"],
            source=n["c2"],
            target=n["frame"],
            kind="supports",
            key="my-arg",
            created_by=None,
        )
    assert "my-arg" in refused.value.message and refused.value.fields == {"id": ["taken"]}
    assert graph_version(world["map"]) == before


def test_the_same_key_in_another_map_is_fine(world, other_map):
    edge = edge_create(
        map=other_map["map"],
        source=other_map["lone"],
        target=other_map["edge"].target,
        kind="supports",
        key="crux--supports--frame-2",
        created_by=None,
    )
    assert edge.key == "crux--supports--frame-2"
    assert Edge.objects.filter(key="crux--supports--frame").count() == 2


def test_a_default_key_taken_by_a_named_edge_gets_a_suffix(world):
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        key="c2--supports--frame",
        created_by=None,
    )
    edge = edge_create(
        map=world["map"], source=n["c2"], target=n["frame"], kind="supports", created_by=None
    )
    assert edge.key == "c2--supports--frame-2"


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"key": "Bad Key"}, "id", "lowercase"),
        ({"key": ""}, "id", "non-empty"),
        ({"rationale": "x" * 2001}, "rationale", "longer than 2000"),
        ({"rationale": "nul \x00"}, "rationale", "control"),
        ({"rationale": "bell \x07"}, "rationale", "control"),
        ({"rationale": "half \ud800 pair"}, "rationale", "surrogate"),
        ({"rationale": 5}, "rationale", "string"),
        ({"group": "Not A Slug"}, "group", "lowercase"),
        ({"group": 3}, "group", "non-empty string"),
        ({"weight": 1.5}, "weight", "between 0 and 1"),
        ({"weight": True}, "weight", "between 0 and 1"),
        ({"sources": "004.txt"}, "sources", "list"),
        ({"sources": [{"document": ""}]}, "sources[0].document", "empty"),
        ({"sources": ["004.txt"]}, "sources[0]", "object"),
        ({"sources": [{"document": "d", "quote": "q" * 501}]}, "sources[0].quote", "longer"),
        ({"sources": [{"document": "d"}] * 51}, "sources", "at most 50"),
        ({"kind": "attacks"}, "kind", "not one of"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(world, state, bad, field, words):
    n = world["nodes"]
    before = state()
    args = {"source": n["c1"], "target": n["frame"], "kind": "supports", **bad}
    with pytest.raises(ValidationFailed) as refused:
        edge_create(map=world["map"], created_by=None, **args)
    assert field in refused.value.fields, refused.value.fields
    assert words in refused.value.message, refused.value.message
    assert state() == before


def test_a_rationale_of_exactly_2000_code_points_with_newlines_and_tabs_is_fine(world):
    n = world["nodes"]
    text = ("é\t\r\n" * 500)[:2000]
    edge = edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        rationale=text,
        created_by=None,
    )
    edge.refresh_from_db()
    assert edge.rationale == text


# --- linked groups ----------------------------------------------------------------------


def test_premises_join_a_group_with_the_same_target_and_kind(world):
    n = world["nodes"]
    for key in ("c1", "c2", "c3"):
        edge_create(
            map=world["map"],
            source=n[key],
            target=n["frame"],
            kind="supports",
            group="joint",
            created_by=None,
        )
    assert Edge.objects.filter(map=world["map"], group="joint").count() == 3


@pytest.mark.parametrize(
    ("target", "kind", "words"),
    [("frame", "undermines", "supports 'frame'"), ("frame-b", "supports", "supports 'frame'")],
)
def test_a_group_mixing_kinds_or_targets_is_refused(world, state, target, kind, words):
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        group="joint",
        created_by=None,
    )
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=n["c2"],
            target=n[target],
            kind=kind,
            group="joint",
            created_by=None,
        )
    assert "group 'joint'" in refused.value.message and words in refused.value.message
    assert refused.value.fields == {"group": ["mixes targets or kinds"]}
    assert state() == before


@pytest.mark.parametrize("kind", ["related", "subframe_of"])
def test_a_group_on_other_kinds_is_refused(world, state, kind):
    n = world["nodes"]
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=n["frame-b"],
            target=n["frame"],
            kind=kind,
            group="g",
            created_by=None,
        )
    assert "only supports and undermines" in refused.value.message
    assert state() == before


def test_the_same_group_name_in_another_map_is_another_group(world, other_map):
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        group="g",
        created_by=None,
    )
    edge = edge_create(
        map=other_map["map"],
        source=other_map["lone"],
        target=other_map["edge"].target,
        kind="undermines",
        group="g",
        created_by=None,
    )
    assert edge.group == "g"


# --- undercuts ----------------------------------------------------------------------


def test_an_undercut_points_at_an_argument_and_gets_its_default_key(world):
    n, attacked = world["nodes"], world["edges"]["crux--supports--frame"]
    undercut = edge_create(
        map=world["map"],
        source=n["x"],
        target_edge=attacked,
        kind="undercuts",
        weight=0.5,
        rationale="the inference assumes a fixed ontology",
        created_by=None,
    )
    undercut.refresh_from_db()
    assert undercut.key == "x--undercuts--crux--supports--frame"
    assert undercut.target_id is None and undercut.target_edge_id == attacked.pk
    assert list(attacked.undercut_by.all()) == [undercut]
    change = MapChange.objects.filter(map=world["map"]).order_by("-graph_version").first()
    assert change.action == "edge_create" and set(change.node_keys) == {"x", "frame"}


@pytest.mark.parametrize("edge", ["frame-b--subframe_of--frame"])
def test_undercutting_a_subframe_edge_is_refused(world, state, edge):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=world["nodes"]["x"],
            target_edge=world["edges"][edge],
            kind="undercuts",
            created_by=None,
        )
    assert "only supports and undermines edges can be undercut" in refused.value.message
    assert "subframe_of" in refused.value.message
    assert state() == before


def test_undercutting_a_related_edge_or_an_undercut_is_refused(world, state):
    n = world["nodes"]
    related = edge_create(
        map=world["map"], source=n["c1"], target=n["c2"], kind="related", created_by=None
    )
    undercut = edge_create(
        map=world["map"],
        source=n["x"],
        target_edge=world["edges"]["crux--supports--frame"],
        kind="undercuts",
        created_by=None,
    )
    before = state()
    for attacked, kind in ((related, "related"), (undercut, "undercuts")):
        with pytest.raises(ValidationFailed) as refused:
            edge_create(
                map=world["map"],
                source=n["c3"],
                target_edge=attacked,
                kind="undercuts",
                created_by=None,
            )
        assert f"is a {kind} edge" in refused.value.message
    assert state() == before


def test_undercutting_an_edge_of_another_map_is_refused(world, other_map, state):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=world["nodes"]["x"],
            target_edge=other_map["edge"],
            kind="undercuts",
            created_by=None,
        )
    assert "another map" in refused.value.message
    assert refused.value.fields == {"target_edge": ["not in this map"]}
    assert state() == before


def test_an_undercut_with_a_target_node_or_without_target_edge_is_refused(world, state):
    n, attacked = world["nodes"], world["edges"]["crux--supports--frame"]
    before = state()
    with pytest.raises(ValidationFailed) as both:
        edge_create(
            map=world["map"],
            source=n["x"],
            target=n["frame"],
            target_edge=attacked,
            kind="undercuts",
            created_by=None,
        )
    assert both.value.fields == {"target": ["must be absent for undercuts"]}
    with pytest.raises(ValidationFailed) as neither:
        edge_create(map=world["map"], source=n["x"], kind="undercuts", created_by=None)
    assert neither.value.fields == {"target_edge": ["required for undercuts"]}
    with pytest.raises(ValidationFailed) as misplaced:
        edge_create(
            map=world["map"],
            source=n["x"],
            target=n["frame"],
            target_edge=attacked,
            kind="supports",
            created_by=None,
        )
    assert "only undercuts point at an edge" in misplaced.value.message
    assert state() == before


def test_an_undercut_cannot_carry_a_group(world, state):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=world["nodes"]["x"],
            target_edge=world["edges"]["crux--supports--frame"],
            kind="undercuts",
            group="g",
            created_by=None,
        )
    assert refused.value.fields == {"group": ["not allowed on undercuts edges"]}
    assert state() == before


def test_one_undercut_per_source_and_edge(world, state):
    attacked = world["edges"]["crux--supports--frame"]
    edge_create(
        map=world["map"],
        source=world["nodes"]["x"],
        target_edge=attacked,
        kind="undercuts",
        created_by=None,
    )
    before = state()
    with pytest.raises(Conflict) as refused:
        edge_create(
            map=world["map"],
            source=world["nodes"]["x"],
            target_edge=attacked,
            kind="undercuts",
            key="another-key",
            created_by=None,
        )
    assert "already undercuts" in refused.value.message
    assert state() == before


def test_an_undercut_closing_a_cycle_is_refused_naming_it(world, state):
    """frame -> c1 -> c2 -> x: x undercutting crux->frame would make frame depend on x."""
    n = world["nodes"]
    for source, target in (("frame", "c1"), ("c1", "c2"), ("c2", "x")):
        edge_create(
            map=world["map"],
            source=n[source],
            target=n[target],
            kind="supports",
            created_by=None,
        )
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=n["x"],
            target_edge=world["edges"]["crux--supports--frame"],
            kind="undercuts",
            created_by=None,
        )
    message = refused.value.message
    assert message.startswith(
        "undercut 'x' on 'crux--supports--frame' would close a cycle: frame -> c1 -> c2 -> x"
    ), message
    assert refused.value.fields == {"target_edge": ["would close a cycle through undercuts"]}
    assert state() == before


def test_an_undercut_by_the_attacked_edges_own_target_is_a_cycle(world, state):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=world["nodes"]["frame"],
            target_edge=world["edges"]["crux--supports--frame"],
            kind="undercuts",
            created_by=None,
        )
    assert "would close a cycle: frame" in refused.value.message
    assert state() == before


def test_a_cycle_through_two_undercuts_is_refused(world, state):
    """x undercuts crux->frame (x -> frame); frame -> c1; c2 undercuts c1... the loop closes."""
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["x"],
        target_edge=world["edges"]["crux--supports--frame"],
        kind="undercuts",
        created_by=None,
    )
    frame_c1 = edge_create(
        map=world["map"], source=n["frame-b"], target=n["c1"], kind="supports", created_by=None
    )
    edge_create(
        map=world["map"],
        source=n["frame"],
        target_edge=frame_c1,
        kind="undercuts",
        created_by=None,
    )
    edge_create(map=world["map"], source=n["c1"], target=n["c2"], kind="supports", created_by=None)
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"], source=n["c2"], target=n["x"], kind="supports", created_by=None
        )
    assert "'c2' supports 'x' would close a cycle through an undercut" in refused.value.message
    assert "x -> frame -> c1 -> c2 -> x" in refused.value.message
    assert state() == before


def test_an_argument_closing_a_cycle_through_an_undercut_is_refused(world, state):
    """After x undercuts crux->frame, frame -> x would make x depend on what it undercuts."""
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["x"],
        target_edge=world["edges"]["crux--supports--frame"],
        kind="undercuts",
        created_by=None,
    )
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_create(
            map=world["map"],
            source=n["frame"],
            target=n["x"],
            kind="undermines",
            created_by=None,
        )
    assert "close a cycle through an undercut: x -> frame -> x" in refused.value.message
    assert state() == before
    # A cycle of plain arguments, with no undercut on it, stays allowed.
    edge_create(
        map=world["map"], source=n["frame"], target=n["crux"], kind="supports", created_by=None
    )


def test_an_undercut_off_any_cycle_is_fine_even_from_the_attacked_source(world):
    n = world["nodes"]
    edge = edge_create(
        map=world["map"],
        source=n["crux"],
        target_edge=world["edges"]["crux--supports--frame"],
        kind="undercuts",
        created_by=None,
    )
    assert edge.kind == "undercuts"


# --- updates and revisions -------------------------------------------------------------


def test_an_update_keeps_the_previous_values_as_a_revision(world):
    editor = world["people"]["editor"]
    edge = world["edges"]["crux--supports--frame"]
    before = graph_version(world["map"])
    edge_update(edge=edge, user=editor, rationale="First reason.", weight=0.7)
    edge_update(edge=edge, user=editor, group="joint", sources=[SOURCE])
    edge.refresh_from_db()
    assert (edge.revision, edge.rationale, edge.weight, edge.group) == (
        3,
        "First reason.",
        0.7,
        "joint",
    )
    assert list(EdgeSource.objects.filter(edge=edge).values("document", "locator", "quote")) == [
        SOURCE
    ]
    history = edge_revisions(edge=edge)
    assert [(h["revision"], h["rationale"], h["weight"], h["group"]) for h in history] == [
        (3, "First reason.", 0.7, "joint"),
        (2, "First reason.", 0.7, None),
        (1, "", 0.6, None),
    ]
    assert [h["edited_by"] for h in history] == [None, "editor", "editor"]
    assert graph_version(world["map"]) == before + 2


def test_an_update_that_changes_nothing_bumps_nothing(world, state):
    edge = world["edges"]["crux--supports--frame"]
    edge_update(edge=edge, rationale="Reason.", sources=[SOURCE], group="g")
    before = state()
    edge_update(edge=edge, rationale="Reason.", weight=0.6, sources=[SOURCE], group="g")
    edge_update(edge=edge)
    assert state() == before
    edge.refresh_from_db()
    assert edge.revision == 2


def test_changing_only_the_sources_is_a_revision(world):
    edge = world["edges"]["crux--supports--frame"]
    edge_update(edge=edge, sources=[SOURCE])
    edge_update(edge=edge, sources=[])
    edge.refresh_from_db()
    assert edge.revision == 3 and not edge.sources.exists()
    assert EdgeRevision.objects.filter(edge=edge).count() == 2
    # The history keeps what each revision cited: none at 1, SOURCE at 2.
    history = {r["revision"]: r["sources"] for r in edge_revisions(edge=edge)}
    assert history == {
        3: [],
        2: [
            {
                "document": SOURCE["document"],
                "locator": SOURCE.get("locator", ""),
                "quote": SOURCE.get("quote", ""),
            }
        ],
        1: [],
    }


def test_a_group_can_be_cleared_with_none_and_kept_by_default(world):
    edge = world["edges"]["crux--supports--frame"]
    edge_update(edge=edge, group="g")
    edge_update(edge=edge, weight=0.2)
    edge.refresh_from_db()
    assert edge.group == "g"
    edge_update(edge=edge, group=None)
    edge.refresh_from_db()
    assert edge.group is None and edge.revision == 4


def test_a_stale_revision_is_a_409_and_changes_nothing(world, state):
    edge = world["edges"]["crux--supports--frame"]
    edge_update(edge=edge, rationale="one", expected_revision=1)
    before = state()
    with pytest.raises(StaleRevision) as refused:
        edge_update(edge=edge, rationale="two", expected_revision=1)
    assert "revision 1 (now at 2)" in refused.value.message
    assert state() == before


def test_an_update_joining_a_group_of_another_target_is_refused(world, state):
    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame-b"],
        kind="supports",
        group="g",
        created_by=None,
    )
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        edge_update(edge=world["edges"]["crux--supports--frame"], group="g")
    assert "group 'g'" in refused.value.message
    assert state() == before


def test_a_kind_change_keeps_the_group_rules_and_the_undercuts(world, state):
    n = world["nodes"]
    edge = world["edges"]["crux--supports--frame"]
    edge_create(
        map=world["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        group="g",
        created_by=None,
    )
    edge_update(edge=edge, group="g")
    before = state()
    with pytest.raises(ValidationFailed) as mixed:
        edge_update(edge=edge, kind="undermines")
    assert "group 'g'" in mixed.value.message
    with pytest.raises(ValidationFailed) as grouped:
        edge_update(edge=edge, kind="related")
    assert "only supports and undermines edges form linked groups" in grouped.value.message
    assert state() == before
    edge_update(edge=edge, group=None)
    edge_create(
        map=world["map"], source=n["x"], target_edge=edge, kind="undercuts", created_by=None
    )
    before = state()
    with pytest.raises(ValidationFailed) as undercut:
        edge_update(edge=edge, kind="related")
    assert "is undercut by 1 edge" in undercut.value.message
    with pytest.raises(ValidationFailed) as to_undercut:
        edge_update(edge=edge, kind="undercuts")
    assert "undercut stays an undercut" in to_undercut.value.message
    assert state() == before
    edge_update(edge=edge, kind="undermines")  # still an argument: allowed, no revision
    edge.refresh_from_db()
    assert edge.kind == "undermines" and edge.key == "crux--supports--frame"


# --- deletion -----------------------------------------------------------------------


def test_deleting_an_edge_deletes_its_undercuts_and_the_counts_follow(world):
    n, edge = world["nodes"], world["edges"]["crux--supports--frame"]
    for key in ("x", "c1"):
        edge_create(
            map=world["map"],
            source=n[key],
            target_edge=edge,
            kind="undercuts",
            rationale="r",
            sources=[SOURCE],
            created_by=None,
        )
    edge_update(edge=edge, rationale="changed")
    the_map = Map.objects.get(pk=world["map"].pk)
    assert the_map.edge_count == Edge.objects.filter(map=the_map).count() == 5
    edge_delete(edge=edge)
    the_map.refresh_from_db()
    assert the_map.edge_count == Edge.objects.filter(map=the_map).count() == 2
    assert not EdgeSource.objects.exists() and not EdgeRevision.objects.exists()
    change = MapChange.objects.filter(map=the_map).order_by("-graph_version").first()
    assert change.action == "edge_delete" and set(change.node_keys) == {"crux", "frame", "x", "c1"}


def test_deleting_a_node_deletes_the_undercuts_of_its_edges_and_the_counts_follow(world):
    from claims.services import node_delete

    n = world["nodes"]
    edge_create(
        map=world["map"],
        source=n["x"],
        target_edge=world["edges"]["crux--supports--frame"],
        kind="undercuts",
        created_by=None,
    )
    node_delete(node=n["crux"])
    the_map = Map.objects.get(pk=world["map"].pk)
    assert the_map.edge_count == Edge.objects.filter(map=the_map).count() == 2


def test_deleting_an_undercut_leaves_the_attacked_edge(world):
    edge = world["edges"]["crux--supports--frame"]
    undercut = edge_create(
        map=world["map"],
        source=world["nodes"]["x"],
        target_edge=edge,
        kind="undercuts",
        created_by=None,
    )
    edge_delete(edge=undercut)
    assert Edge.objects.filter(pk=edge.pk).exists()
    assert Map.objects.get(pk=world["map"].pk).edge_count == 3


class EdgeServicesScheduleTheRecompute(TestCase):
    def test_create_update_delete_each_schedule_one_recompute(self):
        from claims.services import map_create

        the_map = map_create(slug="m", title="M", owner=None)
        a = node_create(map=the_map, kind="crux", title="A", key="a", created_by=None)
        b = node_create(map=the_map, kind="frame", title="B", key="b", created_by=None)
        with self.captureOnCommitCallbacks() as created:
            edge = edge_create(map=the_map, source=a, target=b, kind="supports", created_by=None)
        with self.captureOnCommitCallbacks() as updated:
            edge_update(edge=edge, rationale="why")
        with self.captureOnCommitCallbacks() as unchanged:
            edge_update(edge=edge, rationale="why")
        with self.captureOnCommitCallbacks() as deleted:
            edge_delete(edge=edge)
        assert [len(created), len(updated), len(unchanged), len(deleted)] == [1, 1, 0, 1]
