"""Multi-party sign-off: submit, sign, decide, withdraw and revise an evaluation.

Every service locks the evaluation row first (and only then anything else), so two people acting
at once are serialised in the same order: no lost or doubled signature, and the signature that
completes a round decides it in the same transaction. Signatures are bound to a content hash
over a canonical snapshot of what was submitted; a closed round's signatures stay as history.
"""

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from procurement import audit, policies, signin

from . import records, scoring
from .models import (
    Evaluation,
    Evidence,
    RequiredSignoff,
    Score,
    ScorecardTemplate,
    Signature,
    SigningRole,
    SignoffPolicy,
    SignoffRound,
)
from .services import NotAllowed, ScorecardError, result_of

logger = logging.getLogger(__name__)

S = Evaluation.Status
D = Signature.Decision


class InvalidTransition(ScorecardError):
    pass


class SeparationOfDutiesViolation(ScorecardError):
    pass


class ReauthenticationFailed(ScorecardError):
    pass


class IncompleteEvaluation(ScorecardError):
    pass


# The one table of allowed status changes.
TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {S.DRAFT: S.SUBMITTED},
    "approve": {S.SUBMITTED: S.APPROVED},
    "reject": {S.SUBMITTED: S.REJECTED},
    "request_changes": {S.SUBMITTED: S.DRAFT},
    "withdraw": {S.DRAFT: S.WITHDRAWN, S.SUBMITTED: S.WITHDRAWN},
    "supersede": {S.APPROVED: S.SUPERSEDED, S.REJECTED: S.SUPERSEDED},
}
ACTION_LABELS = {
    "submit": "submit",
    "approve": "approve",
    "reject": "reject",
    "request_changes": "request changes to",
    "withdraw": "withdraw",
    "supersede": "supersede",
}


def _transition(evaluation: Evaluation, action: str) -> None:
    allowed = TRANSITIONS[action]
    if evaluation.status not in allowed:
        raise InvalidTransition(
            f"You cannot {ACTION_LABELS[action]} an evaluation that is "
            f"{evaluation.get_status_display().lower()}."
        )
    evaluation.status = allowed[evaluation.status]


def _lock(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


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


# Content snapshot -------------------------------------------------------------------------


def content_snapshot(evaluation: Evaluation) -> dict:
    """Everything a signer approves: the evaluation, vendor and contract facts, the template
    version, each score with its rationale and evidence, and the result."""
    vendor = evaluation.vendor
    contract = evaluation.contract
    scores = list(
        Score.objects.filter(evaluation=evaluation).select_related("dimension").prefetch_related("evidence")
    )
    result = result_of(scores)
    template = evaluation.template
    data = {
        "evaluation": audit.snapshot(
            evaluation,
            [
                "title",
                "purpose",
                "tier",
                "data_sensitivity",
                "commitment_amount",
                "commitment_currency",
                "author",
                "revises",
            ],
        )
        | {"id": evaluation.pk},
        "vendor": audit.snapshot(
            vendor, ["name", "legal_entity", "kind", "hq_jurisdiction", "processing_regions", "status"]
        )
        | {"id": vendor.pk},
        "contract": None,
        "template": {
            "key": template.key,
            "version": template.version,
            "name": template.name,
            "dimensions": [
                {
                    "kind": s.dimension.kind,
                    "name": s.dimension.name,
                    "weight": s.dimension.weight,
                    "gate_minimum": s.dimension.gate_minimum,
                    "guiding_questions": s.dimension.guiding_questions,
                }
                for s in scores
            ],
        },
        "scores": [
            {
                "dimension": s.dimension.kind,
                "score": s.score,
                "rationale": s.rationale,
                "evidence": [_evidence_entry(e) for e in s.evidence.all()],
            }
            for s in scores
        ],
        "result": {"weighted_total": result.total, "gates_passed": result.gates_passed},
    }
    if contract is not None:
        data["contract"] = audit.snapshot(
            contract,
            [
                "reference",
                "title",
                "start_date",
                "end_date",
                "auto_renewal",
                "notice_period_days",
                "committed_spend",
                "currency",
                "status",
            ],
        ) | {
            "id": contract.pk,
            "capacity_lines": [
                [line.accelerator_model, line.count, line.region, line.band]
                for line in contract.capacity_lines.order_by("pk")
            ],
            "exit_rights": [
                [clause.kind.code, clause.status, clause.reference]
                for clause in contract.clauses.select_related("kind").order_by("kind__code")
            ],
        }
    return audit.to_jsonable(data)


def _evidence_entry(evidence: Evidence) -> dict:
    if evidence.is_file:
        return {"file": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size}
    return {"title": evidence.title, "url": evidence.url}


def hash_content(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def canonical_content(evaluation: Evaluation) -> tuple[str, str]:
    """(canonical text, its SHA-256) of the evaluation's content as it is now."""
    canonical = audit.canonical_json(content_snapshot(evaluation))
    return canonical, hash_content(canonical)


# Routing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    role: str
    slot: int
    stage: int
    reason: str


def policy_matches(policy: SignoffPolicy, evaluation: Evaluation) -> bool:
    if policy.data_sensitivities and evaluation.data_sensitivity not in policy.data_sensitivities:
        return False
    if policy.tiers and evaluation.tier not in policy.tiers:
        return False
    if policy.min_commitment is not None:
        return (
            evaluation.commitment_currency == policy.commitment_currency
            and evaluation.commitment_amount >= policy.min_commitment
        )
    return True


def required_signoffs(
    evaluation: Evaluation, policies_: Iterable[SignoffPolicy] | None = None
) -> list[Requirement]:
    """The sign-offs the active policies ask of this evaluation, by role and slot."""
    if policies_ is None:
        policies_ = SignoffPolicy.objects.filter(is_active=True)
    needed: dict[str, tuple[int, int, list[str]]] = {}
    for policy in policies_:
        if not policy.is_active or not policy_matches(policy, evaluation):
            continue
        signers, stage, reasons = needed.get(policy.role, (0, policy.stage, []))
        needed[policy.role] = (
            max(signers, policy.signers),
            min(stage, policy.stage),
            [*reasons, policy.name],
        )
    order = list(SigningRole.values)
    return [
        Requirement(role=role, slot=slot, stage=stage, reason="; ".join(reasons)[:300])
        for role, (signers, stage, reasons) in sorted(needed.items(), key=lambda item: order.index(item[0]))
        for slot in range(1, signers + 1)
    ]


# Services ---------------------------------------------------------------------------------


def _status_snapshot(evaluation: Evaluation) -> dict:
    return audit.snapshot(evaluation, ["status", "content_hash", "decided_at", "reevaluation_due"])


@transaction.atomic(durable=True)
def evaluation_submit(*, actor, evaluation: Evaluation) -> SignoffRound:
    """Freeze the content, hash it, and open a round with the sign-offs policy requires."""
    locked = _lock(evaluation)
    if not policies.can_submit_evaluation(actor, locked) and locked.is_draft:
        raise NotAllowed("Only the author of a draft evaluation (or an administrator) can submit it.")
    before = _status_snapshot(locked)
    _transition(locked, "submit")
    scores = list(locked.scores.select_related("dimension"))
    result = result_of(scores)
    missing = [s.dimension.name for s in scores if s.score is None or not s.rationale.strip()]
    if missing:
        raise IncompleteEvaluation(
            f"Score every dimension with a rationale before submitting: {', '.join(missing)}."
        )
    requirements = required_signoffs(locked)
    if not requirements:
        raise IncompleteEvaluation("No sign-off policy applies to this evaluation: ask an administrator.")
    canonical, digest = canonical_content(locked)
    now = timezone.now()
    number = (locked.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    signoff_round = SignoffRound.objects.create(
        evaluation=locked,
        number=number,
        snapshot=canonical,
        content_hash=digest,
        submitted_by=actor,
        submitted_at=now,
    )
    RequiredSignoff.objects.bulk_create(
        RequiredSignoff(round=signoff_round, role=r.role, slot=r.slot, stage=r.stage, reason=r.reason)
        for r in requirements
    )
    locked.submitted_at = now
    locked.content_hash = digest
    locked.weighted_total, locked.gates_passed = result.total, result.gates_passed
    locked.full_clean()
    locked.save()
    audit.record(
        actor=actor,
        action="evaluation.submit",
        obj=locked,
        before=before,
        after=_status_snapshot(locked)
        | {"round": number, "required": [f"{r.role}#{r.slot}" for r in requirements]},
    )
    transaction.on_commit(lambda: notify_submitted(signoff_round.pk))
    return signoff_round


def _open_round(evaluation: Evaluation) -> SignoffRound | None:
    return evaluation.rounds.filter(outcome=SignoffRound.Outcome.OPEN).first()


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
    password: str,
    request_token: uuid.UUID,
    request=None,
) -> Signature:
    """Sign for `role`. Asks for the password again; a replayed request returns its signature.

    Pass the `request` so that wrong passwords count towards the sign-in lockout: a hijacked
    session must not guess the password freely."""
    existing = _replayed(request_token, actor)
    if existing is not None:
        return existing
    # Checked before any lock is taken: password hashing is deliberately slow.
    outcome = signin.reauthenticate(request, actor, password, purpose="sign-off")
    if outcome is signin.Reauthentication.LOCKED_OUT:
        raise ReauthenticationFailed(
            "Too many wrong passwords: signing is paused for this account for a while. "
            "Wait and try again, or ask an administrator to reset the lock."
        )
    if outcome is not signin.Reauthentication.CONFIRMED:
        raise ReauthenticationFailed("That password is not right. Sign-off needs your password again.")
    return _signoff_record(
        actor=actor,
        evaluation=evaluation,
        role=role,
        decision=decision,
        comment=comment,
        request_token=request_token,
    )


@transaction.atomic(durable=True)
def _signoff_record(*, actor, evaluation, role, decision, comment, request_token) -> Signature:
    locked = _lock(evaluation)
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
    signoff_round = _open_round(locked)
    earlier = signoff_round.signatures.filter(signer=actor).first()
    if earlier is not None:
        raise SeparationOfDutiesViolation(
            f"You already signed this evaluation as {role_label(earlier.role)}: one person signs for one role only."
        )
    requirements = list(signoff_round.requirements.select_related("signature"))
    open_for_role = [r for r in requirements if r.role == role and not _signed(r)]
    if not open_for_role:
        if any(r.role == role for r in requirements):
            raise InvalidTransition(f"{role_label(role)} has already signed this evaluation off.")
        raise InvalidTransition(f"{role_label(role)} sign-off is not required for this evaluation.")
    requirement = open_for_role[0]
    waiting = sorted({r.stage for r in requirements if 0 < r.stage < requirement.stage and not _signed(r)})
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
        },
    )
    _decide(locked, signoff_round, requirements, signature, actor)
    transaction.on_commit(lambda: notify_signature(signature.pk))
    return signature


def _signed(requirement: RequiredSignoff) -> bool:
    try:
        return requirement.signature is not None
    except Signature.DoesNotExist:
        return False


def _close_round(signoff_round: SignoffRound, outcome: str) -> None:
    signoff_round.outcome = outcome
    signoff_round.closed_at = timezone.now()
    signoff_round.save(update_fields=["outcome", "closed_at"])


def _decide(evaluation, signoff_round, requirements, signature, actor) -> None:
    """The outcome of the round after `signature`, decided in the signature's transaction."""
    before = _status_snapshot(evaluation)
    if signature.decision == D.REJECT:
        _transition(evaluation, "reject")
        _close_round(signoff_round, SignoffRound.Outcome.REJECTED)
        action = "evaluation.reject"
    elif signature.decision == D.REQUEST_CHANGES:
        _transition(evaluation, "request_changes")
        _close_round(signoff_round, SignoffRound.Outcome.CHANGES_REQUESTED)
        action = "evaluation.changes_requested"
    elif all(_signed(r) and r.signature.is_approval for r in requirements):
        _transition(evaluation, "approve")
        _close_round(signoff_round, SignoffRound.Outcome.APPROVED)
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
    after = _status_snapshot(evaluation) | {"round": signoff_round.number}
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
    before = _status_snapshot(previous)
    _transition(previous, "supersede")
    previous.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="evaluation.supersede",
        obj=previous,
        before=before,
        after=_status_snapshot(previous) | {"superseded_by": by.pk},
    )


@transaction.atomic(durable=True)
def evaluation_withdraw(*, actor, evaluation: Evaluation, reason: str = "") -> Evaluation:
    """The author takes the evaluation back before a decision; its open round closes unsigned."""
    locked = _lock(evaluation)
    if locked.author_id != actor.pk and not policies.is_admin(actor):
        raise NotAllowed("Only the author (or an administrator) can withdraw an evaluation.")
    before = _status_snapshot(locked)
    _transition(locked, "withdraw")
    signoff_round = _open_round(locked)
    if signoff_round is not None:
        _close_round(signoff_round, SignoffRound.Outcome.WITHDRAWN)
    locked.save()
    audit.record(
        actor=actor,
        action="evaluation.withdraw",
        obj=locked,
        before=before,
        after=_status_snapshot(locked) | {"reason": reason.strip()},
    )
    return locked


@transaction.atomic(durable=True)
def evaluation_revise(*, actor, evaluation: Evaluation) -> Evaluation:
    """A new draft linked to a decided evaluation, with its facts, scores and evidence copied.

    The decided one stays frozen; it is superseded when the revision is decided.
    """
    if not policies.can_create_evaluations(actor):
        raise NotAllowed("Only procurement staff revise evaluations.")
    locked = _lock(evaluation)
    if locked.status not in Evaluation.DECIDED_STATES:
        raise InvalidTransition("Only an approved or rejected evaluation can be revised.")
    pending = locked.revisions.filter(status__in=[S.DRAFT, S.SUBMITTED]).first()
    if pending is not None:
        raise InvalidTransition(f"A revision is already under way: “{pending.title}”.")
    template = (
        ScorecardTemplate.objects.filter(key=locked.template.key, is_active=True).order_by("-version").first()
    )
    template = template or locked.template
    revision = Evaluation(
        vendor=locked.vendor,
        contract=locked.contract,
        template=template,
        title=locked.title,
        purpose=locked.purpose,
        tier=locked.tier,
        data_sensitivity=locked.data_sensitivity,
        commitment_amount=locked.commitment_amount,
        commitment_currency=locked.commitment_currency,
        author=actor,
        revises=locked,
    )
    revision.full_clean()
    revision.save()
    old_scores = {
        s.dimension.kind: s for s in locked.scores.select_related("dimension").prefetch_related("evidence")
    }
    for dimension in template.dimensions.all():
        old = old_scores.get(dimension.kind)
        score = Score.objects.create(
            evaluation=revision,
            dimension=dimension,
            score=old.score if old else None,
            rationale=old.rationale if old else "",
        )
        for item in old.evidence.all() if old else []:
            # Files are immutable and named by their hash: the revision points at the same stored file.
            Evidence.objects.create(
                score=score,
                url=item.url,
                title=item.title,
                file=item.file.name,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                added_by=item.added_by,
            )
    result = result_of(revision.scores.select_related("dimension"))
    revision.weighted_total, revision.gates_passed = result.total, result.gates_passed
    revision.save(update_fields=["weighted_total", "gates_passed"])
    audit.record(
        actor=actor,
        action="evaluation.revise",
        obj=revision,
        after=audit.snapshot(revision, ["vendor", "contract", "template", "title", "status", "revises"]),
    )
    return revision


# Notifications (after commit) ---------------------------------------------------------------


def _link(evaluation: Evaluation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("scorecards:evaluation-detail", args=[evaluation.pk])


def _send(subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        # The decision is committed; a mail server being down must not turn it into an error page.
        logger.exception("could not send sign-off mail %r to %s", subject, recipients)


def next_signers(signoff_round: SignoffRound) -> list:
    from django.contrib.auth import get_user_model

    requirements = [r for r in signoff_round.requirements.all() if not _signed(r)]
    stages = sorted({r.stage for r in requirements if r.stage})
    roles = {r.role for r in requirements if not r.stage or (stages and r.stage == stages[0])}
    return list(
        get_user_model()
        .objects.filter(groups__name__in=roles, is_active=True)
        .exclude(pk=signoff_round.evaluation.author_id)
        .distinct()
    )


def notify_submitted(round_id: int) -> None:
    signoff_round = SignoffRound.objects.select_related("evaluation__vendor").get(pk=round_id)
    evaluation = signoff_round.evaluation
    body = (
        f"{evaluation.title} ({evaluation.vendor.name}) was submitted for sign-off and needs your review.\n\n"
        f"Weighted total: {scoring_total(evaluation)}\n"
        f"Open it here: {_link(evaluation)}\n"
    )
    _send(
        f"Sign-off needed: {evaluation.title}",
        body,
        [user.email for user in next_signers(signoff_round)],
    )


def notify_signature(signature_id: int) -> None:
    signature = Signature.objects.select_related(
        "round__evaluation__author", "round__evaluation__vendor"
    ).get(pk=signature_id)
    evaluation = signature.round.evaluation
    lines = [
        f"{signature.signer_name} signed “{evaluation.title}” as {signature.get_role_display()}: "
        f"{signature.get_decision_display().lower()}.",
    ]
    if signature.comment:
        lines.append(f"\nComment: {signature.comment}")
    lines.append(f"\nThe evaluation is now {evaluation.get_status_display().lower()}.")
    lines.append(f"Open it here: {_link(evaluation)}")
    _send(
        f"{signature.get_decision_display()}: {evaluation.title}",
        "\n".join(lines) + "\n",
        [evaluation.author.email],
    )
    if evaluation.status == S.SUBMITTED:
        signoff_round = signature.round
        # The next stage opens when the previous one is complete.
        if signature.requirement.stage and not any(
            not _signed(r) for r in signoff_round.requirements.all() if r.stage == signature.requirement.stage
        ):
            notify_submitted(signoff_round.pk)


def scoring_total(evaluation: Evaluation) -> str:
    return "not scored" if evaluation.weighted_total is None else f"{evaluation.weighted_total} / 100"
