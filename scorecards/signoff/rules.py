"""The rules every signature obeys, whatever it signs: an evaluation here, a register package in
`dora`, which calls these rather than keeping its own copy.

A signer proves it is them right before signing, with the strongest factor they have
(procurement.signin); holds the role they sign for; did not author what they sign (four eyes);
signs for one role only; and signs a requirement that is still open, once the stages before it
are complete. The caller locks what is signed first and then asks these, in its transaction;
each refusal is an exception whose message is written for the signer.
"""

from django.db import IntegrityError, transaction

from procurement import policies, signin

from ..models import SigningRole
from ..services import NotAllowed, ScorecardError
from .routing import is_signed
from .transitions import InvalidTransition


class SeparationOfDutiesViolation(ScorecardError):
    pass


class ReauthenticationFailed(ScorecardError):
    pass


REAUTHENTICATION_ASKED = {
    "password": "That password is not right. Sign-off needs your password again.",
    "code": "That code is not right. Sign-off needs a current code from your authenticator app "
    "(or one of your recovery codes).",
    "passkey": "Confirm it is you with your passkey first (the button below), then sign.",
    "sso": "Sign in again at your identity provider first (the button below), then sign.",
}


def role_label(role: str) -> str:
    return policies.ROLE_LABELS.get(role, role)


def replayed(signatures, request_token, actor):
    """The signature an earlier submission of the same form wrote, if any (a double click or a
    resent request); a token from someone else's form is refused."""
    existing = signatures.filter(request_token=request_token).first()
    if existing is not None and existing.signer_id != actor.pk:
        raise NotAllowed("This sign-off form belongs to someone else. Reload the page and sign again.")
    return existing


def authenticate_signer(request, actor, *, password: str = "", code: str = "", purpose: str) -> str:
    """How `actor` just proved it is them (a procurement.auth_methods.Method), or a refusal.

    Called before any lock is taken: password hashing is deliberately slow. Pass the `request`
    so that wrong passwords and codes count towards the sign-in lockout."""
    needed = signin.required_method(actor)
    outcome, method = signin.fresh_authentication(
        request, actor, password=password, code=code, purpose=purpose
    )
    if outcome is signin.Reauthentication.LOCKED_OUT:
        raise ReauthenticationFailed(
            f"Too many wrong {'codes' if needed == 'code' else 'passwords'}: signing is paused for this "
            "account for a while. Wait and try again, or ask an administrator to reset the lock."
        )
    if outcome is not signin.Reauthentication.CONFIRMED:
        raise ReauthenticationFailed(REAUTHENTICATION_ASKED[needed])
    return method


def check_signer(actor, role: str, *, author_id, earlier, authored: str, subject: str) -> None:
    """`actor` may sign for `role`: holds it, is not the author (`authored` says what the author
    did: "wrote this evaluation"), and has no `earlier` signature on `subject` ("this evaluation")."""
    if not policies.has_role(actor, role) or role not in SigningRole.values:
        raise NotAllowed(f"Only holders of the {role_label(role)} role sign for it.")
    if author_id == actor.pk:
        raise SeparationOfDutiesViolation(f"You {authored}: someone else must sign it off.")
    if earlier is not None:
        raise SeparationOfDutiesViolation(
            f"You already signed {subject} as {role_label(earlier.role)}: one person signs for one role only."
        )


def requirement_to_sign(requirements, role: str, *, subject: str):
    """The first open requirement for `role`, once the earlier stages are signed. `requirements`
    have their `signature` fetched (select_related), and are of one round or one package."""
    open_for_role = [r for r in requirements if r.role == role and not is_signed(r)]
    if not open_for_role:
        if any(r.role == role for r in requirements):
            raise InvalidTransition(f"{role_label(role)} has already signed {subject} off.")
        raise InvalidTransition(f"{role_label(role)} sign-off is not required for {subject}.")
    requirement = open_for_role[0]
    waiting = sorted({r.stage for r in requirements if 0 < r.stage < requirement.stage and not is_signed(r)})
    if requirement.stage and waiting:
        raise InvalidTransition(f"The sign-offs of stage {waiting[0]} come first.")
    return requirement


def explained(decision: str, comment: str) -> str:
    """The comment, stripped; required for any decision other than a plain approval."""
    comment = (comment or "").strip()
    if decision != "approve" and not comment:
        raise ScorecardError("Explain your decision in a comment: conditions, reasons or the changes needed.")
    return comment


def save_signature(signature) -> None:
    """Validate and save a signature in a savepoint; the database's one-signature-per-requirement
    and per-signer constraints, reachable only if a lock was bypassed, still refuse a duplicate."""
    signature.full_clean()
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as error:
        raise SeparationOfDutiesViolation("This sign-off has already been given.") from error
