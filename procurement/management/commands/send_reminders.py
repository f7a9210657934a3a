import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from procurement import reminders


class Command(BaseCommand):
    help = (
        "Mail the reminders due today (notice deadlines, contracts ending, re-evaluations, overdue "
        "rehearsals, late sign-offs) that nobody was told of yet, as each person chose. Run it daily; "
        "running it again the same day sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="Compute the reminders as on this day instead of today (tests, backfill after an outage).",
        )

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD: {exc}") from exc
        started = time.monotonic()
        outcome = reminders.reminders_send(today=today)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{outcome.due} reminders due; {outcome.mails} mails sent "
            f"({outcome.immediate} single, {outcome.digests} digests holding {outcome.in_digests}); "
            f"{outcome.silenced} silenced by preference, {outcome.held} held for tomorrow's digest; "
            f"{outcome.external} to vendor contacts; "
            f"{elapsed:.2f}s."
        )
