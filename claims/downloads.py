"""The export download, one response for the API and the HTML page alike."""

from django.http import HttpResponse, StreamingHttpResponse

from claims.models import Map
from claims.selectors import map_export_as, map_export_chunks

# format -> (content type, file name suffix)
EXPORT_FORMATS = {
    "argmap": ("application/json", "argmap.json"),
    "aif": ("application/json", "aif.json"),
    "graphml": ("application/xml", "graphml"),
    "argdown": ("text/plain; charset=utf-8", "argdown"),
}


def export_response(*, map: Map, format: str) -> HttpResponse:
    """The map as a file download; the caller has checked access and the format.

    argmap is streamed from the database as it is written (flat memory for any
    map size) and carries no votes: individual votes are never exposed to users.
    """
    content_type, suffix = EXPORT_FORMATS[format]
    if format == "argmap":
        response = StreamingHttpResponse(
            map_export_chunks(map=map, votes=False), content_type=content_type
        )
    else:
        response = HttpResponse(map_export_as(map=map, format=format), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{map.slug}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"  # a download, never rendered as a page
    return response
