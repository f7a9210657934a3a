"""Signing: one signer's decision for one role, and the outcome of the round it completes.

Signing locks the evaluation row first, like every sign-off service: no lost or doubled signature,
and the signature that completes a round decides it in the same transaction. Signatures are bound
to the round's content hash; a closed round's signatures stay as history.
"""

import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement import audit, policies, signin

from .. import records, scoring
from ..models import Evaluation, Signature, SigningRole, SignoffRound
from ..services import NotAllowed, ScorecardError
from .content import canonical_content
from .notifications import notify_signature
from .routing import is_signed
from .transitions import (
    TRANSITIONS,
    InvalidTransition,
    close_round,
    lock_evaluation,
    open_round,
    status_snapshot,
    transition,
)

S = Evaluation.Status
D = Signature.Decision


class SeparationOfDutiesViolation(ScorecardError):
    pass


class ReauthenticationFailed(ScorecardError):
    pass


def role_label(role: str) -> str:
    return policies.ROLE_LABELS.get(role, role)


def signature_meaning(decision: str, role: str) -> str:
    """The sentence the signer reads next to the button, stored with the signature."""
    reviewer = f"the {role_label(role).lower()} reviewer"
    return {
        D.APPROVE: f"I approve this evaluation as {reviewer}.",
        D.APPROVE_WITH_CONDITIONS: f"I approve this evaluation as {reviewer}, on the conditions I state.",
        D.REJECT: f"I reject this evaluation as {reviewer}.",
        D.REQUEST_CHANGES: f"As {reviewer}, I send this evaluation back to its author for changes.",
    }[decision]


def _replayed(request_token, actor) -> Signature | None:
    existing = Signature.objects.filter(request_token=request_token).first()
    if existing is not None and existing.signer_id != actor.pk:
        raise NotAllowed("This sign-off form belongs to someone else. Reload the page and sign again.")
    return existing


def signoff_record(
    *,
    actor,
    evaluation: Evaluation,
    role: str,
    decision: str,
    comment: str = "",
    password: str = "",
    code: str = "",
    request_token: uuid.UUID,
    request=None,
) -> Signature:
    """Sign for `role`, after a fresh strong authentication; a replayed request returns its signature.

    The signer proves it is them with the strongest factor they have (procurement.signin): the
    authenticator app's `code` (or a recovery code), a passkey or an IdP sign-in confirmed within
    REAUTHENTICATION_SECONDS, else the `password`. The signature keeps which. Pass the `request`
    so that wrong passwords and codes count towards the sign-in lockout: a hijacked session must
    not guess them freely."""
    existing = _replayed(request_token, actor)
    if existing is not None:
        return existing
    # Checked before any lock is taken: password hashing is deliberately slow.
    needed = signin.required_method(actor)
    outcome, method = signin.fresh_authentication(
        request, actor, password=password, code=code, purpose="sign-off"
    )
    if outcome is signin.Reauthentication.LOCKED_OUT:
        raise ReauthenticationFailed(
            f"Too many wrong {'codes' if needed == 'code' else 'passwords'}: signing is paused for this "
            "account for a while. Wait and try again, or ask an administrator to reset the lock."
        )
    if outcome is not signin.Reauthentication.CONFIRMED:
        raise ReauthenticationFailed(REAUTHENTICATION_ASKED[needed])
    return _signoff_record(
        actor=actor,
        evaluation=evaluation,
        role=role,
        decision=decision,
        comment=comment,
        request_token=request_token,
        authenticated_by=method,
    )


REAUTHENTICATION_ASKED = {
    "password": "That password is not right. Sign-off needs your password again.",
    "code": "That code is not right. Sign-off needs a current code from your authenticator app "
    "(or one of your recovery codes).",
    "passkey": "Confirm it is you with your passkey first (the button below), then sign.",
    "sso": "Sign in again at your identity provider first (the button below), then sign.",
}


@transaction.atomic(durable=True)
def _signoff_record(
    *, actor, evaluation, role, decision, comment, request_token, authenticated_by
) -> Signature:
    locked = lock_evaluation(evaluation)
    # A double click waits for the first request's lock, then finds what it wrote.
    existing = _replayed(request_token, actor)
    if existing is not None:
        return existing
    if locked.status != S.SUBMITTED:
        raise InvalidTransition(
            f"This evaluation is {locked.get_status_display().lower()}: it is not awaiting sign-off."
        )
    if decision not in D.values:
        raise ValueError(f"unknown decision {decision!r}")
    if not policies.has_role(actor, role) or role not in SigningRole.values:
        raise NotAllowed(f"Only holders of the {role_label(role)} role sign for it.")
    if locked.author_id == actor.pk:
        raise SeparationOfDutiesViolation("You wrote this evaluation: someone else must sign it off.")
    signoff_round = open_round(locked)
    earlier = signoff_round.signatures.filter(signer=actor).first()
    if earlier is not None:
        raise SeparationOfDutiesViolation(
            f"You already signed this evaluation as {role_label(earlier.role)}: one person signs for one role only."
        )
    requirements = list(signoff_round.requirements.select_related("signature"))
    open_for_role = [r for r in requirements if r.role == role and not is_signed(r)]
    if not open_for_role:
        if any(r.role == role for r in requirements):
            raise InvalidTransition(f"{role_label(role)} has already signed this evaluation off.")
        raise InvalidTransition(f"{role_label(role)} sign-off is not required for this evaluation.")
    requirement = open_for_role[0]
    waiting = sorted({r.stage for r in requirements if 0 < r.stage < requirement.stage and not is_signed(r)})
    if requirement.stage and waiting:
        raise InvalidTransition(f"The sign-offs of stage {waiting[0]} come first.")
    comment = (comment or "").strip()
    if decision != D.APPROVE and not comment:
        raise ScorecardError("Explain your decision in a comment: conditions, reasons or the changes needed.")
    if decision in Signature.APPROVALS and locked.gates_passed is False:
        raise ScorecardError(
            "A hard gate failed: this evaluation can be rejected or sent back, not approved."
        )
    _canonical, live_hash = canonical_content(locked)
    if live_hash != signoff_round.content_hash:
        raise InvalidTransition(
            "The vendor, contract or evaluation changed after submission, so this content is not what was "
            "submitted. Request changes so the author resubmits it."
        )
    signature = Signature(
        round=signoff_round,
        requirement=requirement,
        role=role,
        signer=actor,
        signer_name=audit.actor_display(actor),
        decision=decision,
        comment=comment,
        meaning=signature_meaning(decision, role),
        content_hash=signoff_round.content_hash,
        signed_at=timezone.now(),
        request_token=request_token,
        authenticated_by=authenticated_by,
    )
    signature.full_clean()
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as error:
        # Only reachable if a lock was bypassed; the constraints still refuse the duplicate.
        raise SeparationOfDutiesViolation("This sign-off has already been given.") from error
    requirement.signature = signature
    audit.record(
        actor=actor,
        action="signoff.sign",
        obj=locked,
        after={
            "round": signoff_round.number,
            "role": role,
            "decision": decision,
            "comment": comment,
            "meaning": signature.meaning,
            "content_hash": signature.content_hash,
            "authenticated_by": signature.authenticated_by,
        },
    )
    _decide(locked, signoff_round, requirements, signature, actor)
    notify_signature(signature)  # queued in this transaction, sent after commit
    return signature


def _decide(evaluation, signoff_round, requirements, signature, actor) -> None:
    """The outcome of the round after `signature`, decided in the signature's transaction."""
    before = status_snapshot(evaluation)
    if signature.decision == D.REJECT:
        transition(evaluation, "reject")
        close_round(signoff_round, SignoffRound.Outcome.REJECTED)
        action = "evaluation.reject"
    elif signature.decision == D.REQUEST_CHANGES:
        transition(evaluation, "request_changes")
        close_round(signoff_round, SignoffRound.Outcome.CHANGES_REQUESTED)
        action = "evaluation.changes_requested"
    elif all(is_signed(r) and r.signature.is_approval for r in requirements):
        transition(evaluation, "approve")
        close_round(signoff_round, SignoffRound.Outcome.APPROVED)
        action = "evaluation.approve"
    else:
        return
    if evaluation.status in Evaluation.DECIDED_STATES:
        evaluation.decided_at = timezone.now()
        if evaluation.status == S.APPROVED:
            evaluation.reevaluation_due = scoring.add_months(
                timezone.localdate(evaluation.decided_at), settings.REEVALUATION_MONTHS
            )
    evaluation.save()
    after = status_snapshot(evaluation) | {"round": signoff_round.number}
    if action == "evaluation.approve":
        after["conditions"] = [
            f"{role_label(r.role)}: {r.signature.comment}"
            for r in requirements
            if r.signature.decision == D.APPROVE_WITH_CONDITIONS
        ]
    audit.record(actor=actor, action=action, obj=evaluation, before=before, after=after)
    if evaluation.status in Evaluation.DECIDED_STATES:
        # The PDF decision record is rendered after commit; the chain head is read here.
        records.decision_record_issue_later(evaluation, actor=actor)
        if evaluation.revises_id:
            _supersede(evaluation.revises_id, by=evaluation, actor=actor)


def _supersede(evaluation_id: int, *, by: Evaluation, actor) -> None:
    # Locked after the revision: always the newer evaluation first, then its predecessor.
    previous = Evaluation.objects.select_for_update().get(pk=evaluation_id)
    if previous.status not in TRANSITIONS["supersede"]:
        return
    before = status_snapshot(previous)
    transition(previous, "supersede")
    previous.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="evaluation.supersede",
        obj=previous,
        before=before,
        after=status_snapshot(previous) | {"superseded_by": by.pk},
    )
