"""Sign-off mail, queued in the deciding transaction: to the next signers when a round (or stage)
opens, to the author on every signature. One mail per person, each keyed by what it reports, so
nothing is mailed twice; the worker sends them (procurement.mail)."""

from django.urls import reverse

from procurement.mail import absolute_url, mail_enqueue

from ..models import Evaluation, Signature, SignoffRound
from .routing import is_signed, next_signers

S = Evaluation.Status


def _link(evaluation: Evaluation) -> str:
    return absolute_url(reverse("scorecards:evaluation-detail", args=[evaluation.pk]))


def _open_stage(signoff_round: SignoffRound) -> int:
    """The stage whose signers are asked now (0 for a round without stages)."""
    stages = sorted({r.stage for r in signoff_round.requirements.all() if r.stage and not is_signed(r)})
    return stages[0] if stages else 0


def notify_submitted(signoff_round: SignoffRound) -> None:
    """Ask the next signers to review; call it in the transaction that opens the round or stage."""
    evaluation = signoff_round.evaluation
    stage = _open_stage(signoff_round)
    context = {"evaluation": evaluation, "total": scoring_total(evaluation), "link": _link(evaluation)}
    for user in next_signers(signoff_round):
        mail_enqueue(
            key=f"signoff.submitted:{signoff_round.pk}:{stage}:{user.pk}",
            to=user,
            subject=f"Sign-off needed: {evaluation.title}",
            template="signoff_submitted",
            context=context,
        )


def notify_signature(signature: Signature) -> None:
    """Tell the author of a signature (and open the next stage's mail); call it in the signing
    transaction, after the round's outcome is decided."""
    signoff_round = signature.round
    # Read again: the round's cached evaluation may predate the outcome decided in this transaction.
    evaluation = Evaluation.objects.select_related("author", "vendor").get(pk=signoff_round.evaluation_id)
    mail_enqueue(
        key=f"signoff.signed:{signature.pk}:{evaluation.author_id}",
        to=evaluation.author,
        subject=f"{signature.get_decision_display()}: {evaluation.title}",
        template="signoff_signed",
        context={"signature": signature, "evaluation": evaluation, "link": _link(evaluation)},
    )
    # The next stage opens when the previous one is complete.
    stage = signature.requirement.stage
    if (
        evaluation.status == S.SUBMITTED
        and stage
        and all(is_signed(r) for r in signoff_round.requirements.all() if r.stage == stage)
    ):
        notify_submitted(signoff_round)


def scoring_total(evaluation: Evaluation) -> str:
    return "not scored" if evaluation.weighted_total is None else f"{evaluation.weighted_total} / 100"
