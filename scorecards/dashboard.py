"""Dashboard panels of the scorecards app."""

from procurement import policies
from procurement.dashboard import first_rows_and_count

from . import selectors

PANEL_LIMIT = 8


def overdue_reevaluations(user) -> list[dict]:
    if not policies.can_view_evaluations(user):
        return []
    items, count = first_rows_and_count(selectors.overdue_reevaluations(user), PANEL_LIMIT)
    return [
        {
            "title": "Re-evaluations overdue",
            "template": "scorecards/_panel_overdue.html",
            "count": count,
            "items": items,
            "more": count > PANEL_LIMIT,
        }
    ]


def awaiting_my_signoff(user) -> list[dict]:
    if not policies.signing_roles(user):
        return []
    ids = selectors.awaiting_evaluation_ids(user)
    count = len(ids)
    items = selectors.evaluations_in_order(
        user, ids[:PANEL_LIMIT], "pk", "title", "submitted_at", "vendor__name"
    )
    return [
        {
            "title": "Awaiting my sign-off",
            "template": "scorecards/_panel_awaiting.html",
            "count": count,
            "items": items,
            "more": count > PANEL_LIMIT,
        }
    ]
