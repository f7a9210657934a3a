from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import policies
from .models import AuditEvent

HISTORY_LIMIT = 50


@require_GET
def object_history(request, object_type: str, object_id: str):
    """The audit events of one object, newest first: the fragment every object page loads."""
    if not policies.can_read(request.user):
        raise PermissionDenied
    events = list(
        AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("-sequence")[
            : HISTORY_LIMIT + 1
        ]
    )
    context = {"events": events[:HISTORY_LIMIT], "truncated": len(events) > HISTORY_LIMIT}
    template = "procurement/object_history.html"
    if request.htmx and not request.htmx.boosted:
        template += "#history-events"
    return render(request, template, context)
