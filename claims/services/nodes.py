from collections.abc import Iterable, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from claims.merged import moved_check
from claims.models import (
    KEY_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ActivityVerb,
    Edge,
    FrameCategory,
    Map,
    Node,
    NodeKind,
    NodeRevision,
    Source,
)
from claims.services.activity import activity_record
from claims.services.maps import map_graph_changed
from core.errors import Conflict, NotFound, StaleRevision, ValidationFailed
from core.validation import check_key, check_probability, check_text

MAX_SOURCES = 50


def _check_kind_and_category(kind: str, category: str | None) -> None:
    if kind not in NodeKind.values:
        raise ValidationFailed(
            f"kind {kind!r} is not one of {NodeKind.values}",
            fields={"kind": [f"must be one of {NodeKind.values}"]},
        )
    if category is not None:
        if kind != NodeKind.FRAME:
            raise ValidationFailed(
                "only frames have a category", fields={"category": ["only frames have a category"]}
            )
        if category not in FrameCategory.values:
            raise ValidationFailed(
                f"category {category!r} is not one of {FrameCategory.values}",
                fields={"category": [f"must be one of {FrameCategory.values}"]},
            )


def _clean_sources(sources: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for i, source in enumerate(sources):
        if i >= MAX_SOURCES:
            raise ValidationFailed(
                f"at most {MAX_SOURCES} sources", fields={"sources": ["too many"]}
            )
        document = check_text(
            source.get("document", ""),
            field=f"sources[{i}].document",
            max_length=500,
            allow_empty=False,
        )
        cleaned.append(
            {
                "document": document,
                "locator": check_text(
                    source.get("locator", ""), field=f"sources[{i}].locator", max_length=200
                ),
                "quote": check_text(
                    source.get("quote", ""),
                    field=f"sources[{i}].quote",
                    max_length=QUOTE_MAX_LENGTH,
                ),
            }
        )
    return cleaned


def _free_key(map: Map, title: str) -> str:
    base = slugify(title)[: KEY_MAX_LENGTH - 8].strip("-_") or "node"
    taken = set(Node.objects.filter(map=map, key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def node_create(
    *,
    map: Map,
    kind: str,
    title: str,
    created_by: AbstractBaseUser | None,
    key: str | None = None,
    text: str = "",
    category: str | None = None,
    prior: float = 0.5,
    sources: Iterable[Mapping[str, str]] = (),
) -> Node:
    title = check_text(title, field="title", max_length=TITLE_MAX_LENGTH, allow_empty=False)
    title = title.strip()
    text = check_text(text, field="text", max_length=TEXT_MAX_LENGTH)
    _check_kind_and_category(kind, category)
    prior = check_probability(prior, field="prior")
    cleaned_sources = _clean_sources(sources)
    if key is not None:
        check_key(key)
    # Node creations in one map serialise on the map's row (they would anyway at
    # the graph_version bump below): the check of the key, or the choice of a
    # free one, then sees every node committed before, so two concurrent
    # requests cannot both pass it with the same key (a 409 for the second, not
    # the database's refusal; a distinct key when it is made from the title).
    if Map.objects.select_for_update(no_key=True).filter(pk=map.pk).first() is None:
        raise NotFound(f"the map '{map.slug}' no longer exists")
    if key is None:
        key = _free_key(map, title)
    elif Node.objects.filter(map=map, key=key).exists():
        raise Conflict(f"node key '{key}' already exists in this map", fields={"key": ["taken"]})
    node = Node.objects.create(
        map=map,
        key=key,
        kind=kind,
        title=title,
        text=text,
        category=category,
        prior=prior,
        created_by=created_by,
    )
    Source.objects.bulk_create(
        Source(node=node, position=i, **source) for i, source in enumerate(cleaned_sources)
    )
    version = map_graph_changed(
        map_id=map.pk, action="node_create", node_keys=[key], user=created_by, nodes={kind: 1}
    )
    activity_record(
        map_id=map.pk,
        verb=ActivityVerb.NODE_ADDED,
        actor=created_by,
        node_key=key,
        title=title,
        graph_version=version,
        detail={"kind": kind},
    )
    return node


@transaction.atomic
def node_update(
    *,
    node: Node,
    edited_by: AbstractBaseUser | None,
    expected_revision: int | None = None,
    title: str | None = None,
    text: str | None = None,
    category: str | None = None,
    prior: float | None = None,
) -> Node:
    """Change a node. Title/text edits need the revision the editor saw (no lost updates)."""
    # Lock the row so that two concurrent edits of one node serialise here
    # (NO KEY: rows that only reference the node, like a new edge, need not wait).
    locked = Node.objects.select_for_update(no_key=True).filter(pk=node.pk).first()
    if locked is None:
        raise NotFound(f"the node '{node.key}' no longer exists")
    node = locked
    changes_words = title is not None or text is not None
    if changes_words:
        if expected_revision is None:
            raise ValidationFailed(
                "editing title or text needs the revision you saw",
                fields={"revision": ["required when changing title or text"]},
            )
        if expected_revision != node.revision:
            raise StaleRevision(
                f"the node was edited since revision {expected_revision} "
                f"(now at {node.revision}); reload and edit again",
                fields={"revision": [f"stale: current revision is {node.revision}"]},
            )
    new_title = node.title
    new_text = node.text
    if title is not None:
        new_title = check_text(
            title, field="title", max_length=TITLE_MAX_LENGTH, allow_empty=False
        ).strip()
    if text is not None:
        new_text = check_text(text, field="text", max_length=TEXT_MAX_LENGTH)
    changed: list[str] = []  # the fields that change, for the activity entry
    if category is not None:
        _check_kind_and_category(node.kind, category)
        if category != node.category:
            changed.append("category")
        node.category = category
    if prior is not None:
        prior = check_probability(prior, field="prior")
        if prior != node.prior:
            changed.append("prior")
        node.prior = prior
    if changes_words and (new_title != node.title or new_text != node.text):
        NodeRevision.objects.create(
            node=node, revision=node.revision, title=node.title, text=node.text, edited_by=edited_by
        )
        changed += [
            name
            for name, old, new in (("title", node.title, new_title), ("text", node.text, new_text))
            if old != new
        ]
        node.title, node.text = new_title, new_text
        node.revision += 1
    if not changed:
        # Saving what is already there would bump the graph version and make every
        # ranking reader see a stale map and the worker recompute the same ranking.
        return node
    node.save()
    version = map_graph_changed(
        map_id=node.map_id,
        action="node_update",
        node_keys=[node.key],
        user=edited_by,
        wording=bool({"title", "text"} & set(changed)),
    )
    activity_record(
        map_id=node.map_id,
        verb=ActivityVerb.NODE_EDITED,
        actor=edited_by,
        node_key=node.key,
        title=node.title,
        graph_version=version,
        detail={"fields": sorted(changed), "revision": node.revision},
    )
    return node


@transaction.atomic
def node_delete(*, node: Node, user: AbstractBaseUser | None = None) -> None:
    map_id, key, kind, title = node.map_id, node.key, node.kind, node.title
    # The node's row before the edges the DELETE cascades to: the order a merge locks
    # them (nodes, then their edges), so that a delete and a merge of the same node
    # queue up instead of deadlocking. Read again under the lock: a node merged
    # meanwhile is refused with a pointer to its survivor.
    locked = Node.objects.select_for_update().filter(pk=node.pk).first()
    if locked is not None:
        moved_check(locked)
    # The map's counts move by the rows this DELETE removed (the node and the
    # edges it cascades to), not by a count taken before it: when two requests
    # delete the same node at once, the second removes nothing and must not
    # lower the counts a second time.
    _, deleted = node.delete()
    removed_nodes = deleted.get(Node._meta.label, 0)
    removed_edges = deleted.get(Edge._meta.label, 0)
    version = map_graph_changed(
        map_id=map_id,
        action="node_delete",
        node_keys=[key],
        user=user,
        nodes={kind: -removed_nodes},
        edges=-removed_edges,
    )
    if removed_nodes:  # a second, concurrent deletion removed nothing: one entry
        activity_record(
            map_id=map_id,
            verb=ActivityVerb.NODE_DELETED,
            actor=user,
            node_key=key,
            title=title,
            graph_version=version,
            detail={"kind": kind, "edges_removed": removed_edges},
        )
