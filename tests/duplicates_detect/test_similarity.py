"""claims.similarity: the look-up finds the paraphrase, never a hidden or merged node;
the pairs are the right ones; the cached index follows the wording, not the votes,
and after an edit it is updated row by row with its fitted weights kept."""

import pytest
from django.utils import timezone

from claims import similarity
from claims.models import Map, Node
from claims.services import node_create, node_update
from claims.similarity import (
    SIMILAR_FLOOR,
    duplicate_pairs,
    index_for,
    similar_nodes,
)
from tests.duplicates_detect.conftest import PARAPHRASE

pytestmark = pytest.mark.django_db


def fresh(the_map):
    return Map.objects.get(pk=the_map.pk)


def test_the_issues_paraphrase_is_found_above_unrelated_nodes(dup_map):
    found = similar_nodes(fresh(dup_map), PARAPHRASE)
    assert found, "no suggestion at all"
    assert found[0][0].key == "deceptive"
    assert all(score >= SIMILAR_FLOOR for _, score in found)
    assert 0 < found[0][1] <= 1
    # Unrelated nodes, if listed at all, score well below the paraphrase.
    assert all(score < found[0][1] for node, score in found[1:])


def test_scores_are_best_first_and_the_limit_holds(dup_map):
    found = similar_nodes(fresh(dup_map), "Deceptive alignment is hard to detect", limit=1)
    assert [n.key for n, _ in found] == ["deceptive"]
    assert found[0][1] == pytest.approx(1.0, abs=1e-3)


def test_unrelated_text_suggests_nothing(dup_map):
    assert similar_nodes(fresh(dup_map), "Bananas are yellow fruit") == []


def test_the_excluded_key_is_left_out(dup_map):
    found = similar_nodes(fresh(dup_map), PARAPHRASE, exclude_key="deceptive")
    assert "deceptive" not in [n.key for n, _ in found]


def test_hidden_and_merged_nodes_are_never_suggested(dup_map, owner):
    the_map = fresh(dup_map)
    assert similar_nodes(the_map, PARAPHRASE)[0][0].key == "deceptive"
    node = Node.objects.get(map=the_map, key="deceptive")
    Node.objects.filter(pk=node.pk).update(hidden_at=timezone.now())
    # A hide bumps graph_version; with the same version the index would be reused.
    Map.objects.filter(pk=the_map.pk).update(graph_version=the_map.graph_version + 1)
    assert "deceptive" not in [n.key for n, _ in similar_nodes(fresh(the_map), PARAPHRASE)]

    twin = node_create(
        map=the_map,
        kind="crux",
        key="twin",
        title="Deceptive alignment is hard to detect",
        created_by=owner,
    )
    Node.objects.filter(pk=node.pk).update(hidden_at=None)
    Node.objects.filter(pk=twin.pk).update(merged_into=node, merged_at=timezone.now())
    keys = [n.key for n, _ in similar_nodes(fresh(the_map), "Deceptive alignment is hard")]
    assert "deceptive" in keys
    assert "twin" not in keys


def test_a_node_hidden_after_the_index_was_built_is_still_left_out(dup_map):
    the_map = fresh(dup_map)
    index_for(the_map)  # built with the node live
    Node.objects.filter(map=the_map, key="deceptive").update(hidden_at=timezone.now())
    # Same graph_version (as if the hide's bump were not seen yet): the live check still holds.
    assert "deceptive" not in [n.key for n, _ in similar_nodes(the_map, PARAPHRASE)]


def test_the_index_is_kept_across_a_vote_and_rebuilt_after_an_edit(dup_map, owner):
    the_map = fresh(dup_map)
    first = index_for(the_map)
    Map.objects.filter(pk=the_map.pk).update(graph_version=the_map.graph_version + 1)
    kept = index_for(fresh(the_map))  # the version moved, no wording did
    assert kept.char_matrix is first.char_matrix
    node_update(
        node=Node.objects.get(map=the_map, key="compute"),
        title="Deceptively aligned models pass evaluations",
        edited_by=owner,
        expected_revision=1,
    )
    rebuilt = index_for(fresh(the_map))
    assert rebuilt.char_matrix is not first.char_matrix
    keys = [n.key for n, _ in similar_nodes(fresh(the_map), PARAPHRASE)]
    assert keys[0] == "compute"


def test_duplicate_pairs_list_the_near_copies_only(dup_map, owner):
    the_map = fresh(dup_map)
    twin = node_create(
        map=the_map,
        kind="claim",
        key="twin",
        title="Deceptive alignment is hard to detect.",
        created_by=owner,
    )
    pairs = duplicate_pairs(fresh(the_map))
    deceptive = Node.objects.get(map=the_map, key="deceptive").pk
    assert pairs[0][:2] == tuple(sorted((deceptive, twin.pk)))
    assert pairs[0][2] > 0.9
    assert all(a < b for a, b, _ in pairs)
    assert [p[2] for p in pairs] == sorted((p[2] for p in pairs), reverse=True)


def test_an_empty_map_has_no_suggestions_and_no_pairs(owner):
    from claims.services import map_create

    the_map = map_create(slug="empty", title="Empty", owner=owner)
    assert similar_nodes(the_map, PARAPHRASE) == []
    assert duplicate_pairs(the_map) == []


def bump(the_map):
    """What map_graph_changed does to the version (the services call it on commit)."""
    Map.objects.filter(pk=the_map.pk).update(graph_version=fresh(the_map).graph_version + 1)
    return fresh(the_map)


def forbid_refit(monkeypatch):
    """From now on, fitting the index again fails the test: only index_update may run."""

    def refit(**_kwargs):
        raise AssertionError("the index was fitted again instead of updated")

    monkeypatch.setattr(similarity, "index_build", refit)


def test_a_node_added_after_the_index_was_built_is_found_without_a_refit(
    dup_map, owner, monkeypatch
):
    first = index_for(fresh(dup_map))
    typed = "Interpretability tooling scales to frontier models"
    assert all(score < 0.3 for _, score in similar_nodes(fresh(dup_map), typed))
    forbid_refit(monkeypatch)
    node_create(
        map=dup_map,
        kind="claim",
        key="interp",
        title="Interpretability tools scale to frontier models",
        created_by=owner,
    )
    the_map = bump(dup_map)
    assert [n.key for n, _ in similar_nodes(the_map, typed)][:1] == ["interp"]
    index = index_for(the_map)
    assert index.weights is first.weights  # the fitted IDF is reused, not refitted
    assert index.changed_since_fit == 1
    assert len(index.node_ids) == len(first.node_ids) + 1


def test_a_retitled_node_is_found_by_its_new_title_and_no_longer_by_its_old_one(
    dup_map, owner, monkeypatch
):
    the_map = fresh(dup_map)
    first = index_for(the_map)
    old_title = "Household robotics will lag language models by a decade"
    assert [n.key for n, _ in similar_nodes(the_map, old_title)][:1] == ["robotics"]
    forbid_refit(monkeypatch)
    node_update(
        node=Node.objects.get(map=the_map, key="robotics"),
        title="Deceptively aligned models pass evaluations",
        edited_by=owner,
        expected_revision=1,
    )
    the_map = bump(the_map)
    assert [n.key for n, _ in similar_nodes(the_map, PARAPHRASE)][:1] == ["robotics"]
    assert "robotics" not in [n.key for n, _ in similar_nodes(the_map, old_title)]
    index = index_for(the_map)
    assert index.weights is first.weights
    assert len(index.node_ids) == len(first.node_ids)  # its old row is gone, not kept


def test_a_node_hidden_or_merged_after_the_build_leaves_the_index_without_a_refit(
    dup_map, owner, monkeypatch
):
    the_map = fresh(dup_map)
    twin = node_create(
        map=the_map,
        kind="crux",
        key="twin",
        title="Deceptive alignment is hard to see",
        created_by=owner,
    )
    the_map = fresh(the_map)
    first = index_for(the_map)
    assert {"deceptive", "twin"} <= {n.key for n, _ in similar_nodes(the_map, PARAPHRASE)}
    forbid_refit(monkeypatch)
    deceptive = Node.objects.get(map=the_map, key="deceptive")
    Node.objects.filter(pk=deceptive.pk).update(hidden_at=timezone.now())
    Node.objects.filter(pk=twin.pk).update(merged_into=deceptive, merged_at=timezone.now())
    the_map = bump(the_map)
    keys = [n.key for n, _ in similar_nodes(the_map, PARAPHRASE)]
    assert "deceptive" not in keys and "twin" not in keys
    index = index_for(the_map)
    assert index.weights is first.weights
    assert set(index.node_ids.tolist()) == set(
        Node.objects.filter(map=the_map, hidden_at=None, merged_into=None).values_list(
            "id", flat=True
        )
    )


def test_the_weights_are_refitted_once_the_map_changed_by_a_share(dup_map, owner, monkeypatch):
    monkeypatch.setattr(similarity, "REFIT_SHARE", 0.0)  # any change is too much
    first = index_for(fresh(dup_map))
    node_create(map=dup_map, kind="claim", key="new", title="Something new", created_by=owner)
    index = index_for(bump(dup_map))
    assert index.weights is not first.weights
    assert index.changed_since_fit == 0
