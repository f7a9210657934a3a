"""Home-page panels of the vendor register: what needs a decision soon."""

from django.urls import reverse

from procurement import policies
from procurement.dashboard import first_rows_and_count

from . import selectors


def _panel(title: str, queryset, date_field: str, empty: str, query: str) -> dict:
    # Only what the panel shows; the gap is the stored `exit_rights_missing`, no clause is read.
    shown = ("pk", "reference", "vendor__name", "notice_deadline", "end_date", "exit_rights_missing")
    rows, count = first_rows_and_count(queryset.only(*shown), selectors.DASHBOARD_ROWS)
    return {
        "title": title,
        "template": "vendors/_panel_contracts.html",
        "count": count,
        "rows": rows,
        "date_field": date_field,
        "empty": empty,
        "more_url": f"{reverse('vendors:contract-list')}?{query}",
    }


def vendor_register_panels(user) -> list[dict]:
    if not policies.can_read(user):
        return []
    days = selectors.DASHBOARD_HORIZON_DAYS
    return [
        _panel(
            f"Notice deadlines in the next {days} days",
            selectors.notice_deadlines_due(user),
            "notice_deadline",
            "No notice deadline in the next 90 days.",
            "status=active&sort=notice",
        ),
        _panel(
            f"Contracts expiring in the next {days} days",
            selectors.contracts_expiring(user),
            "end_date",
            "No active contract ends in the next 90 days.",
            "status=active&sort=end",
        ),
        _panel(
            "Contracts with missing exit rights",
            selectors.contracts_with_missing_exit_rights(user),
            "",
            "Every open contract has all its exit rights.",
            "missing_exit_rights=true&sort=end",
        ),
    ]
