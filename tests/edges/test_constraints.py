"""The database refuses a malformed edge whatever writes it (not only the services)."""

import pytest
from django.db import IntegrityError, transaction

from claims.models import Edge, EdgeRevision, EdgeSource

pytestmark = pytest.mark.django_db


def refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Edge.objects.create(**fields)


@pytest.fixture
def base(world):
    n = world["nodes"]
    return {
        "map": world["map"],
        "nodes": n,
        "attacked": world["edges"]["crux--supports--frame"],
        "subframe": world["edges"]["frame-b--subframe_of--frame"],
    }


def test_an_undercut_needs_target_edge_and_no_target(base):
    n, attacked = base["nodes"], base["attacked"]
    common = {"map": base["map"], "source": n["x"], "kind": "undercuts"}
    refused(key="u1", **common)  # neither
    refused(key="u2", target=n["frame"], **common)  # a node
    refused(key="u3", target=n["frame"], target_edge=attacked, **common)  # both
    Edge.objects.create(key="u4", target_edge=attacked, **common)


@pytest.mark.parametrize("kind", ["supports", "undermines", "related", "subframe_of"])
def test_other_kinds_need_a_target_node_and_no_target_edge(base, kind):
    n, attacked = base["nodes"], base["attacked"]
    common = {"map": base["map"], "source": n["frame-b"], "kind": kind}
    refused(key="e1", **common)
    refused(key="e2", target_edge=attacked, **common)
    refused(key="e3", target=n["c1"], target_edge=attacked, **common)


def test_edge_keys_are_unique_per_map_and_slug_shaped(base, other_map):
    n = base["nodes"]
    common = {"map": base["map"], "source": n["c1"], "target": n["frame"], "kind": "supports"}
    refused(key="crux--supports--frame", **common)
    refused(key="Bad Key", **common)
    refused(key="", **common)
    refused(key="-starts-with-dash", **common)
    Edge.objects.create(
        key="claim--undermines--frame",  # a key of the first map, in another map
        map=other_map["map"],
        source=other_map["lone"],
        target=other_map["edge"].target,
        kind="supports",
    )


@pytest.mark.parametrize("kind", ["related", "subframe_of"])
def test_a_group_only_on_supports_and_undermines(base, kind):
    n = base["nodes"]
    refused(key="g1", map=base["map"], source=n["frame-b"], target=n["c1"], kind=kind, group="g")


def test_an_undercut_has_no_group_and_groups_are_slug_shaped(base):
    n = base["nodes"]
    refused(
        key="g2",
        map=base["map"],
        source=n["x"],
        target_edge=base["attacked"],
        kind="undercuts",
        group="g",
    )
    refused(
        key="g3",
        map=base["map"],
        source=n["c1"],
        target=n["frame"],
        kind="supports",
        group="Not A Slug",
    )
    Edge.objects.create(
        key="g4", map=base["map"], source=n["c1"], target=n["frame"], kind="supports", group="g"
    )


def test_one_undercut_per_source_and_attacked_edge(base):
    n = base["nodes"]
    common = {"map": base["map"], "source": n["x"], "target_edge": base["attacked"]}
    Edge.objects.create(key="u1", kind="undercuts", **common)
    refused(key="u2", kind="undercuts", **common)


def test_the_rationale_is_at_most_2000_characters(base):
    n = base["nodes"]
    common = {"map": base["map"], "source": n["c1"], "target": n["frame"], "kind": "supports"}
    with pytest.raises(Exception, match="too long|value too long"), transaction.atomic():
        Edge.objects.create(key="long", rationale="x" * 2001, **common)
    Edge.objects.create(key="ok", rationale="é" * 2000, **common)


def test_revision_starts_at_one(base):
    n = base["nodes"]
    refused(
        key="r0", map=base["map"], source=n["c1"], target=n["frame"], kind="supports", revision=0
    )


def test_edge_revisions_are_unique_per_edge_and_revision(base):
    EdgeRevision.objects.create(edge=base["attacked"], revision=1, weight=0.5)
    with pytest.raises(IntegrityError), transaction.atomic():
        EdgeRevision.objects.create(edge=base["attacked"], revision=1, weight=0.7)


def test_an_edge_source_needs_a_document(base):
    with pytest.raises(IntegrityError), transaction.atomic():
        EdgeSource.objects.create(edge=base["attacked"], document="")


def test_deleting_the_attacked_edge_in_the_database_cascades_to_its_undercuts(base):
    undercut = Edge.objects.create(
        key="u",
        map=base["map"],
        source=base["nodes"]["x"],
        target_edge=base["attacked"],
        kind="undercuts",
    )
    EdgeSource.objects.create(edge=undercut, document="d")
    base["attacked"].delete()
    assert not Edge.objects.filter(pk=undercut.pk).exists()
    assert not EdgeSource.objects.exists()
