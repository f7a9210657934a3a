"""Outgoing mail: one function, `mail_enqueue`, that callers use inside their transaction.

STAND-IN. This is the reminders branch's minimal version of the interface in issue 16
(notes/mail-interface.md). The "tasks" branch's `procurement/mail.py` (an OutgoingMail row and a
retried `mail_send` task) replaces this file whole at merge; callers keep working because the
signature is the same. Differences, all on this side:
- idempotency is a `Notified` row of kind "mail" (key, recipient) instead of `OutgoingMail.key`;
- it returns that `Notified` row (the real one returns the `OutgoingMail`), or None;
- the mail is sent by `transaction.on_commit` in this process, not by a worker: a mail server that
  is down loses the mail (logged), and the key is used up. There is no retry here.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Delivery, Notified

logger = logging.getLogger(__name__)

MAIL_KIND = "mail"


def mail_enqueue(*, key: str, to, subject: str, template: str, context: dict) -> Notified | None:
    """Queue one mail to one person, in the caller's transaction; None if `key` was queued before
    (or the person has no address). Renders `<template>.txt` and `<template>.html` now; sends on
    commit, so a rolled-back transaction leaves no row and sends nothing."""
    if not to.email:
        return None
    with transaction.atomic():
        row, created = Notified.objects.get_or_create(
            kind=MAIL_KIND,
            subject_key=key,
            user=to,
            defaults={"delivery": Delivery.IMMEDIATE, "notified_at": timezone.now()},
        )
    if not created:
        return None
    context = {"site_url": settings.SITE_URL.rstrip("/"), "recipient": to, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    transaction.on_commit(lambda: _send(message, key))
    return row


def _send(message: EmailMultiAlternatives, key: str) -> None:
    try:
        message.send()
    except Exception:
        # Committed work must not fail because a mail server is down (the worker retries, later).
        logger.exception("could not send mail %s to %s", key, message.to)
