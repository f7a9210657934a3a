from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from procurement import api_tokens


class Command(BaseCommand):
    help = (
        "Create a personal API token for a user and print it once (audited). "
        "People create their own on their profile page; this is for operators and scripts."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Command-line token", help="What the token is for.")
        parser.add_argument(
            "--write",
            action="store_true",
            help="Allow writes (as the user's roles allow). Default: read only.",
        )
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=90,
            help=f"Days until it expires (1 to {api_tokens.MAX_LIFETIME_DAYS}; 0 for never). Default 90.",
        )

    def handle(self, *args, username, name, write, expires_in_days, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the username {username!r}.")
        if expires_in_days < 0:
            raise CommandError("--expires-in-days cannot be negative.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            created = api_tokens.api_token_create(
                actor=None,
                owner=user,
                name=name,
                read_only=not write,
                expires_at=expires_at,
                via="manage.py create_api_token",
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except api_tokens.TokenError as exc:
            raise CommandError(str(exc)) from exc
        token = created.token
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
        self.stderr.write(f"Token “{token.name}” for {username}: {token.scope}, {expiry}. Shown once:")
        self.stdout.write(created.secret)
