"""Who must sign: the sign-offs the active policies require of an evaluation, and who signs next."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from ..models import Evaluation, SigningRole, SignoffPolicy, SignoffRound


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


def is_signed(requirement) -> bool:
    """Whether a requirement (of an evaluation's round, or of a register package) has its signature."""
    try:
        return requirement.signature is not None
    except ObjectDoesNotExist:
        return False


def next_signers(signoff_round: SignoffRound) -> list:
    from django.contrib.auth import get_user_model

    requirements = [r for r in signoff_round.requirements.all() if not is_signed(r)]
    stages = sorted({r.stage for r in requirements if r.stage})
    roles = {r.role for r in requirements if not r.stage or (stages and r.stage == stages[0])}
    return list(
        get_user_model()
        .objects.filter(groups__name__in=roles, is_active=True)
        .exclude(pk=signoff_round.evaluation.author_id)
        .distinct()
    )
