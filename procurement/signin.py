"""Strong authentication asked for again (before signing), and lockouts in the audit trail.

Everything goes through django-axes: a wrong password (at the sign-in page, before a signature)
and a wrong second-factor code (at sign-in, before a signature) count towards the same
username + address lockout, and are logged as denied. The audit trail keeps what names a real
account (a lockout, a failed re-authentication or code of the person signing in), never what a
stranger typed into the sign-in form.

Before a signature, `fresh_authentication` asks for the strongest factor the person has: the
authenticator app's code (or a recovery code) when they enrolled one, a passkey they have just
confirmed, a fresh sign-in at the IdP for SSO accounts, else the password. It answers how the
signer was authenticated, which the signature keeps.
"""

import enum
import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.dispatch import receiver

from . import audit
from .auth_methods import Method
from .middleware import log_denied


class Reauthentication(enum.Enum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not confirmed"
    LOCKED_OUT = "locked out"


def _axes_credentials(user) -> dict:
    return {"username": user.get_username()}


def is_locked_out(request, user) -> bool:
    return bool(settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, _axes_credentials(user)))


def second_factor_failed(request, user, *, purpose: str, keep_lockout_page: bool = True) -> bool:
    """A wrong authenticator or recovery code from `user`: counted by axes as a failed sign-in,
    logged as denied and audited (never the code). Returns whether the account is now locked."""
    if request is None:
        return False
    user_login_failed.send(sender=__name__, credentials=_axes_credentials(user), request=request)
    locked = bool(getattr(request, "axes_locked_out", False))
    if not keep_lockout_page:
        request.axes_locked_out = False
    log_denied(request, 429 if locked else 401, f"second factor for {purpose}: wrong code")
    audit.record(
        actor=user if request.user.is_authenticated else None,
        action="auth.mfa_failed",
        obj=user,
        object_label=user.get_username(),
        changes={"purpose": purpose, "locked_out": locked},
    )
    return locked


def _authenticators(user):
    from allauth.mfa.models import Authenticator

    return {a.type: a for a in Authenticator.objects.filter(user=user)}


def has_passkey(user) -> bool:
    return "webauthn" in _authenticators(user)


def is_sso_account(user) -> bool:
    """Signs in through the IdP only (no local password to ask for)."""
    return not user.has_usable_password() and user.socialaccount_set.exists()


def required_method(user) -> str:
    """What a signature by `user` must be preceded by: "code", "passkey", "sso" or "password"."""
    kinds = _authenticators(user)
    if "totp" in kinds:
        return "code"
    if "webauthn" in kinds:
        return "passkey"
    if is_sso_account(user):
        return "sso"
    return "password"


def _recent_record(request, user, accept) -> dict | None:
    from allauth.account.internal.flows.login import get_authentication_records

    window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    for record in reversed(get_authentication_records(request, user)):
        if time.time() - record.get("at", 0) > window:
            return None
        if accept(record):
            return record
    return None


def recent_passkey(request, user) -> bool:
    """A passkey confirmed in this session within REAUTHENTICATION_SECONDS."""
    return request is not None and bool(
        _recent_record(request, user, lambda r: r.get("method") == "mfa" and r.get("type") == "webauthn")
    )


def recent_sso(request, user) -> bool:
    """A sign-in at the IdP in this session within REAUTHENTICATION_SECONDS."""
    return request is not None and bool(
        _recent_record(request, user, lambda r: r.get("method") == "socialaccount")
    )


def _check_code(user, code: str):
    """The method a valid code proves (TOTP or a recovery code), or None; a recovery code is spent."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    with transaction.atomic():  # a recovery code is locked while it is checked and spent
        return _check_code_locked(user, code, TOTP, RecoveryCodes)


def _check_code_locked(user, code, TOTP, RecoveryCodes):
    kinds = _authenticators(user)
    if "totp" in kinds and TOTP(kinds["totp"]).validate_code(code):
        kinds["totp"].record_usage()
        return Method.TOTP
    if "recovery_codes" in kinds and RecoveryCodes(kinds["recovery_codes"]).validate_code(code):
        kinds["recovery_codes"].record_usage()
        return Method.RECOVERY_CODE
    return None


def fresh_authentication(request, user, *, password: str = "", code: str = "", purpose: str):
    """(outcome, method): check the strongest factor `user` has, right now.

    Codes are throttled like passwords: while the account is locked nothing is checked, and each
    wrong code counts towards the lock, is logged as denied and is audited."""
    needed = required_method(user)
    if needed == "password":
        outcome = reauthenticate(request, user, password, purpose=purpose)
        return outcome, Method.PASSWORD
    if needed == "code" and not code and recent_passkey(request, user):
        needed = "passkey"
    if needed == "passkey":
        ok = recent_passkey(request, user)
        return (Reauthentication.CONFIRMED if ok else Reauthentication.NOT_CONFIRMED), Method.PASSKEY
    if needed == "sso":
        ok = recent_sso(request, user)
        return (Reauthentication.CONFIRMED if ok else Reauthentication.NOT_CONFIRMED), Method.SSO
    if request is not None and is_locked_out(request, user):
        log_denied(request, 429, f"second factor for {purpose}: locked out")
        return Reauthentication.LOCKED_OUT, None
    method = _check_code(user, code)
    if method is not None:
        return Reauthentication.CONFIRMED, method
    locked = second_factor_failed(request, user, purpose=purpose, keep_lockout_page=False)
    return (Reauthentication.LOCKED_OUT if locked else Reauthentication.NOT_CONFIRMED), None


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
