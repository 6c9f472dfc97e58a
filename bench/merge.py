"""Benchmark of a duplicate merge and its undo (issue 17) on the synthetic 10k-node map.

    python bench/merge.py [--nodes 10000] [--seed 0] [--voters 300] [--repeat 5]

Imports the synthetic map into the benchmark database (see bench/common.py), picks the
best-connected crux as the survivor and the next best-connected crux as the duplicate,
gives both --voters votes (a third of the voters on both, so that a third of the votes
meet their owner's other vote), and then, --repeat times: node_merge (timed), node_unmerge
(timed). Each undo restores the map exactly, so every merge does the same work; the
export after the last undo is compared with the one before the first. Also times the
preview. Prints a Markdown table: median (min-max) milliseconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

MERGE_MS = 2000  # a page action: well under the request timeout


def connected_cruxes(the_map) -> list:
    """The map's cruxes, most edges first."""
    from django.db.models import Count, Q

    from claims.models import Node

    return list(
        Node.objects.filter(map=the_map, kind="crux")
        .annotate(degree=Count("out_edges", distinct=True) + Count("in_edges", distinct=True))
        .order_by("-degree", "key")
        .filter(~Q(degree=0))[:2]
    )


def add_votes(survivor, duplicate, voters: int) -> None:
    """Votes on both nodes (a third of the voters on both), with distinct times."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cruxes.models import Vote

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"merge-bench-{i}", password="!") for i in range(voters)
    )
    now = timezone.now()
    rows = []
    for i, user in enumerate(users):
        for node, offset in ((duplicate, i), (survivor, voters - i)):
            if node is survivor and i % 3 and i < voters // 2:
                continue
            if node is duplicate and i % 3 and i >= voters // 2:
                continue
            stamp = now - timedelta(seconds=offset)
            rows.append(
                Vote(
                    user=user,
                    node=node,
                    credence=0.05 + 0.9 * ((i * 37) % 100) / 100,
                    node_revision=node.revision,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    Vote.objects.bulk_create(rows)
    # bulk_create stamps auto_now fields anew: put the intended times back.
    for vote in rows:
        Vote.objects.filter(pk=vote.pk).update(updated_at=vote.updated_at)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--voters", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    common.bench_environment()
    common.ensure_database()
    common.setup_django()
    from bench.edit_to_fresh import fresh_map
    from claims.models import Node
    from claims.selectors import map_export_bytes
    from claims.services import node_merge, node_merge_preview, node_unmerge
    from cruxes.models import Vote

    print(f"# merge and undo, {args.nodes:,} nodes (seed {args.seed})\n", flush=True)
    print(common.machine(), flush=True)
    the_map, owner = fresh_map(args.nodes, args.seed)
    survivor, duplicate = connected_cruxes(the_map)
    add_votes(survivor, duplicate, args.voters)
    before = map_export_bytes(map=the_map)
    t = time.perf_counter()
    preview = node_merge_preview(merged=duplicate, survivor=survivor)
    preview_ms = (time.perf_counter() - t) * 1000
    merges, undos = [], []
    for _ in range(args.repeat):
        merged, kept = Node.objects.get(pk=duplicate.pk), Node.objects.get(pk=survivor.pk)
        t = time.perf_counter()
        merge = node_merge(merged=merged, survivor=kept, by=owner)
        merges.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        node_unmerge(merge=merge, by=owner)
        undos.append((time.perf_counter() - t) * 1000)
    same = map_export_bytes(map=the_map) == before
    moved = (
        f"{preview['votes']} votes ({preview['vote_conflicts']} meeting their owner's), "
        f"{len(preview['edges_repointed'])} edges re-pointed, "
        f"{len(preview['edges_combined'])} combined, "
        f"{len(preview['self_loops_dropped'])} dropped"
    )
    print(
        f"\nsurvivor '{survivor.key}', duplicate '{duplicate.key}': {moved}; "
        f"{Vote.objects.filter(node_id__in=[survivor.pk, duplicate.pk]).count()} votes on the "
        f"pair; export after the last undo {'identical' if same else 'DIFFERS'}\n"
    )
    rows = [
        ["preview (no writes)", f"{preview_ms:.0f}", "", ""],
        [f"node_merge, {args.repeat} runs", common.median_range(merges, "{:.0f}"),
         f"≤ {MERGE_MS} ms", common.verdict(sorted(merges)[len(merges) // 2], MERGE_MS)],
        [f"node_unmerge, {args.repeat} runs", common.median_range(undos, "{:.0f}"),
         f"≤ {MERGE_MS} ms", common.verdict(sorted(undos)[len(undos) // 2], MERGE_MS)],
    ]  # fmt: skip
    print(common.table(["what", "ms, median (min-max)", "target", "verdict"], rows))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
