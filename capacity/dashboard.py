"""Dashboard panel: capacity shortfalls in the coming quarters and the last date to act on each."""

from procurement import policies

from . import planning

DASHBOARD_ROWS = 6


def capacity_shortfalls(user) -> list[dict]:
    if not policies.can_read(user):
        return []
    shortfalls, quarters = planning.shortfalls()
    return [
        {
            "title": "Capacity shortfalls: dates to act",
            "template": "capacity/_panel_shortfalls.html",
            "count": len(shortfalls),
            "rows": shortfalls[:DASHBOARD_ROWS],
            "more": max(0, len(shortfalls) - DASHBOARD_ROWS),
            "quarters": quarters,
        }
    ]
