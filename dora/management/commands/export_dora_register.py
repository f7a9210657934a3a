"""Write the register of information's reporting package (xBRL-CSV ZIP) to a folder.

    manage.py export_dora_register --ref-date 2026-12-31 [--output DIR]

Refuses while the lint finds anything blocking (and lists it). The file written here is for
review; the package sent to the authority is generated and signed off on the register page.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dora import lint, package, register


class Command(BaseCommand):
    help = "Write the DORA register of information package (ZIP) for a reference date."

    def add_arguments(self, parser):
        parser.add_argument("--ref-date", required=True, help="Reference date, YYYY-MM-DD (31 December).")
        parser.add_argument("--output", default=".", help="Folder to write the ZIP into (default: here).")
        parser.add_argument(
            "--consolidated", action="store_true", help="Report on a consolidated basis (CON)."
        )

    def handle(self, *args, ref_date, output, consolidated, **options):
        try:
            day = date.fromisoformat(ref_date)
        except ValueError as error:
            raise CommandError(f"--ref-date: {ref_date!r} is not a date (YYYY-MM-DD).") from error
        if not package.ref_period_ok(day):
            raise CommandError("--ref-date: the register is reported as at 31 December.")
        folder = Path(output)
        if not folder.is_dir():
            raise CommandError(f"--output: {folder} is not a folder.")
        created = timezone.now()
        reg = register.build(day, reporting_date=timezone.localdate(created))
        findings = lint.lint(reg)
        blocking = lint.blocking(findings)
        if blocking:
            for finding in blocking:
                self.stderr.write(f"{finding.template} {finding.column} {finding.label}: {finding.message}")
            raise CommandError(f"{len(blocking)} blocking finding(s): nothing written.")
        try:
            built = package.build(reg, created, consolidated=consolidated)
        except package.PackageRefused as error:
            raise CommandError(str(error)) from error
        path = folder / built.filename
        path.write_bytes(built.data)
        rows = sum(len(r) for r in reg.rows.values())
        self.stdout.write(f"{path}\n{rows} rows, {len(findings)} warning(s), sha256 {built.sha256}")
