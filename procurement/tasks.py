"""Background tasks of the core, and the two helpers every app's tasks use.

Retrying is ours, not the queue's (django.tasks has no retry of its own yet): a task that fails
records why, then enqueues itself again to run after a backoff. Every task is idempotent, so a
task run twice (a worker killed mid-task and requeued, say) does its work once.
"""

import datetime as dt
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

from .mail import SecretLinkWithdrawn, bodies_to_send
from .models import OutgoingMail

logger = logging.getLogger(__name__)


class MailNotSent(Exception):
    """One attempt at sending a mail failed (the task result keeps the traceback)."""


def retry_delay(attempt: int) -> timedelta:
    """Backoff after the `attempt`-th failure: TASKS_RETRY_SECONDS, doubling, capped at a day."""
    return timedelta(seconds=min(settings.TASKS_RETRY_SECONDS * 2 ** (attempt - 1), 24 * 60 * 60))


def task_retry_later(task_to_retry, *args, attempt: int) -> bool:
    """Enqueue `task_to_retry(*args)` again after the backoff for its `attempt`-th failure.

    A backend that cannot defer (the immediate backend of the tests) would run it at once, in the
    failing request: there nothing is enqueued, and run_worker picks the work up when it starts.
    """
    backend = task_to_retry.get_backend()
    if not backend.supports_defer:
        logger.warning("%s%r not retried: backend %s cannot defer", task_to_retry.name, args, backend.alias)
        return False
    task_to_retry.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(*args)
    return True


def task_is_pending(task_to_find, first_arg) -> bool:
    """Whether the database queue holds `task_to_find(first_arg, ...)` waiting or running."""
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(task_path=task_to_find.module_path, args_kwargs__args__0=first_arg)
        .exclude(status__in=["SUCCESSFUL", "FAILED"])
        .exists()
    )


# Functions that enqueue again what is owed but not queued (a decided evaluation without its record,
# say), run by run_worker when it starts. Each app registers its own in AppConfig.ready(): the
# core does not import the apps. Each returns how many tasks it enqueued.
_requeuers: list[Callable[[], int]] = []


def register_requeue(requeue: Callable[[], int]) -> None:
    if requeue not in _requeuers:  # ready() may run twice
        _requeuers.append(requeue)


def registered_requeuers() -> list[Callable[[], int]]:
    return list(_requeuers)


def mail_requeue() -> int:
    """Enqueue pending mail that no task will send (its enqueue failed, or its task was lost)."""
    count = 0
    for mail_id in OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING).values_list(
        "pk", flat=True
    ):
        if not task_is_pending(mail_send, mail_id):
            mail_send.enqueue(mail_id)
            count += 1
    return count


@task()
def mail_send(mail_id: int) -> str:
    """Send one stored mail, once: a sent (or given-up) mail is never sent again."""
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is None or mail.status != OutgoingMail.Status.PENDING:
        return mail.status if mail else "missing"
    try:
        body_text, body_html = bodies_to_send(mail)
    except SecretLinkWithdrawn as error:
        mail.status, mail.last_error = OutgoingMail.Status.FAILED, str(error)
        mail.save(update_fields=["status", "last_error"])
        return mail.status
    message = EmailMultiAlternatives(mail.subject, body_text, settings.DEFAULT_FROM_EMAIL, [mail.address])
    if body_html:
        message.attach_alternative(body_html, "text/html")
    mail.attempts += 1
    try:
        message.send()
    except Exception as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
            mail.status = OutgoingMail.Status.FAILED
            logger.error("Mail %s given up after %s attempts: %s", mail.key, mail.attempts, mail.last_error)
        mail.save(update_fields=["attempts", "last_error", "status"])
        if mail.status == OutgoingMail.Status.PENDING:
            task_retry_later(mail_send, mail_id, attempt=mail.attempts)
        raise MailNotSent(f"mail {mail.key} (attempt {mail.attempts}): {mail.last_error}") from error
    mail.status = OutgoingMail.Status.SENT
    mail.sent_at = timezone.now()
    mail.save(update_fields=["attempts", "status", "sent_at"])
    return mail.status


# Reminders on the worker's schedule ----------------------------------------------------------
# django.tasks has no periodic tasks: the daily run enqueues the next day's before it ends, and
# run_worker makes sure one is queued when it starts. `send_reminders` from cron does the same
# work; either schedule alone is enough, and both together still tell each person once.


def reminders_run_at(day: dt.date) -> dt.datetime:
    """When the worker sends `day`'s reminders: REMINDERS_AT (local time, "HH:MM") that day."""
    hour, minute = (int(part) for part in settings.REMINDERS_AT.split(":"))
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _reminders_queued() -> bool:
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(task_path=reminders_daily.module_path)
        .exclude(status__in=["SUCCESSFUL", "FAILED"])
        .exists()
    )


def _schedule_reminders(day: dt.date) -> bool:
    if not reminders_daily.get_backend().supports_defer:
        logger.warning("Reminders not scheduled: backend cannot defer (use send_reminders from cron)")
        return False
    reminders_daily.using(run_after=reminders_run_at(day)).enqueue(day.isoformat())
    return True


@task()
def reminders_daily(day: str) -> str:
    """Send `day`'s reminders, then queue the next day's run."""
    from .reminders import reminders_send

    date = dt.date.fromisoformat(day)
    outcome = reminders_send(today=date)
    if not _reminders_queued():  # this run is "running", not counted: only a twin would be
        _schedule_reminders(date + timedelta(days=1))
    return f"{outcome.due} due, {outcome.mails} mails"


def reminders_requeue() -> int:
    """With REMINDERS_IN_WORKER, queue the next daily run unless one is queued (run_worker, on start)."""
    if not settings.REMINDERS_IN_WORKER or _reminders_queued():
        return 0
    today = timezone.localdate()
    day = today if timezone.now() < reminders_run_at(today) else today + timedelta(days=1)
    return int(_schedule_reminders(day))
