"""Sign-off mail, sent after commit: to the next signers when a round (or stage) opens, to the author
on every signature."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from ..models import Evaluation, Signature, SignoffRound
from .routing import is_signed, next_signers

logger = logging.getLogger(__name__)

S = Evaluation.Status


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
            not is_signed(r)
            for r in signoff_round.requirements.all()
            if r.stage == signature.requirement.stage
        ):
            notify_submitted(signoff_round.pk)


def scoring_total(evaluation: Evaluation) -> str:
    return "not scored" if evaluation.weighted_total is None else f"{evaluation.weighted_total} / 100"
