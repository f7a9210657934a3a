import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procurement import audit


class Command(BaseCommand):
    help = (
        "Walk the audit chain and recompute every hash from the stored canonical text. "
        "Exit 0 with the event count and head hash, or 1 naming the first bad sequence."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="A head written earlier by --write-checkpoint (or '-' for stdin): the chain must "
            "still reach it with the same hash, which also catches a deleted tail or a rewritten chain.",
        )
        parser.add_argument(
            "--write-checkpoint",
            metavar="FILE",
            help="After a clean walk, write the head (sequence and hash, JSON) to FILE ('-' for stdout) "
            "for an external store.",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Events fetched per round trip (default 2000)."
        )

    def handle(self, *args, checkpoint=None, write_checkpoint=None, chunk_size=2000, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        anchor = self.read_checkpoint(checkpoint) if checkpoint else None
        result = audit.verify_chain(checkpoint=anchor, chunk_size=chunk_size)
        audit.record_verification(result, source="command")
        if not result.ok:
            self.stderr.write(
                self.style.ERROR(f"Audit chain FAILED at sequence {result.first_bad_sequence}.")
            )
            self.stderr.write(f"Event #{result.first_bad_sequence}: {result.problem}.")
            self.stderr.write(f"({result.event_count} events verified before it.)")
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain OK: {result.event_count} events, verified in {result.duration_ms} ms."
            )
        )
        if anchor is not None:
            self.stdout.write(f"Checkpoint #{anchor.sequence} matches.")
        self.stdout.write(f"Head: sequence {result.head.sequence}, hash {result.head.hash}")
        # One machine-readable line to hand to an external store (log shipper, WORM bucket, ticket).
        self.stdout.write(f"Checkpoint: {result.head.to_json()}")
        if write_checkpoint:
            self.write_checkpoint(write_checkpoint, result.head)

    def read_checkpoint(self, name: str) -> audit.Checkpoint:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
            return audit.Checkpoint.from_json(text)
        except OSError as exc:
            raise CommandError(f"Cannot read checkpoint {name}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise CommandError(f"Checkpoint {name} is not valid: {exc}") from exc

    def write_checkpoint(self, name: str, head: audit.Checkpoint) -> None:
        if name == "-":
            self.stdout.write(head.to_json())
            return
        try:
            Path(name).write_text(head.to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write checkpoint {name}: {exc.strerror or exc}") from exc
        self.stdout.write(f"Wrote checkpoint #{head.sequence} to {name}.")
