"""How a person proved it was them just before a deliberate act (a signature keeps it)."""

from django.db import models


class Method(models.TextChoices):
    PASSWORD = "password", "password"
    TOTP = "totp", "TOTP"
    RECOVERY_CODE = "recovery_code", "recovery code"
    PASSKEY = "passkey", "passkey"
    SSO = "sso", "SSO"
