from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("procurement/_history_loader.html")
def history_panel(obj):
    """The audit history of `obj`, loaded by htmx when the page shows it (a plain link without JS)."""
    url = reverse("audit:object-history", args=[obj._meta.label_lower, obj.pk])
    return {"url": url}
