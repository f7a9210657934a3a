"""Outgoing mail: stored in the transaction that causes it, sent by a task, never lost.

Every mail the app sends goes through `mail_enqueue`, called inside the transaction of the change
it reports. The mail is rendered at once (plain text and HTML from templates/mail/<name>.txt and
.html), stored as an OutgoingMail row, and handed to the `procurement.tasks.mail_send` task when
the transaction commits. A rolled-back change leaves no row and sends nothing; a mail server
that is down delays the mail (retried with backoff by the worker) and never fails the request.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.html import escape

from .models import OutgoingMail

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """A link for a mail: mails are read outside the site, so every link names the host."""
    return settings.SITE_URL.rstrip("/") + path


def mail_enqueue(*, key: str, to, subject: str, template: str, context: dict) -> OutgoingMail | None:
    """Queue one mail to one person, in the caller's transaction (call it inside the same
    transaction.atomic block as the change it reports). `key` makes it idempotent: a second call
    with the same key queues nothing (returns None). Renders `<template>.txt` and `<template>.html`
    now (plain text + HTML, links absolute via settings.SITE_URL, nothing secret), stores an
    OutgoingMail row, and on commit enqueues the `mail_send` task. A rolled-back transaction
    leaves no row and sends nothing."""
    if not to.email:
        logger.warning("No mail %s for %s: the account has no address", key, to)
        return None
    if OutgoingMail.objects.filter(key=key).exists():
        return None
    context = {**context, "recipient": to, "site_url": settings.SITE_URL.rstrip("/")}
    mail = OutgoingMail(
        key=key,
        to=to if isinstance(to, get_user_model()) else None,
        address=to.email,
        subject=subject,
        body_text=render_to_string(f"mail/{template}.txt", context),
        body_html=render_to_string(f"mail/{template}.html", context),
    )
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not undo the caller's change
            mail.save()
    except IntegrityError:
        return None  # the same key queued meanwhile by another transaction
    transaction.on_commit(lambda: _hand_to_worker(mail.pk), robust=True)
    return mail


def _hand_to_worker(mail_id: int) -> None:
    from .tasks import mail_send

    try:
        mail_send.enqueue(mail_id)
    except Exception:
        # The row is committed and pending: run_worker requeues it when it starts.
        logger.exception("Could not enqueue mail %s; it stays pending", mail_id)


# Links made at sending time ------------------------------------------------------------------

# What a stored mail body holds where its secret link goes (templates write it as {{ link }}).
SECRET_LINK = "[[secret-link]]"  # noqa: S105 - a placeholder, not a secret
_secret_links: dict[str, Callable[[OutgoingMail], str | None]] = {}


def register_secret_link(key_prefix: str, make_link: Callable[[OutgoingMail], str | None]) -> None:
    """`make_link(mail)` returns the link for a mail whose key starts with `key_prefix` (or None:
    the link may no longer be given, and the mail is not sent). Registered in AppConfig.ready()."""
    _secret_links[key_prefix] = make_link


class SecretLinkWithdrawn(Exception):
    """The mail's link may no longer be given (e.g. the access was revoked before it went)."""


def bodies_to_send(mail: OutgoingMail) -> tuple[str, str]:
    """The mail's text and HTML as sent: with its secret link made now, if it carries one."""
    if SECRET_LINK not in mail.body_text and SECRET_LINK not in mail.body_html:
        return mail.body_text, mail.body_html
    make_link = next((f for prefix, f in _secret_links.items() if mail.key.startswith(prefix)), None)
    link = make_link(mail) if make_link else None
    if not link:
        raise SecretLinkWithdrawn(f"mail {mail.key}: its link may no longer be given")
    return mail.body_text.replace(SECRET_LINK, link), mail.body_html.replace(SECRET_LINK, escape(link))
