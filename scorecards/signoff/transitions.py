"""The evaluation's state machine, and the services that move it outside a signature: submit,
withdraw and revise.

Every service locks the evaluation row first (and only then anything else), so two people acting
at once are serialised in the same order.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from procurement import audit, policies

from ..models import Evaluation, Evidence, RequiredSignoff, Score, ScorecardTemplate, SignoffRound
from ..services import NotAllowed, ScorecardError, result_of
from .content import canonical_content
from .notifications import notify_submitted
from .routing import required_signoffs

S = Evaluation.Status


class InvalidTransition(ScorecardError):
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


def transition(evaluation: Evaluation, action: str) -> None:
    allowed = TRANSITIONS[action]
    if evaluation.status not in allowed:
        raise InvalidTransition(
            f"You cannot {ACTION_LABELS[action]} an evaluation that is "
            f"{evaluation.get_status_display().lower()}."
        )
    evaluation.status = allowed[evaluation.status]


def lock_evaluation(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def status_snapshot(evaluation: Evaluation) -> dict:
    return audit.snapshot(evaluation, ["status", "content_hash", "decided_at", "reevaluation_due"])


def open_round(evaluation: Evaluation) -> SignoffRound | None:
    return evaluation.rounds.filter(outcome=SignoffRound.Outcome.OPEN).first()


def close_round(signoff_round: SignoffRound, outcome: str) -> None:
    signoff_round.outcome = outcome
    signoff_round.closed_at = timezone.now()
    signoff_round.save(update_fields=["outcome", "closed_at"])


@transaction.atomic(durable=True)
def evaluation_submit(*, actor, evaluation: Evaluation) -> SignoffRound:
    """Freeze the content, hash it, and open a round with the sign-offs policy requires."""
    locked = lock_evaluation(evaluation)
    if not policies.can_submit_evaluation(actor, locked) and locked.is_draft:
        raise NotAllowed("Only the author of a draft evaluation (or an administrator) can submit it.")
    before = status_snapshot(locked)
    transition(locked, "submit")
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
        after=status_snapshot(locked)
        | {"round": number, "required": [f"{r.role}#{r.slot}" for r in requirements]},
    )
    notify_submitted(signoff_round)  # queued in this transaction, sent after commit
    return signoff_round


@transaction.atomic(durable=True)
def evaluation_withdraw(*, actor, evaluation: Evaluation, reason: str = "") -> Evaluation:
    """The author takes the evaluation back before a decision; its open round closes unsigned."""
    locked = lock_evaluation(evaluation)
    if locked.author_id != actor.pk and not policies.is_admin(actor):
        raise NotAllowed("Only the author (or an administrator) can withdraw an evaluation.")
    before = status_snapshot(locked)
    transition(locked, "withdraw")
    signoff_round = open_round(locked)
    if signoff_round is not None:
        close_round(signoff_round, SignoffRound.Outcome.WITHDRAWN)
    locked.save()
    audit.record(
        actor=actor,
        action="evaluation.withdraw",
        obj=locked,
        before=before,
        after=status_snapshot(locked) | {"reason": reason.strip()},
    )
    return locked


@transaction.atomic(durable=True)
def evaluation_revise(*, actor, evaluation: Evaluation) -> Evaluation:
    """A new draft linked to a decided evaluation, with its facts, scores and evidence copied.

    The decided one stays frozen; it is superseded when the revision is decided.
    """
    if not policies.can_create_evaluations(actor):
        raise NotAllowed("Only procurement staff revise evaluations.")
    locked = lock_evaluation(evaluation)
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
        # The frozen comparison stays valid evidence: the revision starts from it too.
        tce_comparison=locked.tce_comparison,
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
                excerpt=item.excerpt,
                source=item.source,
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
