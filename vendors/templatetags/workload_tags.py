from django import template

from vendors.concentration import minutes_label

register = template.Library()


@register.filter
def minutes(value):
    """45 → “45 min”, 150 → “2 h 30 min”."""
    return minutes_label(value)


@register.filter
def share(cell) -> str:
    """A matrix cell's share as a percentage with one decimal, e.g. “42.5 %”."""
    return f"{cell.percent:.1f} %"
