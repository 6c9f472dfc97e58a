from django import template

register = template.Library()


@register.filter
def pct(value: float | None, digits: int = 0) -> str:
    """0.573 -> "57 %" (numbers are shown as percentages everywhere)."""
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f} %"


@register.filter
def signed_pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:+.1f} pp"


@register.filter
def score(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}"


@register.filter
def percent_int(value: float | None) -> int:
    return 50 if value is None else round(value * 100)


@register.filter
def hist_max(histogram: list[int]) -> int:
    return max(histogram) if histogram and max(histogram) > 0 else 1


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


@register.filter
def first_paragraph(text: str) -> str:
    """The text up to its first blank line (a long description opens with it)."""
    parts = _paragraphs(text)
    return parts[0] if parts else ""


@register.filter
def later_paragraphs(text: str) -> list[str]:
    """The paragraphs after the first, each to be shown as its own paragraph."""
    return _paragraphs(text)[1:]
