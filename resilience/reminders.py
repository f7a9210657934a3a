"""Resilience reminders: failover rehearsals overdue for critical workloads, to platform engineering."""

import datetime as dt

from django.urls import reverse

from procurement import policies
from procurement.reminders import Reminder, ReminderKind, role_members

from .selectors import critical_rehearsals_due


def rehearsal_overdue_reminders(today: dt.date) -> list[Reminder]:
    reminders = []
    for user in role_members(policies.PLATFORM):
        # The selector is the person's own view: one query each, over the critical workloads only.
        for workload in critical_rehearsals_due(user, today=today):
            last = workload.last_rehearsed_on
            reminders.append(
                Reminder(
                    kind="resilience.rehearsal_overdue",
                    # A new rehearsal starts a new interval: overdue again later is a new reminder.
                    subject_key=f"workload:{workload.pk}:rehearsal:{last.isoformat() if last else 'never'}",
                    user=user,
                    subject=f"Failover rehearsal overdue: {workload.name}",
                    text=(
                        f"The critical workload {workload.name} "
                        + (f"was last rehearsed on {last:%-d %B %Y}" if last else "has never been rehearsed")
                        + ": its failover rehearsal is overdue."
                    ),
                    path=reverse("resilience:workload-detail", args=[workload.pk]),
                )
            )
    return reminders


REHEARSALS_OVERDUE = ReminderKind(
    name="resilience.rehearsal_overdue",
    label="Failover rehearsals overdue for critical workloads",
    compute=rehearsal_overdue_reminders,
)
