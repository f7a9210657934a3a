"""The vendor register's reminders: notice deadlines (at 90, 30 and 7 days) and contracts expiring."""

import datetime as dt

from procurement import policies
from procurement.reminders import Reminder, ReminderKind, role_members, visible

from .models import Contract
from .selectors import contracts_for

NOTICE_THRESHOLDS = (90, 30, 7)  # days before the notice deadline, largest first
EXPIRY_DAYS = 30


def notice_threshold(days_left: int) -> int | None:
    """The threshold whose reminder is due with `days_left` until the deadline: the smallest one
    reached. A day missed (the job did not run) still gets that threshold's reminder, once."""
    if days_left < 0:
        return None
    reached = [threshold for threshold in NOTICE_THRESHOLDS if days_left <= threshold]
    return reached[-1] if reached else None


def _active_between(start: dt.date, end: dt.date, field: str) -> list[Contract]:
    return list(
        Contract.objects.filter(status=Contract.Status.ACTIVE, **{f"{field}__range": (start, end)})
        .select_related("vendor__owner")
        .order_by(field, "pk")
    )


def _to_each(contracts: list[Contract], role: str, make) -> list[Reminder]:
    """`make(contract, user)` for the vendor's owner and each member of `role`, where they may see it."""
    members = role_members(role)
    recipients = {
        contract.pk: list({u.pk: u for u in [contract.vendor.owner, *members] if u and u.is_active}.values())
        for contract in contracts
    }
    users = {user.pk: user for people in recipients.values() for user in people}
    may_see = visible(users.values(), contracts_for, [c.pk for c in contracts])
    return [
        make(contract, user)
        for contract in contracts
        for user in recipients[contract.pk]
        if contract.pk in may_see[user.pk]
    ]


def notice_deadline_reminders(today: dt.date) -> list[Reminder]:
    contracts = _active_between(today, today + dt.timedelta(days=max(NOTICE_THRESHOLDS)), "notice_deadline")

    def make(contract: Contract, user) -> Reminder:
        days_left = (contract.notice_deadline - today).days
        threshold = notice_threshold(days_left)
        return Reminder(
            kind="vendors.notice_deadline",
            subject_key=f"contract:{contract.pk}:notice:{contract.notice_deadline.isoformat()}:{threshold}",
            user=user,
            subject=f"Notice deadline in {days_left} days: {contract.vendor.name} {contract.reference}",
            text=(
                f"Notice on {contract.vendor.name}'s contract {contract} must be given by "
                f"{contract.notice_deadline:%-d %B %Y} ({days_left} days from today); otherwise it "
                f"{'renews automatically' if contract.auto_renewal else 'ends'} on {contract.end_date:%-d %B %Y}."
            ),
            path=contract.get_absolute_url(),
        )

    return _to_each(contracts, policies.LEGAL, make)


def contract_expiring_reminders(today: dt.date) -> list[Reminder]:
    contracts = _active_between(today, today + dt.timedelta(days=EXPIRY_DAYS), "end_date")

    def make(contract: Contract, user) -> Reminder:
        days_left = (contract.end_date - today).days
        return Reminder(
            kind="vendors.contract_expiring",
            subject_key=f"contract:{contract.pk}:expires:{contract.end_date.isoformat()}",
            user=user,
            subject=f"Contract ends in {days_left} days: {contract.vendor.name} {contract.reference}",
            text=f"{contract.vendor.name}'s contract {contract} ends on {contract.end_date:%-d %B %Y}.",
            path=contract.get_absolute_url(),
        )

    return _to_each(contracts, policies.PROCUREMENT, make)


NOTICE_DEADLINES = ReminderKind(
    name="vendors.notice_deadline",
    label="Contract notice deadlines (90, 30 and 7 days before)",
    compute=notice_deadline_reminders,
)
CONTRACTS_EXPIRING = ReminderKind(
    name="vendors.contract_expiring",
    label=f"Contracts ending within {EXPIRY_DAYS} days",
    compute=contract_expiring_reminders,
)
