"""The discussion's part of a node merge (issue 17; called through claims.hooks).

Comments on the merged node move to the survivor, with their replies; comments on an
edge the merge combines move to the edge it is combined into, and those on an edge it
drops (a self-loop) to the survivor itself, so that no comment is lost. Watches of the
merged node become watches of the survivor (one per person). The undo moves them back,
with the replies written on the survivor since to a comment that came from the merged
node.
"""

from __future__ import annotations

from claims.services.merge import rows_restore, rows_snapshot
from discussion.models import Comment, Watch


class DiscussionInMerge:
    name = "discussion"

    def preview(self, *, merged_id: int, survivor_id: int, edge_moves: dict) -> dict:
        edges = [int(pk) for pk in edge_moves["combine"]] + list(edge_moves["drop"])
        on_node = Comment.objects.filter(node_id=merged_id).count()
        on_edges = Comment.objects.filter(edge_id__in=edges).count()
        return {"comments": on_node + on_edges}

    def merge(self, *, merged_id: int, survivor_id: int, edge_moves: dict, version: int) -> dict:
        moved = [
            [pk, merged_id, None]
            for pk in Comment.objects.filter(node_id=merged_id).values_list("pk", flat=True)
        ]
        Comment.objects.filter(node_id=merged_id).update(node_id=survivor_id)
        for gone, kept in sorted(edge_moves["combine"].items(), key=lambda kv: int(kv[0])):
            ids = list(Comment.objects.filter(edge_id=int(gone)).values_list("pk", flat=True))
            moved += [[pk, None, int(gone)] for pk in ids]
            Comment.objects.filter(pk__in=ids).update(edge_id=kept)
        dropped = list(edge_moves["drop"])
        for pk, edge_id in Comment.objects.filter(edge_id__in=dropped).values_list("pk", "edge_id"):
            moved.append([pk, None, edge_id])
        Comment.objects.filter(edge_id__in=dropped).update(edge_id=None, node_id=survivor_id)
        watchers = set(Watch.objects.filter(node_id=survivor_id).values_list("user_id", flat=True))
        doubled = Watch.objects.filter(node_id=merged_id, user_id__in=watchers)
        watches_removed = rows_snapshot(doubled)
        doubled.delete()
        watches_moved = list(Watch.objects.filter(node_id=merged_id).values_list("pk", flat=True))
        Watch.objects.filter(pk__in=watches_moved).update(node_id=survivor_id)
        return {
            "comments_moved": moved,
            "watches_moved": watches_moved,
            "watches_removed": watches_removed,
            "merged": merged_id,
            "survivor": survivor_id,
        }

    def unmerge(self, *, data: dict, version: int) -> None:
        back: dict[int, tuple[int | None, int | None]] = {}
        for pk, node_id, edge_id in data["comments_moved"]:
            Comment.objects.filter(pk=pk).update(node_id=node_id, edge_id=edge_id)
            back[pk] = (node_id, edge_id)
        # Replies written since under a comment that goes back go with it (one thread,
        # one place).
        while back:
            replies = list(
                Comment.objects.filter(parent_id__in=list(back)).values_list(
                    "pk", "parent_id", "node_id", "edge_id"
                )
            )
            nxt = {}
            for pk, parent, node_id, edge_id in replies:
                if (node_id, edge_id) != back[parent]:
                    Comment.objects.filter(pk=pk).update(
                        node_id=back[parent][0], edge_id=back[parent][1]
                    )
                    nxt[pk] = back[parent]
            back = nxt
        Watch.objects.filter(pk__in=data["watches_moved"]).update(node_id=data["merged"])
        rows_restore(Watch, data["watches_removed"])


DISCUSSION_IN_MERGE = DiscussionInMerge()
