"""Signing: one signer's decision for one role, and the outcome of the round it completes.

Signing locks the evaluation row first, like every sign-off service: no lost or doubled signature,
and the signature that completes a round decides it in the same transaction. Signatures are bound
to the round's content hash; a closed round's signatures stay as history.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from procurement import audit

from .. import records, scoring
from ..models import Evaluation, Signature, SignoffRound
from ..services import ScorecardError
from . import rules
from .content import canonical_content
from .notifications import notify_signature
from .routing import is_signed
from .rules import role_label, save_signature
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


def signature_meaning(decision: str, role: str) -> str:
    """The sentence the signer reads next to the button, stored with the signature."""
    reviewer = f"the {role_label(role).lower()} reviewer"
    return {
        D.APPROVE: f"I approve this evaluation as {reviewer}.",
        D.APPROVE_WITH_CONDITIONS: f"I approve this evaluation as {reviewer}, on the conditions I state.",
        D.REJECT: f"I reject this evaluation as {reviewer}.",
        D.REQUEST_CHANGES: f"As {reviewer}, I send this evaluation back to its author for changes.",
    }[decision]


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
    existing = rules.replayed(Signature.objects, request_token, actor)
    if existing is not None:
        return existing
    method = rules.authenticate_signer(request, actor, password=password, code=code, purpose="sign-off")
    return _signoff_record(
        actor=actor,
        evaluation=evaluation,
        role=role,
        decision=decision,
        comment=comment,
        request_token=request_token,
        authenticated_by=method,
    )


@transaction.atomic(durable=True)
def _signoff_record(
    *, actor, evaluation, role, decision, comment, request_token, authenticated_by
) -> Signature:
    locked = lock_evaluation(evaluation)
    # A double click waits for the first request's lock, then finds what it wrote.
    existing = rules.replayed(Signature.objects, request_token, actor)
    if existing is not None:
        return existing
    if locked.status != S.SUBMITTED:
        raise InvalidTransition(
            f"This evaluation is {locked.get_status_display().lower()}: it is not awaiting sign-off."
        )
    if decision not in D.values:
        raise ValueError(f"unknown decision {decision!r}")
    signoff_round = open_round(locked)
    rules.check_signer(
        actor,
        role,
        author_id=locked.author_id,
        earlier=signoff_round.signatures.filter(signer=actor).first(),
        authored="wrote this evaluation",
        subject="this evaluation",
    )
    requirements = list(signoff_round.requirements.select_related("signature"))
    requirement = rules.requirement_to_sign(requirements, role, subject="this evaluation")
    comment = rules.explained(decision, comment)
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
    save_signature(signature)
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
