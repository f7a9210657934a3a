from decimal import Decimal

from django import template

from costs import tce

register = template.Library()


@register.filter
def plain(value) -> str:
    """A price or rate as typed, without padding zeros: 2.250000 -> 2.25 (floatformat pads)."""
    if value is None or value == "":
        return ""
    return tce.plain(value if isinstance(value, Decimal) else Decimal(str(value)))
