"""Capacity reminders: the last date to start a procurement action for a shortfall, to procurement,
30 and 7 days before it and on the day."""

import datetime as dt

from django.urls import reverse

from procurement import policies
from procurement.reminders import Reminder, ReminderKind, role_members

from . import planning
from .quarters import Quarter

ACT_BY_THRESHOLDS = (30, 7, 0)  # days before the date to act, largest first
# Quarters looked at: far enough that a 30-day reminder for the longest lead time is not missed.
REMINDER_QUARTERS = planning.MAX_QUARTERS


def act_by_threshold(days_left: int) -> int | None:
    """The threshold whose reminder is due with `days_left` until the date: the smallest one
    reached. A day missed (the job did not run) still gets that threshold's reminder, once."""
    if days_left < 0:
        return None
    reached = [threshold for threshold in ACT_BY_THRESHOLDS if days_left <= threshold]
    return reached[-1] if reached else None


def act_by_reminders(today: dt.date) -> list[Reminder]:
    people = [user for user in role_members(policies.PROCUREMENT) if policies.can_read(user)]
    if not people:
        return []
    # The plan from the current quarter on: a shortfall of this quarter has a date already past.
    plan = planning.build_plan(start=Quarter.containing(today), count=REMINDER_QUARTERS, today=today)
    reminders = []
    for cell in plan.shortfalls:
        threshold = act_by_threshold(cell.act.days_left)
        if threshold is None:
            continue
        when = "today" if cell.act.days_left == 0 else f"in {cell.act.days_left} days"
        lead = (
            f"{cell.act.lead_time.vendor_name}'s lead time of {cell.act.lead_time.days} days"
            if not cell.act.assumed
            else f"an assumed lead time of {cell.act.lead_time.days} days"
        )
        for user in people:
            reminders.append(
                Reminder(
                    kind="capacity.act_by",
                    # A moved date (new lead time, new forecast quarter) is a new reminder.
                    subject_key=f"capacity:{cell.tier}:{cell.quarter}:act_by:{cell.act.date.isoformat()}:{threshold}",
                    user=user,
                    subject=f"Act on capacity by {cell.act.date:%-d %B %Y}: {cell.tier_label} {cell.quarter}",
                    text=(
                        f"{cell.tier_label} is short of {cell.shortfall_p50:,} GPU-hours at P50 and "
                        f"{cell.shortfall_p90:,} at P90 in {cell.quarter}. With {lead}, a procurement action "
                        f"must start by {cell.act.date:%-d %B %Y} ({when})."
                    ),
                    path=reverse("capacity:plan") + f"?start={cell.quarter}#tier-{cell.tier}",
                )
            )
    return reminders


CAPACITY_ACT_BY = ReminderKind(
    name="capacity.act_by",
    label="Capacity shortfalls: dates to act (30 and 7 days before, and on the day)",
    compute=act_by_reminders,
)
