from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    # The database refuses these too on PostgreSQL (triggers); this stops them on SQLite and
    # says why before a query is sent.
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit events are append-only: they cannot be updated.")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError("Audit events are append-only: use procurement.audit.record().")


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    `canonical` is the exact text that was hashed; verification hashes it again as stored,
    never a re-serialisation of the other columns (PostgreSQL's jsonb reorders keys).
    Rows are written only by `procurement.audit.record` and never updated or deleted.
    """

    GENESIS_HASH = "0" * 64

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    # No database constraint and no cascade: deleting a user must neither fail on nor touch
    # the trail. The name snapshot keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    canonical = models.TextField()
    # Unique: two events claiming the same predecessor (a forked chain) cannot both commit.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-sequence"], name="audit_object_idx"),
            # The audit log's filters, each walked newest first without a sort (keyset pages).
            models.Index(fields=["action", "-sequence"], name="audit_action_seq_idx"),
            models.Index(fields=["object_type", "-sequence"], name="audit_type_seq_idx"),
            models.Index(fields=["object_type", "action", "-sequence"], name="audit_type_action_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        # A guard, not behaviour: an event, once written, is never written again.
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")


class AuditVerification(models.Model):
    """The outcome of one walk of the chain (`verify_audit` or the audit log page).

    Kept so the audit log shows when the chain was last proven whole, by whom, and up to
    which head; a failure keeps the first bad sequence and what was wrong with it.
    """

    verified_at = models.DateTimeField(db_index=True)
    ok = models.BooleanField()
    event_count = models.PositiveBigIntegerField()
    head_sequence = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    first_bad_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    checkpoint_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # Where it ran: the management command, or a person from the audit log page.
    source = models.CharField(max_length=20)
    requested_by = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-verified_at", "-pk"]
        get_latest_by = ["verified_at", "pk"]

    def __str__(self) -> str:
        outcome = "intact" if self.ok else f"broken at #{self.first_bad_sequence}"
        return f"{self.verified_at:%Y-%m-%d %H:%M} {outcome} ({self.event_count} events)"


class ApiToken(models.Model):
    """A personal API token, sent as `Authorization: Bearer <token>`.

    Only the SHA-256 digest of the token is stored (the token is 256 random bits, so a plain
    hash is enough: nothing to brute-force); the token itself is shown once, when created.
    Written only by `procurement.api_tokens`; revoked tokens are kept for the record.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “ERP vendor sync”.")
    # The first characters of the token, so its owner can tell tokens apart in lists and logs.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope(self) -> str:
        return "read" if self.read_only else "read-write"

    def is_expired(self, now) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_active(self, now) -> bool:
        return self.revoked_at is None and not self.is_expired(now)


class OutgoingMail(models.Model):
    """One mail to one person, stored in the transaction that caused it and sent by a task.

    Written by procurement.mail.mail_enqueue and procurement.tasks.mail_send only. `key` says
    what the mail reports (e.g. "signoff.signed:12:7"): a second mail with the same key is never
    queued, so re-running whatever queued it sends nothing twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=300, unique=True)  # reminder keys hold a subject key of 200
    to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    address = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoing_mail_status_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.address} ({self.status})"


class Delivery(models.TextChoices):
    """How a person receives one kind of reminder."""

    IMMEDIATE = "immediate", "A mail for each reminder"
    DIGEST = "digest", "One daily digest"
    NONE = "none", "No mail"


class ReminderPreference(models.Model):
    """A person's choice for one kind of reminder; no row means `Delivery.IMMEDIATE`.

    Written only by `procurement.reminders.reminder_preferences_update` (audited)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_reminder_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {self.delivery}"


class Notified(models.Model):
    """The fact that one person was reminded of one thing: `send_reminders` never tells them twice.

    `subject_key` names the thing and the occasion, e.g. "contract:12:notice:2027-03-01:90" (the
    contract, its notice deadline, the 90-day threshold): a changed deadline is a new occasion.
    `delivery` says how it went out; "none" rows are kept too, so a person who turns a kind back
    on later is not sent every old reminder at once. Kind "digest" marks a person's daily digest
    (key: the date).
    """

    kind = models.CharField(max_length=60)
    subject_key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    notified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key", "user"], name="notified_once_per_person"),
        ]
        indexes = [models.Index(fields=["user", "kind"], name="notified_user_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key} → {self.user}"


class SignInPolicy(models.Model):
    """The admin's sign-in policy: one row (edited in the admin, audited there).

    Blank fields leave the environment's setting in force (TWO_FACTOR_REQUIRED)."""

    class TwoFactor(models.TextChoices):
        NONE = "none", "Nobody (optional for everyone)"
        SIGNERS = "signers", "Signers: legal, finance, security, platform, and admins"
        ALL = "all", "Everyone"

    two_factor_required = models.CharField(
        "second factor required for",
        max_length=16,
        choices=TwoFactor.choices,
        blank=True,
        help_text="Blank: the TWO_FACTOR_REQUIRED setting decides. Applies from each person's next sign-in.",
    )

    class Meta:
        verbose_name = "sign-in policy"
        verbose_name_plural = "sign-in policy"

    def __str__(self) -> str:
        return "Sign-in policy"
