from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from procurement import demo


class Command(BaseCommand):
    help = "Load the demo data for local trial (idempotent). Refuses a production configuration."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Seed even with DEBUG off (never in production)."
        )
        parser.add_argument("--logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, force=False, logins=False, **options):
        if logins:
            self.print_logins()
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo users with DEBUG off: this looks like production. "
                "Use --force only on a throwaway database."
            )
        # The demo walks evaluations through sign-off; its notifications would only flood the console.
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        ):
            demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def print_logins(self):
        self.stdout.write("\nDemo logins (local trial only) - open http://127.0.0.1:8000/\n")
        for username, password, role in demo.logins():
            self.stdout.write(f"  {role:<24} {username:<10} {password}")
        self.stdout.write("")
