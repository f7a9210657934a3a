"""Personal API tokens: created and revoked by their owner (audited), checked on every API call.

A token is `crt_` followed by 43 URL-safe characters (256 random bits). Only its SHA-256 digest
is stored, so a copy of the database does not give anyone API access; the token itself is shown
once, when it is created.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit, policies
from .models import ApiToken

TOKEN_PREFIX = "crt_"  # noqa: S105 - a marker that says what the string is, not a secret
PREFIX_LENGTH = 12  # "crt_" and 8 characters: enough to tell tokens apart, useless to an attacker
MAX_ACTIVE_TOKENS = 20
MAX_LIFETIME_DAYS = 366
# A token's last use is written at most this often (one write per request would be wasteful).
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_FIELDS = ["name", "prefix", "read_only", "expires_at", "revoked_at", "user"]


class TokenError(Exception):
    """A refused token change; the message is written for the person who asked."""


class TokenRejected(Exception):
    """The bearer token presented with a request cannot be used; the message says why."""


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _snapshot(token: ApiToken) -> dict:
    return audit.snapshot(token, TOKEN_FIELDS)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic(durable=True)
def api_token_create(
    *,
    actor,
    name: str,
    read_only: bool = True,
    expires_at: datetime | None = None,
    owner=None,
    via: str = "",
) -> NewToken:
    """Create a token for `owner` (by default the actor, from the profile page).

    The management command passes `actor=None` and the owner: an operator at the server's shell,
    recorded as such. Raises ValidationError or TokenError.
    """
    owner = owner or actor
    if owner is None or not policies.can_use_api(owner):
        raise TokenError("Only people with a role in the register can create API tokens.")
    if not read_only and policies.must_use_second_factor(owner):
        from allauth.mfa.utils import is_mfa_enabled

        if not is_mfa_enabled(owner):
            # A token outlives the session: it must not be a way round the second factor.
            raise TokenError(
                "Your role needs two-factor authentication for a read-write token: add an authenticator "
                "app or a passkey first (Two-factor, in the menu)."
            )
    now = timezone.now()
    if expires_at is not None:
        if expires_at <= now:
            raise ValidationError({"expires_at": "The expiry must be in the future."})
        if expires_at > now + timedelta(days=MAX_LIFETIME_DAYS):
            raise ValidationError({"expires_at": f"A token lives at most {MAX_LIFETIME_DAYS} days."})
    # Lock the owner's row: two simultaneous creations must not both pass the limit below.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    active = ApiToken.objects.filter(user=owner, revoked_at__isnull=True).exclude(expires_at__lte=now)
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You already have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=owner,
        name=" ".join(name.split()),
        prefix=secret[:PREFIX_LENGTH],
        digest=digest_of(secret),
        read_only=read_only,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    after = _snapshot(token)
    if via:
        after["created_via"] = via
    audit.record(actor=actor, action="api_token.create", obj=token, after=after)
    return NewToken(token=token, secret=secret)


@transaction.atomic(durable=True)
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once; its owner (or an admin) may. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk and not policies.is_admin(actor):
        raise TokenError("Only the token's owner can revoke it.")
    if token.revoked_at is not None:
        return token
    before = _snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="api_token.revoke", obj=token, before=before, after=_snapshot(token))
    return token


def authenticate(secret: str, *, now: datetime | None = None) -> ApiToken:
    """The active token for this secret, with its user; TokenRejected says why not."""
    now = now or timezone.now()
    if not secret.startswith(TOKEN_PREFIX):
        raise TokenRejected("The bearer token is not an API token of this register.")
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None:
        raise TokenRejected("The API token is not valid.")
    if token.revoked_at is not None:
        raise TokenRejected("The API token was revoked.")
    if token.is_expired(now):
        raise TokenRejected("The API token has expired: create a new one on your profile page.")
    if not token.user.is_active:
        raise TokenRejected("The API token's owner is deactivated.")
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        # A plain UPDATE outside any service: a usage timestamp, not a change of the token.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
