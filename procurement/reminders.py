"""Reminders: things people must act on by a date, mailed to them once each.

Each app registers its kinds of reminder in its `AppConfig.ready()`, like dashboard panels:

    register_reminders(ReminderKind(name="vendors.notice_deadline", label=..., compute=...))

A kind's `compute(today)` returns the reminders due that day, each to one person and about
something that person may see (kinds scope their reads with the apps' selectors, see `visible`).
`reminders_send` (run daily by `manage.py send_reminders`) mails the ones not sent before, as each
person chose on their profile page: a mail each, one daily digest, or none.

Once is kept in the database (`Notified`), never trusted to the mail queue: running twice sends
nothing twice. A reminder that a person's preference silences is marked too, so turning the kind
back on later sends only what falls due from then on, not a backlog.
"""

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from . import audit
from .mail import mail_enqueue
from .models import Delivery, Notified, ReminderPreference

logger = logging.getLogger(__name__)

DIGEST_KIND = "digest"


@dataclasses.dataclass(frozen=True)
class Reminder:
    """One reminder to one person. `text` is what the mail says (nothing secret); `path` the page."""

    kind: str
    subject_key: str
    user: object
    subject: str
    text: str
    path: str

    @property
    def url(self) -> str:
        return site_url(self.path)


@dataclasses.dataclass(frozen=True)
class ReminderKind:
    name: str
    label: str  # what the profile page calls it, e.g. "Contract notice deadlines (90, 30, 7 days)"
    compute: Callable[[dt.date], Iterable[Reminder]]


REMINDER_KINDS: dict[str, ReminderKind] = {}
# Reminders to people outside the register (vendor contacts, who have no account, profile or
# preferences): each sender mails what is due `today` once, keyed by occasion, and says how many.
EXTERNAL_REMINDERS: list[Callable[[dt.date], int]] = []


def register_reminders(*kinds: ReminderKind) -> None:
    """Add kinds of reminder; registering one twice (ready() run again in tests) is harmless."""
    for kind in kinds:
        REMINDER_KINDS[kind.name] = kind


def register_external_reminders(*senders: Callable[[dt.date], int]) -> None:
    for sender in senders:
        if sender not in EXTERNAL_REMINDERS:
            EXTERNAL_REMINDERS.append(sender)


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# Helpers for the apps' kinds ------------------------------------------------------------------


def role_members(*roles: str) -> list:
    """Active people holding any of `roles`."""
    return list(get_user_model().objects.filter(groups__name__in=roles, is_active=True).distinct())


def visible(users: Iterable, scoped: Callable[[object], QuerySet], ids: Iterable[int]) -> dict[int, set[int]]:
    """Which of `ids` each user may see, by the app's own selector `scoped(user)` (one query each)."""
    ids = list(ids)
    seen: dict[int, set[int]] = {}
    for user in users:
        if user.pk not in seen:
            seen[user.pk] = (
                set(scoped(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
            )
    return seen


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days after `start`, up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(1, rest + 1):
        if (start + dt.timedelta(days=offset)).weekday() < 5:
            days += 1
    return days


# Preferences ------------------------------------------------------------------------------------


def preferences_of(user) -> dict[str, str]:
    """The person's delivery for every registered kind (immediate unless they chose otherwise)."""
    chosen = dict(ReminderPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {name: chosen.get(name, Delivery.IMMEDIATE) for name in REMINDER_KINDS}


@transaction.atomic(durable=True)
def reminder_preferences_update(*, actor, choices: Mapping[str, str]) -> dict[str, str]:
    """Set the actor's own delivery per kind; one audit event when anything changed."""
    unknown = set(choices) - set(REMINDER_KINDS)
    if unknown or any(value not in Delivery.values for value in choices.values()):
        raise ValueError(f"Unknown reminder kinds or deliveries: {sorted(unknown) or dict(choices)}")
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    before = preferences_of(actor)
    after = {**before, **choices}
    for kind, delivery in choices.items():
        if before[kind] != delivery:
            ReminderPreference.objects.update_or_create(
                user=actor, kind=kind, defaults={"delivery": delivery}
            )
    changes = audit.diff(before, after)
    if changes:
        audit.record(actor=actor, action="reminder_preferences.update", obj=actor, changes=changes)
    return after


# Sending ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class SendOutcome:
    due: int = 0  # reminders computed for the day, sent before or not
    immediate: int = 0  # mails of one reminder
    digests: int = 0  # digest mails
    in_digests: int = 0  # reminders those digests hold
    silenced: int = 0  # marked without a mail: the person chose "none"
    held: int = 0  # for a person whose digest of the day already went: tomorrow's digest
    external: int = 0  # mails to people outside the register (vendor contacts)

    @property
    def mails(self) -> int:
        return self.immediate + self.digests + self.external


def due_reminders(today: dt.date) -> list[Reminder]:
    """Every registered kind's reminders for `today`, one per (kind, subject, person)."""
    unique: dict[tuple, Reminder] = {}
    for kind in REMINDER_KINDS.values():
        for reminder in kind.compute(today):
            unique.setdefault((reminder.kind, reminder.subject_key, reminder.user.pk), reminder)
    return list(unique.values())


def reminders_send(*, today: dt.date | None = None) -> SendOutcome:
    """Mail the reminders due `today` that nobody was told of yet, per person's preferences.

    One transaction per person: their `Notified` rows and mails commit together (mail goes out on
    commit). Two runs at once cannot both tell a person: the second one's insert hits the unique
    constraint, its transaction for that person rolls back, and the first run's mail stands.
    """
    today = today or timezone.localdate()
    due = due_reminders(today)
    outcome = SendOutcome(due=len(due))
    for sender in EXTERNAL_REMINDERS:
        outcome.external += sender(today)
    if not due:
        return outcome
    user_ids = {r.user.pk for r in due}
    already = set(
        Notified.objects.filter(
            user_id__in=user_ids,
            kind__in={r.kind for r in due},
            subject_key__in={r.subject_key for r in due},
        ).values_list("kind", "subject_key", "user_id")
    )
    fresh: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in due:
        if (reminder.kind, reminder.subject_key, reminder.user.pk) not in already:
            fresh[reminder.user.pk].append(reminder)
    preferences: dict[tuple[int, str], str] = {
        (user_id, kind): delivery
        for user_id, kind, delivery in ReminderPreference.objects.filter(user_id__in=fresh).values_list(
            "user_id", "kind", "delivery"
        )
    }
    digest_key = today.isoformat()
    digest_sent = set(
        Notified.objects.filter(kind=DIGEST_KIND, subject_key=digest_key, user_id__in=fresh).values_list(
            "user_id", flat=True
        )
    )
    for user_id, reminders in fresh.items():
        by_delivery: dict[str, list[Reminder]] = defaultdict(list)
        for reminder in reminders:
            by_delivery[preferences.get((user_id, reminder.kind), Delivery.IMMEDIATE)].append(reminder)
        if user_id in digest_sent and by_delivery[Delivery.DIGEST]:
            # Today's digest went out already: these wait for tomorrow's (not marked yet).
            outcome.held += len(by_delivery.pop(Delivery.DIGEST))
        try:
            _send_to_person(reminders[0].user, by_delivery, today, outcome)
        except IntegrityError:
            logger.warning("reminders for user %s were sent by another run at the same time", user_id)
    return outcome


def _send_to_person(
    user, by_delivery: Mapping[str, list[Reminder]], today: dt.date, outcome: SendOutcome
) -> None:
    now = timezone.now()
    counts = SendOutcome()
    with transaction.atomic():
        rows = [
            Notified(kind=r.kind, subject_key=r.subject_key, user=user, delivery=delivery, notified_at=now)
            for delivery, reminders in by_delivery.items()
            for r in reminders
        ]
        digest = by_delivery.get(Delivery.DIGEST, [])
        if digest:
            rows.append(
                Notified(
                    kind=DIGEST_KIND,
                    subject_key=today.isoformat(),
                    user=user,
                    delivery=Delivery.DIGEST,
                    notified_at=now,
                )
            )
        Notified.objects.bulk_create(rows)
        for reminder in by_delivery.get(Delivery.IMMEDIATE, []):
            sent = mail_enqueue(
                key=f"reminder:{reminder.kind}:{reminder.subject_key}:user:{user.pk}",
                to=user,
                subject=reminder.subject,
                template="reminder",
                context={
                    "reminder": reminder,
                    "kind": REMINDER_KINDS[reminder.kind],
                    "profile_url": site_url(reverse("profile")),
                },
            )
            counts.immediate += sent is not None
        if digest:
            sent = mail_enqueue(
                key=f"digest:{today.isoformat()}:user:{user.pk}",
                to=user,
                subject=f"Reminders for {today:%A %-d %B %Y}: {len(digest)} to act on",
                template="reminder_digest",
                context={
                    "today": today,
                    "groups": _digest_groups(digest),
                    "profile_url": site_url(reverse("profile")),
                },
            )
            counts.digests += sent is not None
            counts.in_digests += len(digest) if sent is not None else 0
        counts.silenced = len(by_delivery.get(Delivery.NONE, []))
    # Counted once the person's transaction went through.
    outcome.immediate += counts.immediate
    outcome.digests += counts.digests
    outcome.in_digests += counts.in_digests
    outcome.silenced += counts.silenced


def _digest_groups(reminders: list[Reminder]) -> list[dict]:
    by_kind: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        by_kind[reminder.kind].append(reminder)
    return [
        {"label": REMINDER_KINDS[name].label, "reminders": by_kind[name]}
        for name in REMINDER_KINDS
        if name in by_kind
    ]
