"""Template tags the graph's pages use to point at the discussion."""

from django import template

from discussion.selectors import edge_comment_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def edge_comment_count(context, edge) -> int:
    """Readable comments on `edge`: one query per page for all its edges (kept on
    the request), not one per edge."""
    request = context.get("request")
    if request is None:
        return edge_comment_counts(map=edge.map_id).get(edge.pk, 0)
    cache = request.__dict__.setdefault("_edge_comment_counts", {})
    if edge.map_id not in cache:
        cache[edge.map_id] = edge_comment_counts(map=edge.map_id)
    return cache[edge.map_id].get(edge.pk, 0)
