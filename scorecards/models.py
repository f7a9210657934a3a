"""Scorecard templates (versioned), evaluations, per-dimension scores and their evidence.

Rows change only through `scorecards.services`; models hold structure and constraints. A template
version that any evaluation uses is frozen: editing it creates the next version, so an old
evaluation keeps the questions and weights it was scored with.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from costs.models import Comparison
from procurement.auth_methods import Method as AuthMethod
from vendors.models import Contract, Vendor, WorkloadTier, iso_currency

from . import scoring


class DimensionKind(models.TextChoices):
    CAPACITY = "capacity", "Capacity availability"
    PORTABILITY = "portability", "Portability"
    RESILIENCE = "resilience", "Resilience"
    COMPLIANCE = "compliance", "Compliance"
    COMMERCIAL = "commercial", "Commercial flexibility"


class ScorecardTemplate(models.Model):
    """One version of a scorecard template; versions of the same template share a `key`."""

    key = models.SlugField(max_length=64, help_text="Stable identifier shared by every version.")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Retired templates stay readable for old evaluations but are not offered for new ones.
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"],
                name="scorecard_template_version_unique",
                violation_error_message="This version of the template already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Dimension(models.Model):
    template = models.ForeignKey(ScorecardTemplate, on_delete=models.CASCADE, related_name="dimensions")
    kind = models.CharField(max_length=32, choices=DimensionKind.choices)
    name = models.CharField(max_length=120)
    guiding_questions = models.TextField(help_text="One question per line.")
    weight = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Share of the total, in percent."
    )
    gate_minimum = models.PositiveSmallIntegerField(
        "hard-gate minimum",
        null=True,
        blank=True,
        validators=[MinValueValidator(scoring.MIN_SCORE), MaxValueValidator(scoring.MAX_SCORE)],
        help_text="A score below this blocks approval whatever the total. Leave empty for no gate.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "kind"],
                name="one_dimension_of_a_kind_per_template",
                violation_error_message="Each dimension appears once per template.",
            ),
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="dimension_weight_at_most_100"),
            models.CheckConstraint(
                condition=models.Q(gate_minimum__isnull=True)
                | models.Q(gate_minimum__gte=scoring.MIN_SCORE, gate_minimum__lte=scoring.MAX_SCORE),
                name="dimension_gate_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def question_list(self) -> list[str]:
        return [line.strip() for line in self.guiding_questions.splitlines() if line.strip()]


class DataSensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    REGULATED = "regulated", "Regulated (personal, health, financial or export-controlled)"


class Evaluation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting sign-off"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded"

    # States in which the content is frozen (sign-off under way or decision taken).
    FROZEN_STATES = frozenset({Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.SUPERSEDED})
    DECIDED_STATES = frozenset({Status.APPROVED, Status.REJECTED})

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="evaluations")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    template = models.ForeignKey(
        ScorecardTemplate,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name="scorecard template",
    )
    title = models.CharField(max_length=200)
    purpose = models.TextField(help_text="The need this decision serves, in a few sentences.")
    tier = models.CharField("workload tier", max_length=32, choices=WorkloadTier.choices)
    data_sensitivity = models.CharField(max_length=16, choices=DataSensitivity.choices)
    commitment_amount = models.DecimalField(
        "commitment under decision", max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    commitment_currency = models.CharField("currency", max_length=3, validators=[iso_currency], default="USD")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # The decided evaluation this one revises; when this one is decided, that one is superseded.
    revises = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions"
    )
    # Kept by the scoring service from the scores, so lists, trends and sorting need no joins.
    weighted_total = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    gates_passed = models.BooleanField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reevaluation_due = models.DateField("re-evaluation due", null=True, blank=True, db_index=True)
    # A saved (frozen) TCE comparison as commercial evidence: its snapshot is what is signed, so a
    # comparison an evaluation relies on cannot be deleted.
    tce_comparison = models.ForeignKey(
        Comparison,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name="TCE comparison",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["vendor", "-created_at"], name="evaluation_vendor_idx"),
            models.Index(fields=["status", "reevaluation_due"], name="evaluation_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weighted_total__isnull=True)
                | models.Q(weighted_total__gte=0, weighted_total__lte=100),
                name="evaluation_total_within_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.vendor})"

    def clean(self):
        if self.contract_id and self.vendor_id and self.contract.vendor_id != self.vendor_id:
            raise ValidationError({"contract": "This contract belongs to another vendor."})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN_STATES


class Score(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=scoring.SCORE_CHOICES,
        validators=[MinValueValidator(scoring.MIN_SCORE), MaxValueValidator(scoring.MAX_SCORE)],
    )
    rationale = models.TextField(blank=True, validators=[scoring.validate_rationale])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dimension__position", "dimension_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "dimension"], name="one_score_per_dimension"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | models.Q(score__gte=scoring.MIN_SCORE, score__lte=scoring.MAX_SCORE),
                name="score_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score or '—'}"

    def clean(self):
        if self.score is not None and not self.rationale.strip():
            raise ValidationError({"rationale": "Explain the score in a sentence or two."})


def evidence_file_path(instance, filename: str) -> str:
    # Never the uploader's file name on disk: it is kept in original_name for display only.
    extension = "pdf" if instance.content_type == "application/pdf" else "png"
    return f"evidence/{instance.score.evaluation_id}/{instance.sha256}.{extension}"


class Evidence(models.Model):
    """A link or an uploaded file (PDF or PNG) that supports one score's rationale."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to=evidence_file_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # Evidence brought in from elsewhere (a vendor's questionnaire answer): what it said, quoted,
    # and where it came from. Both enter the signed content and the decision record.
    excerpt = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            # Exactly one of a link or a file.
            models.CheckConstraint(
                condition=(models.Q(url="") & ~models.Q(file="")) | (~models.Q(url="") & models.Q(file="")),
                name="evidence_is_a_link_or_a_file",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_file(self) -> bool:
        return bool(self.file)

    @property
    def label(self) -> str:
        return self.title or self.original_name or self.url


# Sign-off (issue 6) ----------------------------------------------------------------------


class SigningRole(models.TextChoices):
    LEGAL = "legal", "Legal"
    FINANCE = "finance", "Finance"
    SECURITY = "security", "Security & compliance"
    PLATFORM = "platform", "Platform engineering"


class SignoffPolicy(models.Model):
    """A routing rule managed by admins: when an evaluation matches, `role` must sign.

    Conditions left empty match everything. When several active policies ask for the same role,
    the largest number of signers wins (e.g. "finance always" plus "a second finance signer above
    5M USD"), and the earliest stage.
    """

    name = models.CharField(max_length=200)
    role = models.CharField(max_length=16, choices=SigningRole.choices)
    signers = models.PositiveSmallIntegerField(
        "distinct signers required", default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    data_sensitivities = models.JSONField(
        default=list, blank=True, help_text="Only for these data sensitivities (empty: any)."
    )
    tiers = models.JSONField(
        default=list, blank=True, help_text="Only for these workload tiers (empty: any)."
    )
    min_commitment = models.DecimalField(
        "from a commitment of",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    commitment_currency = models.CharField(
        "in currency",
        max_length=3,
        blank=True,
        validators=[iso_currency],
        help_text="The currency of the threshold; evaluations in other currencies do not match it.",
    )
    # 0: in any order. Otherwise stages are signed in increasing order (stage 1 before stage 2).
    stage = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["stage", "role", "name"]
        verbose_name_plural = "sign-off policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_commitment__isnull=True) | ~models.Q(commitment_currency=""),
                name="signoff_policy_threshold_has_currency",
                violation_error_message="A commitment threshold needs its currency.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SignoffRound(models.Model):
    """One submission of an evaluation: the content signed, and the sign-offs it requires."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Awaiting signatures"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    # The canonical JSON text that was hashed, stored as is so the hash can be checked again.
    snapshot = models.TextField()
    content_hash = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "number"], name="one_round_number_per_evaluation"),
            # Two racing submissions cannot both open a round.
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=models.Q(outcome="open"),
                name="one_open_round_per_evaluation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · round {self.number}"


class RequiredSignoff(models.Model):
    """A sign-off a round needs: a role, and which of that role's signers (1st, 2nd)."""

    round = models.ForeignKey(SignoffRound, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(max_length=16, choices=SigningRole.choices)
    slot = models.PositiveSmallIntegerField(default=1)
    stage = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["stage", "role", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["round", "role", "slot"], name="one_requirement_per_role_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}{f' ({self.slot})' if self.slot > 1 else ''}"


class Signature(models.Model):
    """Who signed what: frozen at signing, never changed; void when its round is closed unsigned."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
        REJECT = "reject", "Reject"
        REQUEST_CHANGES = "request_changes", "Request changes"

    APPROVALS = frozenset({Decision.APPROVE, Decision.APPROVE_WITH_CONDITIONS})

    round = models.ForeignKey(SignoffRound, on_delete=models.PROTECT, related_name="signatures")
    requirement = models.OneToOneField(RequiredSignoff, on_delete=models.PROTECT, related_name="signature")
    role = models.CharField(max_length=16, choices=SigningRole.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    signer_name = models.CharField("signer's name at signing", max_length=300)
    decision = models.CharField(max_length=32, choices=Decision.choices)
    comment = models.TextField(blank=True)
    meaning = models.CharField("meaning shown to the signer", max_length=300)
    content_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    # The token of the form that was posted: a replayed request finds the signature it made.
    request_token = models.UUIDField(unique=True)
    # How the signer proved it was them just before signing (procurement.auth_methods).
    # Signatures from before this was recorded say "password": that was the only way then.
    authenticated_by = models.CharField(
        "authenticated by", max_length=16, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            # One person signs for one role only on a round, and each required sign-off once.
            models.UniqueConstraint(fields=["round", "signer"], name="one_signature_per_signer_per_round"),
            models.UniqueConstraint(
                fields=["round", "role", "requirement"], name="one_signature_per_role_slot_per_round"
            ),
            models.CheckConstraint(
                condition=models.Q(decision="approve") | ~models.Q(comment=""),
                name="signature_comment_unless_plain_approval",
                violation_error_message="Explain your decision in a comment.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} · {self.get_role_display()} · {self.get_decision_display()}"

    @property
    def is_approval(self) -> bool:
        return self.decision in self.APPROVALS


# Decision records (issue 7; owned by the `records` work: scorecards/records/) --------------
# Kept at the end of this file on purpose: sign-off models may be added above this block.


class DecisionRecordImmutable(Exception):
    pass


class DecisionRecordQuerySet(models.QuerySet):
    # A record is issued once and never changes; the guard says so before any query is sent.
    def update(self, **kwargs):
        raise DecisionRecordImmutable("A decision record is issued once and never changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise DecisionRecordImmutable("A decision record is issued once and never changed.")


class DecisionRecord(models.Model):
    """The PDF issued when an evaluation is decided, stored with its proof.

    `pdf` holds the exact bytes every download serves; `sha256` is their hash (what verification
    matches an uploaded file against). `content` is the canonical JSON snapshot of everything the
    document states, and `fingerprint` its SHA-256: printed in every page's footer and in the PDF's
    metadata (a file cannot contain its own hash, but it can carry the hash of its content).
    """

    class PageSize(models.TextChoices):
        A4 = "a4", "A4"
        LETTER = "letter", "Letter"

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="decision_record")
    number = models.CharField("record id", max_length=32, unique=True)
    decision = models.CharField(max_length=16, choices=Evaluation.Status.choices)
    pdf = models.BinaryField()
    size = models.PositiveIntegerField()
    page_count = models.PositiveSmallIntegerField()
    page_size = models.CharField(max_length=8, choices=PageSize.choices)
    sha256 = models.CharField(max_length=64, unique=True)
    content = models.TextField(help_text="Canonical JSON snapshot of what the record states.")
    fingerprint = models.CharField(max_length=64)
    audit_head_sequence = models.PositiveBigIntegerField()
    audit_head_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    render_ms = models.PositiveIntegerField(default=0)

    objects = DecisionRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DecisionRecordImmutable("A decision record is issued once and never changed.")
        super().save(*args, **kwargs)


class DecisionRecordFailure(models.Model):
    """A failed attempt to issue an evaluation's record: what went wrong, for the retry."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="record_failures")
    occurred_at = models.DateTimeField()
    error = models.TextField()
    # The chain head captured when the evaluation was decided, kept for the retry.
    audit_head_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    audit_head_hash = models.CharField(max_length=64, blank=True)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["evaluation", "-occurred_at"], name="record_failure_eval_idx")]

    def __str__(self) -> str:
        return f"{self.evaluation_id} at {self.occurred_at:%Y-%m-%d %H:%M}: {self.error[:60]}"
