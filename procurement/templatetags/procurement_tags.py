from datetime import datetime, timedelta

from django import template
from django.urls import reverse
from django.utils.timesince import timesince

register = template.Library()


@register.inclusion_tag("procurement/_history_loader.html")
def history_panel(obj):
    """The audit history of `obj`, loaded by htmx when the page shows it (a plain link without JS)."""
    url = reverse("audit:object-history", args=[obj._meta.label_lower, obj.pk])
    return {"url": url}


@register.filter
def duration(delta: timedelta | None) -> str:
    """A timedelta in words, as people say it ("15 minutes", "1 hour, 30 minutes")."""
    if not delta:
        return ""
    start = datetime(2000, 1, 1)
    return timesince(start, start + delta)
