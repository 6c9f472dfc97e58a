"""map_import: an argmap JSON v1 document into a new map, all or nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from claims.errors import Conflict, UnsupportedFormat, ValidationFailed
from claims.formats import argmap as argmap_format
from claims.models import Edge, Map, Node, Source
from claims.services.maps import map_graph_changed
from claims.validation import check_key

BATCH_SIZE = 5000

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ImportResult:
    slug: str
    nodes: int
    edges: int
    votes: int
    skipped: dict[str, int] = field(default_factory=dict)


def format_error_to_validation(error: argmap_format.ArgmapFormatError) -> ValidationFailed:
    fields: dict[str, list[str]] = {}
    for problem in error.problems:
        path, _, message = problem.partition(": ")
        fields.setdefault(path, []).append(message)
    first = error.problems[0] if error.problems else "invalid file"
    more = f" (and {len(error.problems) - 1} more problems)" if len(error.problems) > 1 else ""
    return ValidationFailed(
        f"the file is not a valid argmap JSON v1 map: {first}{more}", fields=fields
    )


def parse_argmap(data: bytes | str | dict) -> dict:
    """Parse and validate an argmap document; ValidationFailed lists every problem by path."""
    try:
        if isinstance(data, dict):
            return argmap_format.validate(data)
        return argmap_format.load(data)
    except argmap_format.ArgmapFormatError as exc:
        raise format_error_to_validation(exc) from exc


def _users_by_name(usernames: set[str]) -> dict[str, int]:
    """Ids of the named users, creating missing ones as inactive accounts."""
    User = get_user_model()
    found = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    missing = sorted(usernames - found.keys())
    if missing:
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(username=name, is_active=False, password=unusable) for name in missing],
            batch_size=BATCH_SIZE,
        )
        found.update(User.objects.filter(username__in=missing).values_list("username", "id"))
    return found


def _noop(stage: str, done: int, total: int) -> None:
    return None


@transaction.atomic
def map_import(
    *,
    data: bytes | str | dict,
    owner: AbstractBaseUser | None,
    replace: bool = False,
    slug: str | None = None,
    visibility: str | None = None,
    progress: Progress | None = None,
    skipped: dict[str, int] | None = None,
) -> ImportResult:
    """Create a map from an argmap JSON v1 document in one transaction.

    Nothing is written unless the whole document is valid; on any problem the
    database is left exactly as it was.
    """
    from cruxes.models import Vote, VoteAction, VoteHistory

    report = progress or _noop
    doc = parse_argmap(data)
    meta = doc["map"]
    if slug is not None:
        meta["slug"] = check_key(slug, field="slug")
    if visibility is not None:
        if visibility not in ("public", "private"):
            raise ValidationFailed(
                "visibility must be public or private", fields={"visibility": ["invalid"]}
            )
        meta["visibility"] = visibility

    existing = Map.objects.select_for_update().filter(slug=meta["slug"]).first()
    if existing is not None:
        if not replace:
            raise Conflict(
                f"a map with slug '{meta['slug']}' already exists (use --replace to overwrite)",
                fields={"map.slug": ["taken"]},
            )
        existing.delete()

    the_map = Map.objects.create(
        slug=meta["slug"],
        title=meta["title"],
        description=meta.get("description", ""),
        visibility=meta.get("visibility", "public"),
        owner=owner,
    )
    created_by = owner if owner is not None else None

    nodes = doc["nodes"]
    total = len(nodes)
    node_ids: dict[str, int] = {}
    for start in range(0, total, BATCH_SIZE):
        batch = nodes[start : start + BATCH_SIZE]
        created = Node.objects.bulk_create(
            [
                Node(
                    map=the_map,
                    key=n["id"],
                    kind=n["kind"],
                    title=n["title"],
                    text=n["text"],
                    category=n["category"],
                    prior=n["prior"],
                    created_by=created_by,
                )
                for n in batch
            ]
        )
        node_ids.update((n.key, n.pk) for n in created)
        report("nodes", min(start + BATCH_SIZE, total), total)

    sources = [
        Source(node_id=node_ids[n["id"]], position=i, **s)
        for n in nodes
        for i, s in enumerate(n["sources"])
    ]
    Source.objects.bulk_create(sources, batch_size=BATCH_SIZE)

    edges = doc["edges"]
    for start in range(0, len(edges), BATCH_SIZE):
        Edge.objects.bulk_create(
            [
                Edge(
                    map=the_map,
                    source_id=node_ids[e["source"]],
                    target_id=node_ids[e["target"]],
                    kind=e["kind"],
                    weight=e["weight"],
                    created_by=created_by,
                )
                for e in edges[start : start + BATCH_SIZE]
            ]
        )
        report("edges", min(start + BATCH_SIZE, len(edges)), len(edges))

    votes = doc["votes"]
    if votes:
        user_ids = _users_by_name({v["user"] for v in votes})
        for start in range(0, len(votes), BATCH_SIZE):
            batch = votes[start : start + BATCH_SIZE]
            Vote.objects.bulk_create(
                [
                    Vote(
                        user_id=user_ids[v["user"]],
                        node_id=node_ids[v["node"]],
                        credence=v["credence"],
                        node_revision=1,
                    )
                    for v in batch
                ]
            )
            VoteHistory.objects.bulk_create(
                [
                    VoteHistory(
                        user_id=user_ids[v["user"]],
                        node_id=node_ids[v["node"]],
                        action=VoteAction.CAST,
                        credence=v["credence"],
                        node_revision=1,
                        graph_version=1,
                    )
                    for v in batch
                ]
            )
            report("votes", min(start + BATCH_SIZE, len(votes)), len(votes))

    map_graph_changed(map_id=the_map.pk, action="map_import", user=owner)
    return ImportResult(
        slug=the_map.slug,
        nodes=len(nodes),
        edges=len(edges),
        votes=len(votes),
        skipped=dict(skipped or {}),
    )


def _detect_format(data: bytes) -> str:
    """argmap or aif from the file's content; UnsupportedFormat otherwise."""
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        raise UnsupportedFormat(
            "cannot tell the file's format: expected a JSON object (argmap or AIF)",
            fields={"format": ["unrecognised"]},
        )
    if b'"format"' in data[:65536] and b'"argmap"' in data[:65536]:
        return "argmap"
    if b'"nodeID"' in data or b'"fromID"' in data:
        return "aif"
    return "argmap"  # let the argmap validator name what is wrong


def map_import_upload(
    *,
    data: bytes,
    owner: AbstractBaseUser,
    format: str | None = None,
    slug: str | None = None,
    visibility: str | None = None,
) -> ImportResult:
    """An uploaded argmap or AIF file as a new map owned by `owner` (all or nothing)."""
    fmt = format or _detect_format(data)
    if fmt == "argmap":
        return map_import(data=data, owner=owner, slug=slug, visibility=visibility)
    if fmt != "aif":
        raise UnsupportedFormat(
            f"import format must be argmap or aif, not {fmt[:40]!r}",
            fields={"format": ["unsupported"]},
        )
    from claims.formats.aif import AifFormatError, aif_to_argmap

    if not slug:
        raise ValidationFailed("an AIF import needs ?slug=", fields={"slug": ["required for AIF"]})
    check_key(slug, field="slug")
    try:
        raw = argmap_format.parse(data)
    except argmap_format.ArgmapFormatError as exc:
        raise format_error_to_validation(exc) from exc
    try:
        doc, skipped = aif_to_argmap(raw, slug=slug)
    except AifFormatError as exc:
        fields: dict[str, list[str]] = {}
        for problem in exc.problems:
            path, _, message = problem.partition(": ")
            fields.setdefault(path, []).append(message)
        raise ValidationFailed(
            f"the file is not valid AIF: {exc.problems[0] if exc.problems else exc}",
            fields=fields,
        ) from exc
    return map_import(data=doc, owner=owner, visibility=visibility, skipped=skipped)
