"""Reads of the activity log (claims.models.Activity): a map's page, API and feed,
and a person's "My activity" (what happened where they watch, wrote or commented).

Every entry comes out as a plain dict ready for a template or serializer, with its
sentence in words ("alice added the crux “X”") and a link to what it is about.
Pages are keyset-paged on the entry's id (newest first): `before` is the id of
the last entry of the previous page, so a page never skips or repeats entries
when new ones arrive meanwhile, and costs the same however deep it is.

Who sees what: a private map's entries only for those who may read the map
(claims.access); entries about hidden nodes and links (and hidden comments) only
for the map's owner and editors, who moderate. Votes are never activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from claims.access import map_role, maps_visible_to
from claims.models import (
    Activity,
    ActivityVerb,
    Edge,
    Map,
    MemberRole,
    Node,
    NodeKind,
)
from claims.selectors import node_get
from core.errors import NotFound, ValidationFailed
from core.validation import check_key
from discussion.models import Comment, Watch

PAGE_SIZE = 50
PAGE_SIZE_MAX = 100
_ID_MAX = 2**63 - 1  # a bigint: a larger `before` would reach PostgreSQL as an error
_USERNAME_MAX = 150


@dataclass(frozen=True)
class ActivityFilters:
    """A checked set of filters for a map's activity (all optional)."""

    actor: str | None = None
    node: str | None = None
    verb: str | None = None
    before: int | None = None
    limit: int = PAGE_SIZE


@dataclass
class ActivityPage:
    entries: list[dict[str, Any]] = field(default_factory=list)
    # The `before` of the next (older) page, None on the last page.
    next_before: int | None = None


def _positive_int(raw: object, *, name: str, maximum: int) -> int:
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not 1 <= int(text) <= maximum:
        raise ValidationFailed(
            f"{name} must be a whole number from 1 to {maximum}",
            fields={name: ["must be a positive whole number"]},
        )
    return int(text)


def activity_filters_check(params: Any) -> ActivityFilters:
    """The filters a page or API request asked for (a QueryDict or dict), checked.

    Bad input is a ValidationFailed naming the parameter; an unknown person or a
    key no node has now is not an error (deleted nodes keep their history).
    """
    actor = params.get("actor") or None
    if actor is not None and (len(actor) > _USERNAME_MAX or "\x00" in actor):
        raise ValidationFailed(
            f"actor must be a username of at most {_USERNAME_MAX} characters",
            fields={"actor": ["not a username"]},
        )
    node = params.get("node") or None
    if node is not None:
        check_key(node, field="node")
    verb = params.get("verb") or None
    if verb is not None and verb not in ActivityVerb.values:
        raise ValidationFailed(
            f"verb {verb[:40]!r} is not one of: {', '.join(ActivityVerb.values)}",
            fields={"verb": ["unknown verb"]},
        )
    before = params.get("before") or None
    limit = params.get("limit") or None
    return ActivityFilters(
        actor=actor,
        node=node,
        verb=verb,
        before=None if before is None else _positive_int(before, name="before", maximum=_ID_MAX),
        limit=PAGE_SIZE
        if limit is None
        else _positive_int(limit, name="limit", maximum=PAGE_SIZE_MAX),
    )


# --- who moderates, what is hidden --------------------------------------------


def _moderated_map_ids(user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The maps whose hidden entries `user` may see: those they own or edit."""
    if not user.is_authenticated:
        return set()
    return set(
        Map.objects.filter(
            Q(owner_id=user.pk) | Q(members__user_id=user.pk, members__role=MemberRole.EDITOR)
        ).values_list("pk", flat=True)
    )


def _about_hidden() -> Q:
    """Entries about a hidden node, a link from or to one, or a hidden comment:
    out of the activity for everyone but the map's moderators."""
    hidden_node = Node.objects.filter(
        map_id=OuterRef("map_id"), key=OuterRef("node_key"), hidden_at__isnull=False
    )
    hidden_edge = Edge.objects.filter(map_id=OuterRef("map_id"), key=OuterRef("edge_key")).filter(
        Q(source__hidden_at__isnull=False) | Q(target__hidden_at__isnull=False)
    )
    hidden_comment = Comment.objects.filter(pk=OuterRef("comment_id"), hidden_at__isnull=False)
    return (
        (~Q(node_key="") & Exists(hidden_node))
        | (~Q(edge_key="") & Exists(hidden_edge))
        | (Q(comment_id__isnull=False) & Exists(hidden_comment))
    )


# --- a map's activity ---------------------------------------------------------


def activity_of_map(
    *,
    map: Map,
    user: AbstractBaseUser | AnonymousUser,
    role: str | None,
    filters: ActivityFilters | None = None,
) -> ActivityPage:
    """One page of a map the caller may read (checked by the caller), newest first.

    `role` is the caller's (claims.access.map_role): the owner and editors see
    entries about hidden nodes, others do not.
    """
    filters = filters or ActivityFilters()
    rows = Activity.objects.filter(map=map)
    if filters.actor is not None:
        actor_id = (
            get_user_model()
            .objects.filter(username=filters.actor)
            .values_list("pk", flat=True)
            .first()
        )
        if actor_id is None:
            return ActivityPage()
        rows = rows.filter(actor_id=actor_id)
    if filters.node is not None:
        # The node's own entries, and those of the links it is an end of now.
        touching = Edge.objects.filter(map=map).filter(
            Q(source__key=filters.node) | Q(target__key=filters.node)
        )
        rows = rows.filter(Q(node_key=filters.node) | Q(edge_key__in=touching.values("key")))
    if filters.verb is not None:
        rows = rows.filter(verb=filters.verb)
    moderated = {map.pk} if role in ("owner", MemberRole.EDITOR) else set()
    if not moderated:
        rows = rows.exclude(_about_hidden())
    return _page(rows, before=filters.before, limit=filters.limit, moderated=moderated)


# --- "My activity" ------------------------------------------------------------


def activity_for_user(
    *, user: AbstractBaseUser, before: int | None = None, limit: int = PAGE_SIZE
) -> ActivityPage:
    """What others did where `user` follows: maps and nodes they watch, nodes they
    created, nodes and links they commented on. Never their own actions, never a
    map they can no longer read; hidden entries only on maps they moderate."""
    watched_maps = Watch.objects.filter(user=user, node__isnull=True).values("map_id")
    watched_node = Watch.objects.filter(
        user=user, node__map_id=OuterRef("map_id"), node__key=OuterRef("node_key")
    )
    created_node = Node.objects.filter(
        created_by=user, map_id=OuterRef("map_id"), key=OuterRef("node_key")
    )
    commented_node = Comment.objects.filter(
        author=user, node__map_id=OuterRef("map_id"), node__key=OuterRef("node_key")
    )
    commented_edge = Comment.objects.filter(
        author=user, edge__map_id=OuterRef("map_id"), edge__key=OuterRef("edge_key")
    )
    # The maps where any of it can be: the index on (map, -id) narrows the scan
    # before the per-row checks run.
    candidate_maps = (
        Watch.objects.filter(user=user)
        .values_list("map_id", flat=True)
        .union(
            Node.objects.filter(created_by=user).values_list("map_id", flat=True),
            Comment.objects.filter(author=user).values_list("map_id", flat=True),
        )
    )
    readable = set(
        maps_visible_to(user=user).filter(pk__in=list(candidate_maps)).values_list("pk", flat=True)
    )
    if not readable:
        return ActivityPage()
    rows = (
        Activity.objects.filter(map_id__in=readable)
        .exclude(actor_id=user.pk)
        .filter(
            Q(map_id__in=watched_maps)
            | (
                ~Q(node_key="")
                & (Exists(watched_node) | Exists(created_node) | Exists(commented_node))
            )
            | (~Q(edge_key="") & Exists(commented_edge))
        )
    )
    moderated = _moderated_map_ids(user) & readable
    rows = rows.exclude(_about_hidden() & ~Q(map_id__in=moderated))
    return _page(rows, before=before, limit=limit, moderated=moderated)


def watches_of_user(*, user: AbstractBaseUser) -> QuerySet[Watch]:
    """What `user` watches on maps they can still read, newest first."""
    return (
        Watch.objects.filter(user=user, map__in=maps_visible_to(user=user).values("pk"))
        .select_related("map", "node")
        .order_by("-created_at", "-id")
    )


def watchable_node_get(*, user: AbstractBaseUser | AnonymousUser, map: Map, key: str) -> Node:
    """A node of a map the caller may read, to watch: a hidden node only for the
    map's owner and editors (a 404 for others, as its page)."""
    node = node_get(map=map, key=key)
    if node.hidden_at is not None and map_role(user=user, map=map) not in (
        "owner",
        MemberRole.EDITOR,
    ):
        raise NotFound(f"no node '{key}' in map '{map.slug}'", fields={"key": ["unknown node"]})
    return node


def watch_state(*, user: AbstractBaseUser | AnonymousUser, map: Map, node: Node | None) -> bool:
    """Whether `user` watches the map (node None) or the node."""
    if not user.is_authenticated:
        return False
    if node is None:
        return Watch.objects.filter(user_id=user.pk, map=map, node__isnull=True).exists()
    return Watch.objects.filter(user_id=user.pk, node=node).exists()


# --- one page, in words -------------------------------------------------------


def _page(
    rows: QuerySet[Activity], *, before: int | None, limit: int, moderated: set[int]
) -> ActivityPage:
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(
        rows.select_related("actor", "map")
        .only(
            "id",
            "verb",
            "node_key",
            "edge_key",
            "title",
            "comment_id",
            "graph_version",
            "detail",
            "created_at",
            "actor__username",
            "map__slug",
            "map__title",
        )
        .order_by("-id")[: limit + 1]
    )
    more = len(found) > limit
    found = found[:limit]
    return ActivityPage(
        entries=activity_entries(found, moderated=moderated),
        next_before=found[-1].pk if more and found else None,
    )


_KIND_WORDS = {NodeKind.FRAME: "frame", NodeKind.CRUX: "crux", NodeKind.CLAIM: "claim"}


def node_page_url(slug: str, key: str, kind: str | None) -> str:
    return reverse("frame" if kind == NodeKind.FRAME else "node", args=[slug, key])


def activity_entries(rows: list[Activity], *, moderated: set[int]) -> list[dict[str, Any]]:
    """The entries as dicts: two queries for their nodes and links, whatever their number.

    `moderated`: the maps whose hidden nodes may be named (ranking entries drop
    the others' hidden cruxes from "entered" and "left").
    """
    map_ids = {a.map_id for a in rows}
    node_keys = {a.node_key for a in rows if a.node_key}
    for a in rows:
        if a.verb == ActivityVerb.RANKING_CHANGED:
            node_keys.update(_keys(a.detail, "entered") + _keys(a.detail, "left"))
        elif a.verb == ActivityVerb.NODE_MERGED and isinstance(a.detail, dict):
            into = a.detail.get("into")
            if isinstance(into, str):
                node_keys.add(into)  # the survivor, named by its title
    edge_keys = {a.edge_key for a in rows if a.edge_key}
    nodes: dict[tuple[int, str], tuple[str, str, bool]] = {}
    if node_keys:
        nodes = {
            (m, k): (kind, title, hidden is not None)
            for m, k, kind, title, hidden in Node.objects.filter(
                map_id__in=map_ids, key__in=node_keys
            ).values_list("map_id", "key", "kind", "title", "hidden_at")
        }
    edges: dict[tuple[int, str], dict] = {}
    if edge_keys:
        for e in (
            Edge.objects.filter(map_id__in=map_ids, key__in=edge_keys)
            .select_related("source", "target", "target_edge__source")
            .only(
                "map_id",
                "key",
                "kind",
                "source__key",
                "source__kind",
                "source__title",
                "target__title",
                "target_edge__source__title",
            )
        ):
            edges[(e.map_id, e.key)] = {
                "kind": e.kind.replace("_", " "),
                "source_key": e.source.key,
                "source_kind": e.source.kind,
                "source": e.source.title,
                "target": e.target.title
                if e.target is not None
                else f"the argument from “{e.target_edge.source.title}”",
            }
    return [_entry(a, nodes=nodes, edges=edges, moderated=moderated) for a in rows]


def _keys(detail: object, name: str) -> list[str]:
    value = detail.get(name) if isinstance(detail, dict) else None
    return [k for k in value if isinstance(k, str)] if isinstance(value, list) else []


def _entry(
    a: Activity,
    *,
    nodes: dict[tuple[int, str], tuple[str, str, bool]],
    edges: dict[tuple[int, str], dict],
    moderated: set[int],
) -> dict[str, Any]:
    slug = a.map.slug
    actor = a.actor.username if a.actor is not None else None
    entry: dict[str, Any] = {
        "id": a.pk,
        "verb": a.verb,
        "actor": actor,
        "map": slug,
        "map_title": a.map.title,
        "node": a.node_key or None,
        "edge": a.edge_key or None,
        "title": a.title,
        "comment_id": a.comment_id,
        "graph_version": a.graph_version,
        "created_at": a.created_at,
        "detail": a.detail if isinstance(a.detail, dict) else {},
        "action": "",
        "subject": "",
        "url": None,
        "entered": [],
        "left": [],
        "hidden": False,
    }
    verb = a.verb
    if verb == ActivityVerb.RANKING_CHANGED:
        entry.update(_ranking_words(a, nodes=nodes, moderated=moderated))
    elif a.edge_key:
        edge = edges.get((a.map_id, a.edge_key))
        entry["action"] = {
            ActivityVerb.COMMENTED: _comment_words(a, "the link"),
        }.get(verb, ActivityVerb(verb).label if verb in ActivityVerb.values else verb)
        if edge is not None:
            entry["subject"] = f"“{edge['source']}” {edge['kind']} “{edge['target']}”"
            url = node_page_url(slug, edge["source_key"], edge["source_kind"])
            entry["url"] = f"{url}#edge-out-{a.edge_key}"
        else:
            entry["subject"] = f"“{a.title}”" if a.title else f"“{a.edge_key}”"
    elif a.node_key:
        known = nodes.get((a.map_id, a.node_key))
        # A COMMENTED entry's detail "kind" is the comment's kind, not the node's.
        kind = known[0] if known else None
        if kind is None and verb != ActivityVerb.COMMENTED:
            kind = (a.detail or {}).get("kind")
        noun = _KIND_WORDS.get(kind, "node")
        title = a.title or (known[1] if known else a.node_key)
        words = {
            ActivityVerb.NODE_ADDED: f"added the {noun}",
            ActivityVerb.NODE_EDITED: f"edited the {noun}",
            ActivityVerb.NODE_DELETED: f"deleted the {noun}",
            ActivityVerb.NODE_HIDDEN: f"hid the {noun}",
            ActivityVerb.NODE_RESTORED: f"restored the {noun}",
            ActivityVerb.NODE_REVERTED: f"reverted the {noun}",
            ActivityVerb.NODE_MERGED: f"merged the {noun}",
            ActivityVerb.NODE_UNMERGED: f"undid the merge of the {noun}",
            ActivityVerb.COMMENTED: _comment_words(a, f"the {noun}"),
        }
        entry["action"] = words.get(verb, ActivityVerb(verb).label)
        entry["subject"] = f"“{title}”"
        into = (a.detail or {}).get("into") if verb == ActivityVerb.NODE_MERGED else None
        if isinstance(into, str) and into:
            # issue 17: the merged node's link leads to its survivor (a 301); name it too
            survivor = nodes.get((a.map_id, into))
            entry["subject"] += f" into “{survivor[1] if survivor else into}”"
        if known is not None:
            entry["url"] = node_page_url(slug, a.node_key, kind)
            entry["hidden"] = known[2]  # shown to moderators only (the query left it out)
    else:
        entry["action"] = {
            ActivityVerb.MAP_IMPORTED: "imported the map",
            ActivityVerb.MAP_EDITED: "changed the map's settings",
            ActivityVerb.MEMBER_JOINED: "joined the map",
        }.get(verb, ActivityVerb(verb).label)
        role = (a.detail or {}).get("role")
        if verb == ActivityVerb.MEMBER_JOINED and role in MemberRole.values:
            entry["action"] += f" as {'an' if role == 'editor' else 'a'} {role}"
    if entry["comment_id"] is not None and entry["url"] is not None:
        entry["url"] += "" if "#" in entry["url"] else f"#comment-{a.comment_id}"
    entry["text"] = _sentence(entry)
    return entry


def _ranking_words(
    a: Activity, *, nodes: dict[tuple[int, str], tuple[str, str, bool]], moderated: set[int]
) -> dict[str, Any]:
    """A ranking entry's cruxes, named and linked; hidden ones named to moderators only."""
    titles = (a.detail or {}).get("titles") or {}

    def named(key: str) -> dict[str, Any] | None:
        known = nodes.get((a.map_id, key))
        if known is not None and known[2] and a.map_id not in moderated:
            return None
        title = known[1] if known else titles.get(key, key)
        url = node_page_url(a.map.slug, key, known[0]) if known else None
        return {"key": key, "title": title, "url": url}

    entered = [n for n in map(named, _keys(a.detail, "entered")) if n is not None]
    left = [n for n in map(named, _keys(a.detail, "left")) if n is not None]
    return {
        "action": "the top ten cruxes changed",
        "url": reverse("map", args=[a.map.slug]),
        "entered": entered,
        "left": left,
    }


def _sentence(entry: dict[str, Any]) -> str:
    """The entry as one plain sentence (the API and the feed)."""
    if entry["verb"] == ActivityVerb.RANKING_CHANGED:
        parts = []
        if entry["entered"]:
            parts.append("entered: " + ", ".join(f"“{n['title']}”" for n in entry["entered"]))
        if entry["left"]:
            parts.append("left: " + ", ".join(f"“{n['title']}”" for n in entry["left"]))
        return "The top ten cruxes changed" + (f" ({'; '.join(parts)})" if parts else "")
    who = entry["actor"] or "Someone"
    return " ".join(p for p in (who, entry["action"], entry["subject"]) if p)


_COMMENT_WORDS = {
    "evidence_for": "posted evidence for",
    "evidence_against": "posted evidence against",
    "question": "asked a question about",
}


def _comment_words(a: Activity, subject: str) -> str:
    """ "replied with evidence against the crux", "commented on the link", ...: the
    comment's kind is what matters for a crux, so the entry says it."""
    detail = a.detail or {}
    words = _COMMENT_WORDS.get(detail.get("kind"), "commented on")
    if detail.get("reply"):
        words = "replied: " + words if words != "commented on" else "replied on"
    return f"{words} {subject}"
