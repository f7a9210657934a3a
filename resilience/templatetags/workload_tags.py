from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from resilience.concentration import minutes_label

register = template.Library()


@register.filter
def minutes(value):
    """45 → “45 min”, 150 → “2 h 30 min”."""
    return minutes_label(value)


@register.filter
def share(cell) -> str:
    """A matrix cell's share as a percentage with one decimal, e.g. “42.5 %”."""
    return f"{cell.percent:.1f} %"


# Badges as tags rather than included templates: the workload list shows two per row.


@register.simple_tag
def criticality_badge(value: str, label: str) -> str:
    return format_html('<span class="badge criticality-{}">{}</span>', value, label)


@register.simple_tag
def due_badge(due: str, next_due) -> str:
    """A workload's rehearsal due status: never, overdue, soon or current, with the next due date."""
    when = date_format(next_due, "j M Y") if next_due else ""
    if due == "never":
        return mark_safe('<span class="badge text-bg-danger">Never rehearsed</span>')  # nosec B308 B703 - a constant
    if due == "overdue":
        return format_html('<span class="badge text-bg-danger">Overdue since {}</span>', when)
    tone = "warning" if due == "soon" else "success"
    return format_html('<span class="badge text-bg-{}">Due {}</span>', tone, when)
