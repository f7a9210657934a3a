"""Passwords asked for again (before signing), and lockouts in the audit trail.

Both go through django-axes: a failed password, at the sign-in page or before a signature,
counts towards the same username + address lockout, and is logged as denied. The audit
trail keeps what names a real account (a lockout, a failed re-authentication of the person
signed in), never what a stranger typed into the sign-in form.
"""

import enum

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.contrib.auth import authenticate, get_user_model
from django.dispatch import receiver

from . import audit
from .middleware import log_denied


class Reauthentication(enum.Enum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not confirmed"
    LOCKED_OUT = "locked out"


def reauthenticate(request, user, password: str, *, purpose: str) -> Reauthentication:
    """Check `user`'s password again through authenticate(), so axes throttles the guesses.

    A failure is logged as denied and audited (the purpose and whether the account is now
    locked, never the password). Outside a request (demo data, the shell) there is no client to
    throttle, and the password is only checked.
    """
    if request is None:
        ok = bool(password) and user.check_password(password)
        return Reauthentication.CONFIRMED if ok else Reauthentication.NOT_CONFIRMED
    confirmed = authenticate(request, username=user.get_username(), password=password or "")
    if confirmed is not None and confirmed.pk == user.pk:
        return Reauthentication.CONFIRMED
    locked = bool(getattr(request, "axes_locked_out", False))
    # Axes' middleware would swap the page for its sign-in lockout page; the caller says so
    # itself, in the page the person is on.
    request.axes_locked_out = False
    outcome = Reauthentication.LOCKED_OUT if locked else Reauthentication.NOT_CONFIRMED
    log_denied(request, 429 if locked else 401, f"re-authentication for {purpose}: {outcome.value}")
    audit.record(
        actor=user,
        action="auth.reauth_failed",
        obj=user,
        object_label=user.get_username(),
        changes={"purpose": purpose, "locked_out": locked},
    )
    return outcome


@receiver(user_locked_out, dispatch_uid="procurement.audit_lockout")
def audit_lockout(sender, request=None, username=None, **kwargs) -> None:
    """Audit the failure that locks a real account out, once per lockout.

    Axes sends this signal again for every attempt while the lock lasts; only the attempt
    whose count reaches the limit is the lockout. A username that names nobody is not an
    account: what was typed stays in axes' attempts and the denied log."""
    if request is None or not username:
        return
    failures = getattr(request, "axes_failures_since_start", None)
    if failures != get_failure_limit(request, getattr(request, "axes_credentials", None)):
        return
    User = get_user_model()
    try:
        account = User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        return
    user = getattr(request, "user", None)
    audit.record(
        actor=user if user is not None and user.is_authenticated else None,
        action="auth.lockout",
        obj=account,
        object_label=account.get_username(),
        changes={"failures": failures},
    )
