import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scorecards import records


class Command(BaseCommand):
    help = (
        "Tell whether a PDF is a genuine decision record of this system (its SHA-256 equals a stored "
        "record's) and which evaluation it belongs to. Exit 0 only for a genuine record, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The PDF to check ('-' reads it from stdin).")

    def handle(self, *args, file: str, **options):
        data = self.read(file)
        result = records.decision_record_verify(data)
        lines = [result.headline]
        if result.record is not None:
            evaluation = result.record.evaluation
            lines.append(
                f"Evaluation #{evaluation.pk}: {evaluation.title} ({evaluation.vendor.name}); "
                f"{result.record.get_decision_display().lower()}, record issued "
                f"{result.record.issued_at:%Y-%m-%d %H:%M} UTC."
            )
        elif result.claims.get("evaluation"):
            lines.append(f"It names evaluation #{result.claims['evaluation']}.")
        lines += result.notes
        lines.append(f"SHA-256 of the file: {result.sha256}")
        if result.claims.get("fingerprint"):
            lines.append(f"Fingerprint it carries: {result.claims['fingerprint']}")
        if result.ok:
            self.stdout.write(self.style.SUCCESS(lines[0]))
            self.stdout.write("\n".join(lines[1:]))
            return
        self.stderr.write(self.style.ERROR(lines[0]))
        self.stderr.write("\n".join(lines[1:]))
        sys.exit(1)

    def read(self, file: str) -> bytes:
        limit = settings.MAX_UPLOAD_BYTES
        if file == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        if len(data) > limit:
            raise CommandError(f"{file} is larger than {limit // (1024 * 1024)} MB: no record is that big.")
        return data
