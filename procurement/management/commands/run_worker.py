"""The background worker: requeue what a killed worker left, then work the task queue.

Run one with the web server (`make run` does); run several for more throughput, each its own
`manage.py run_worker` process (on PostgreSQL: SQLite takes one writer at a time).
"""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from procurement.tasks import registered_requeuers


class WorkerDied(Exception):
    """Marks a task whose worker stopped without finishing it (killed, out of memory, host lost)."""


class Command(BaseCommand):
    help = "Requeue work a killed worker left, then run the background task worker (django_tasks_db)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            default=None,
            help="Seconds after which a task still running is taken for dead and requeued "
            "(default: TASKS_STALE_AFTER_SECONDS; 0 when this is the only worker).",
        )
        parser.add_argument("--batch", action="store_true", help="Work the queue until empty, then exit.")
        parser.add_argument(
            "--interval", type=float, default=1, help="Seconds between polls of an empty queue."
        )

    def handle(self, *, stale_after, batch, interval, verbosity, **options):
        stale_after = settings.TASKS_STALE_AFTER_SECONDS if stale_after is None else stale_after
        counts = requeue_abandoned(stale_after=timedelta(seconds=stale_after))
        if verbosity:
            self.stdout.write("Requeued: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
        call_command(
            "db_worker",
            batch=batch,
            interval=interval,
            reload=False,
            startup_delay=False,
            verbosity=verbosity,
        )


def requeue_abandoned(*, stale_after: timedelta) -> dict[str, int]:
    """Put back on the queue what no live worker will finish: tasks left running too long (their
    worker died), then whatever each app says is owed without a task (a decided evaluation
    without its record, pending mail). Every task is idempotent, so requeueing one that was in
    fact still alive does its work once all the same."""
    cutoff = timezone.now() - stale_after
    dead = 0
    for result in DBTaskResult.objects.running().filter(started_at__lte=cutoff):
        with transaction.atomic():
            locked = DBTaskResult.objects.select_for_update().filter(pk=result.pk, status="RUNNING").first()
            if locked is None:
                continue  # finished meanwhile
            locked.set_failed(WorkerDied(f"worker {locked.worker_ids[-1:]} stopped while running this task"))
            locked.task.enqueue(*locked.args_kwargs["args"], **locked.args_kwargs["kwargs"])
            dead += 1
    owed = {requeue.__name__: requeue() for requeue in registered_requeuers()}
    return {"dead": dead, **owed}
