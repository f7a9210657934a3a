from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(amount) -> str:
    """Decimal(1250000.5) → “1,250,000.50”: two decimals, grouped thousands, never through a float.

    Cheaper than `floatformat:"2g"` (which goes through the locale machinery) on long lists."""
    if amount is None or amount == "":
        return ""
    return f"{Decimal(amount):,.2f}"
