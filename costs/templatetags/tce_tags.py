"""Template helpers for TCE snapshots: the includes read the snapshot dict and nothing else."""

from decimal import Decimal, InvalidOperation

from django import template

from .. import charts

register = template.Library()


@register.filter
def component(amounts: dict, code: str):
    """`offer.totals|component:c.code`: a snapshot's amounts are keyed by component code."""
    return (amounts or {}).get(code)


@register.filter
def amount(value) -> str:
    """A snapshot amount ("12345.60") with thousands separators ("12,345.60"); as is otherwise."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return "" if value is None else str(value)
    places = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0
    return f"{number:,.{places}f}"


@register.simple_tag
def tce_chart(snapshot: dict) -> charts.Chart:
    return charts.tce_chart(snapshot)
