"""Dashboard panel: critical workloads whose failover was never rehearsed or is overdue."""

from procurement import policies

from . import workload_selectors as selectors
from .workloads import next_rehearsal_due, rehearsal_interval


def critical_rehearsals_due(user) -> list[dict]:
    if not policies.can_read(user):
        return []
    due = selectors.critical_rehearsals_due(user)
    rows = list(due[: selectors.DASHBOARD_ROWS + 1])
    count = due.count() if len(rows) > selectors.DASHBOARD_ROWS else len(rows)
    for workload in rows:
        workload.due = selectors.due_status(workload.last_rehearsed_on)
        workload.next_due = next_rehearsal_due(workload.last_rehearsed_on)
    return [
        {
            "title": "Critical workloads: failover rehearsal due",
            "template": "vendors/workload_dashboard_panel.html",
            "count": count,
            "rows": rows[: selectors.DASHBOARD_ROWS],
            "more": count - min(count, selectors.DASHBOARD_ROWS),
            "interval_days": rehearsal_interval().days,
        }
    ]
