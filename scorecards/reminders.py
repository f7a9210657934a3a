"""Scorecard reminders: re-evaluations due, and sign-offs waiting too long (escalated)."""

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from procurement import policies
from procurement.reminders import Reminder, ReminderKind, role_members, visible, working_days_between

from .models import Evaluation, RequiredSignoff, SigningRole, SignoffRound
from .selectors import evaluations_for_user


def _link(evaluation: Evaluation) -> str:
    return reverse("scorecards:evaluation-detail", args=[evaluation.pk])


def reevaluation_due_reminders(today: dt.date) -> list[Reminder]:
    """Approved decisions whose re-evaluation date has come, to their author and procurement."""
    due = list(
        Evaluation.objects.filter(status=Evaluation.Status.APPROVED, reevaluation_due__lte=today)
        .select_related("vendor", "author")
        .order_by("reevaluation_due", "pk")
    )
    members = role_members(policies.PROCUREMENT)
    recipients = {e.pk: list({u.pk: u for u in [e.author, *members] if u.is_active}.values()) for e in due}
    may_see = visible(
        {u for people in recipients.values() for u in people}, evaluations_for_user, list(recipients)
    )
    return [
        Reminder(
            kind="scorecards.reevaluation_due",
            subject_key=f"evaluation:{evaluation.pk}:reevaluation:{evaluation.reevaluation_due.isoformat()}",
            user=user,
            subject=f"Re-evaluation due: {evaluation.title} ({evaluation.vendor.name})",
            text=(
                f"The decision “{evaluation.title}” on {evaluation.vendor.name} was due for re-evaluation "
                f"on {evaluation.reevaluation_due:%-d %B %Y}: revise it to confirm or change it."
            ),
            path=_link(evaluation),
        )
        for evaluation in due
        for user in recipients[evaluation.pk]
        if evaluation.pk in may_see[user.pk]
    ]


def waiting_roles(signoff_round: SignoffRound) -> list[str]:
    """The roles whose sign-off the round waits for now: unsigned, in its first unfinished stage
    (stage 0 runs alongside every stage), as `signoff.routing.next_signers` routes them."""
    unsigned = [r for r in signoff_round.requirements.all() if not hasattr(r, "signature")]
    stages = sorted({r.stage for r in unsigned if r.stage})
    roles = {r.role for r in unsigned if not r.stage or r.stage == stages[0]}
    return [role for role in SigningRole.values if role in roles]


def signoff_escalation_reminders(today: dt.date) -> list[Reminder]:
    """Sign-offs waiting more than SIGNOFF_ESCALATION_WORKING_DAYS working days since the round
    opened, to every member of the waiting role who may sign it (not the author, nobody who signed
    the round already): the first request went to the role; now everyone in it hears again."""
    limit = settings.SIGNOFF_ESCALATION_WORKING_DAYS
    # Working days never outnumber calendar days: no round opened later than this can be late.
    opened_before = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=limit), dt.time.min))
    rounds = [
        r
        for r in SignoffRound.objects.filter(
            outcome=SignoffRound.Outcome.OPEN,
            evaluation__status=Evaluation.Status.SUBMITTED,
            submitted_at__lt=opened_before,
        )
        .select_related("evaluation__vendor")
        .prefetch_related(
            Prefetch("requirements", queryset=RequiredSignoff.objects.select_related("signature")),
            "signatures",
        )
        .order_by("submitted_at", "pk")
        if working_days_between(timezone.localdate(r.submitted_at), today) > limit
    ]
    members = {role: role_members(role) for role in {role for r in rounds for role in waiting_roles(r)}}
    may_see = visible(
        {u for people in members.values() for u in people},
        evaluations_for_user,
        [r.evaluation_id for r in rounds],
    )
    reminders = []
    for signoff_round in rounds:
        evaluation = signoff_round.evaluation
        signed = {s.signer_id for s in signoff_round.signatures.all()}
        waited = working_days_between(timezone.localdate(signoff_round.submitted_at), today)
        for role in waiting_roles(signoff_round):
            label = SigningRole(role).label
            for user in members[role]:
                if user.pk in signed or evaluation.pk not in may_see[user.pk]:
                    continue
                if not policies.can_sign(user, evaluation, role):
                    continue
                reminders.append(
                    Reminder(
                        kind="scorecards.signoff_escalation",
                        subject_key=f"round:{signoff_round.pk}:escalation:{role}",
                        user=user,
                        subject=f"Sign-off waiting {waited} working days: {evaluation.title}",
                        text=(
                            f"“{evaluation.title}” ({evaluation.vendor.name}) has waited {waited} working days "
                            f"for a {label} sign-off since it was submitted on "
                            f"{timezone.localtime(signoff_round.submitted_at):%-d %B %Y}. "
                            f"You can sign it as {label}."
                        ),
                        path=_link(evaluation),
                    )
                )
    return reminders


REEVALUATIONS_DUE = ReminderKind(
    name="scorecards.reevaluation_due",
    label="Re-evaluations due",
    compute=reevaluation_due_reminders,
)
SIGNOFF_ESCALATIONS = ReminderKind(
    name="scorecards.signoff_escalation",
    label="Sign-offs waiting for your role (escalation)",
    compute=signoff_escalation_reminders,
)
