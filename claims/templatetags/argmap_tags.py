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
