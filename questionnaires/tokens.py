"""Portal links: a random token is a vendor contact's only credential, so only its hash is kept.

A token is made with `secrets`, shown once (in the mail, when it is sent, or on the page of the
person who asked for a new link) and stored as its SHA-256. A request's token is looked up by
its hash and compared in constant time; it opens one questionnaire, for one recipient, until the
recipient expires or is revoked. The same answer is given for a wrong, expired or revoked token.
"""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from procurement.mail import absolute_url

from .models import AccessLink, Recipient

TOKEN_PREFIX = "qp_"  # noqa: S105 - a prefix, not a secret
# Longer than any token we make: anything longer is refused before it is hashed.
MAX_TOKEN_LENGTH = 80
# Mails that carry a portal link: "questionnaire.link:<recipient id>:<purpose>:<occasion>".
MAIL_KEY_PREFIX = "questionnaire.link:"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def portal_url(token: str) -> str:
    return absolute_url(reverse("questionnaires:portal", args=[token]))


def link_create(recipient: Recipient, purpose: str) -> str:
    """A new link for the recipient; returns the token (the only time it exists in full)."""
    token = new_token()
    AccessLink.objects.create(
        recipient=recipient, digest=digest_of(token), created_at=timezone.now(), purpose=purpose
    )
    return token


def recipient_for(token: str) -> Recipient | None:
    """The recipient a token opens, or None if it is wrong, expired or revoked (never which)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        return None
    digest = digest_of(token)
    link = AccessLink.objects.select_related("recipient__questionnaire__vendor").filter(digest=digest).first()
    if link is None or not hmac.compare_digest(link.digest, digest):
        return None
    recipient = link.recipient
    return recipient if recipient.is_active_at(timezone.now()) else None


def mail_key(recipient: Recipient, purpose: str, occasion: str) -> str:
    return f"{MAIL_KEY_PREFIX}{recipient.pk}:{purpose}:{occasion}"


def link_for_mail(mail) -> str | None:
    """Make the link of a mail that is being sent (procurement.mail.register_secret_link).

    The mail was queued with a placeholder; the token is made now, in the sending task, so it is
    never stored. A recipient revoked or expired since the mail was queued gets no link."""
    try:
        recipient_id, purpose = mail.key.removeprefix(MAIL_KEY_PREFIX).split(":")[:2]
        recipient = Recipient.objects.get(pk=int(recipient_id))
    except (ValueError, Recipient.DoesNotExist):
        return None
    if not recipient.is_active_at(timezone.now()):
        return None
    with transaction.atomic():
        token = link_create(recipient, purpose)
    return portal_url(token)
