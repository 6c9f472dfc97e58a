"""The map page's "Schools of thought" section (issue 18): loaded with htmx into the map
page (templates/cruxes/_schools.html), or a page of its own without JavaScript. Thin:
the data is cruxes.schools_service.schools_view's; here it is only laid out (bar widths
as CSS classes and the scatter as SVG coordinates: the strict CSP allows no inline
style)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from claims.access import map_get_for_user
from claims.views import page_context
from core.html import html_errors
from cruxes.schools_service import schools_view

#: The scatter's SVG box and the margin kept clear around the dots.
SCATTER_WIDTH, SCATTER_HEIGHT, SCATTER_MARGIN = 320, 220, 18


def _bar_class(strength: float | None) -> str:
    """A bar's width class, in steps of 5 % (static/css/schools.css)."""
    if strength is None:
        return "w-0"
    return f"w-{min(100, max(0, round(strength * 20) * 5))}"


def frame_rows(data: dict) -> list[dict]:
    """One row a frame: each group's strength of it, side by side."""
    return [
        {
            "key": frame["key"],
            "title": frame["title"],
            "cells": [
                {
                    "group": group,
                    "strength": group["frames"].get(frame["key"]),
                    "bar": _bar_class(group["frames"].get(frame["key"])),
                }
                for group in data["groups"]
            ],
        }
        for frame in data["frames"]
    ]


def _fit(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """The points in the SVG box, one scale for both axes (distances keep their meaning:
    a group's spread is not stretched to the box's height), centred; y up."""
    inner_w = SCATTER_WIDTH - 2 * SCATTER_MARGIN
    inner_h = SCATTER_HEIGHT - 2 * SCATTER_MARGIN
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scale = min(
        inner_w / span_x if span_x > 1e-9 else float("inf"),
        inner_h / span_y if span_y > 1e-9 else float("inf"),
    )
    if scale == float("inf"):
        scale = 0.0  # every point in one place: the centre
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return (
        [SCATTER_WIDTH / 2 + (x - mid_x) * scale for x in xs],
        [SCATTER_HEIGHT / 2 - (y - mid_y) * scale for y in ys],
    )


def scatter_points(data: dict) -> list[dict]:
    """The anonymous dots in SVG coordinates (y up), each with its group's colour class;
    the viewer's own dot (their point index, from `you`) marked."""
    points = data["scatter"]
    if not points:
        return []
    xs, ys = _fit([p[0] for p in points], [p[1] for p in points])
    mine = data["you"]["point"] if data["you"] else None
    dots = [
        {
            # Strings: an attribute must not depend on the number format of a locale.
            "x": f"{x:.1f}",
            "y": f"{y:.1f}",
            "label_x": f"{min(x + 9, SCATTER_WIDTH - 22):.1f}",
            "label_y": f"{y + 4:.1f}",
            "group": p[2],
            "colour": "school-none" if p[2] is None else f"school-{p[2] % 6}",
            "you": i == mine,
        }
        for i, (x, y, p) in enumerate(zip(xs, ys, points, strict=True))
    ]
    # Your dot last: drawn on top of the others.
    return sorted(dots, key=lambda d: d["you"])


@require_GET
@html_errors
def map_schools(request: HttpRequest, slug: str) -> HttpResponse:
    """The schools section: the partial for the map page (htmx), or a page of its own."""
    the_map = map_get_for_user(user=request.user, slug=slug)
    data = schools_view(map=the_map, user=request.user)
    context = page_context(
        request,
        the_map,
        schools=data,
        frame_rows=frame_rows(data),
        dots=scatter_points(data),
        scatter_box=f"0 0 {SCATTER_WIDTH} {SCATTER_HEIGHT}",
        you_label=(data["you"] or {}).get("label"),
    )
    if request.headers.get("HX-Request"):
        return render(request, "cruxes/_schools.html", context)
    return render(request, "cruxes/schools.html", context)
