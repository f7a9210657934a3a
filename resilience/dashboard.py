"""Dashboard panel: critical workloads whose failover was never rehearsed or is overdue."""

from procurement import policies
from procurement.dashboard import first_rows_and_count

from . import selectors
from .services import next_rehearsal_due, rehearsal_interval


def critical_rehearsals_due(user) -> list[dict]:
    if not policies.can_read(user):
        return []
    rows, count = first_rows_and_count(selectors.critical_rehearsals_due(user), selectors.DASHBOARD_ROWS)
    for workload in rows:
        workload.due = selectors.due_status(workload.last_rehearsed_on)
        workload.next_due = next_rehearsal_due(workload.last_rehearsed_on)
    return [
        {
            "title": "Critical workloads: failover rehearsal due",
            "template": "resilience/_panel_rehearsals.html",
            "count": count,
            "rows": rows,
            "more": count - min(count, selectors.DASHBOARD_ROWS),
            "interval_days": rehearsal_interval().days,
        }
    ]
