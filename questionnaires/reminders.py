"""Questionnaire reminders: to each vendor contact (with a fresh portal link) and to the sender,
seven days and one day before the due date and once it is overdue, while no answers are in.

The sender's reminders are a kind of procurement.reminders (once per person and occasion, their
preferences apply). Contacts have no account: `contact_reminders_send` mails them directly, keyed
by recipient and occasion, so a second run the same day (or the next day) sends nothing twice.
A missed day sends the nearest threshold reached, once.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement.reminders import Reminder, ReminderKind, visible

from . import services
from .models import Questionnaire
from .selectors import questionnaires_for


def occasion(due_date: dt.date, today: dt.date) -> str | None:
    """Which reminder is due: "due-7", "due-1", "overdue", or None."""
    days_left = (due_date - today).days
    if days_left < 0:
        return "overdue"
    if days_left <= 1:
        return "due-1"
    if days_left <= 7:
        return "due-7"
    return None


def _open_due(today: dt.date):
    return Questionnaire.objects.filter(
        status=Questionnaire.Status.OPEN, due_date__lte=today + dt.timedelta(days=7)
    ).select_related("vendor", "sent_by")


def _text(questionnaire: Questionnaire, when: str) -> str:
    if when == "overdue":
        return f"was due on {questionnaire.due_date:%-d %B %Y} and has not been submitted"
    return f"is due on {questionnaire.due_date:%-d %B %Y} and has not been submitted yet"


def sender_reminders(today: dt.date) -> list[Reminder]:
    due = [(q, occasion(q.due_date, today)) for q in _open_due(today)]
    due = [(q, when) for q, when in due if when]
    senders = {q.sent_by_id: q.sent_by for q, _ in due if q.sent_by.is_active}
    # Only what the sender may still see (a sender whose role was taken away gets nothing).
    seen = visible(senders.values(), questionnaires_for, [q.pk for q, _ in due])
    return [
        Reminder(
            kind="questionnaires.due",
            subject_key=f"questionnaire:{q.pk}:round:{q.round}:due:{q.due_date.isoformat()}:{when}",
            user=q.sent_by,
            subject=f"Questionnaire {'overdue' if when == 'overdue' else 'due soon'}: {q.title} ({q.vendor})",
            text=f"The questionnaire “{q.title}” sent to {q.vendor} {_text(q, when)}.",
            path=reverse("questionnaires:detail", args=[q.pk]),
        )
        for q, when in due
        if q.sent_by_id in senders and q.pk in seen.get(q.sent_by_id, set())
    ]


QUESTIONNAIRES_DUE = ReminderKind(
    name="questionnaires.due",
    label="Vendor questionnaires you sent: due within 7 days or overdue",
    compute=sender_reminders,
)


def contact_reminders_send(today: dt.date) -> int:
    """Mail each active contact of an open questionnaire its reminder (with a new link)."""
    sent = 0
    now = timezone.now()
    for questionnaire in _open_due(today):
        when = occasion(questionnaire.due_date, today)
        if when is None:
            continue
        for recipient in questionnaire.recipients.filter(revoked_at__isnull=True, expires_at__gt=now):
            recipient.questionnaire = questionnaire
            with transaction.atomic():
                mail = services.contact_reminder_queue(recipient, when)
            sent += mail is not None
    return sent
