"""Dashboard panels of the scorecards app."""

from procurement import policies
from procurement.dashboard import panel_provider

from . import selectors

PANEL_LIMIT = 8


@panel_provider
def overdue_reevaluations(user) -> list[dict]:
    if not policies.can_view_evaluations(user):
        return []
    overdue = selectors.overdue_reevaluations(user)
    items = list(overdue[: PANEL_LIMIT + 1])
    count = overdue.count() if len(items) > PANEL_LIMIT else len(items)
    return [
        {
            "title": "Re-evaluations overdue",
            "template": "scorecards/_panel_overdue.html",
            "count": count,
            "items": items[:PANEL_LIMIT],
            "more": count > PANEL_LIMIT,
        }
    ]


@panel_provider
def awaiting_my_signoff(user) -> list[dict]:
    if not policies.signing_roles(user):
        return []
    queue = selectors.awaiting_signoff_queue(user)
    count = len(queue)
    items = selectors.evaluations_in_order(user, queue[:PANEL_LIMIT])
    return [
        {
            "title": "Awaiting my sign-off",
            "template": "scorecards/_panel_awaiting.html",
            "count": count,
            "items": items[:PANEL_LIMIT],
            "more": count > PANEL_LIMIT,
        }
    ]
