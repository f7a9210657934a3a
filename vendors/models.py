"""The vendor register: vendors, their contracts, capacity lines, documents and exit-rights clauses.

Rows change only through `vendors.services`; models hold structure and constraints, no workflow.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class Layer(models.Model):
    """A layer of the stack a vendor can supply (compute, storage, ...). Seeded by a migration."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CapacityBand(models.TextChoices):
    COMMITTED = "committed", "Committed"
    BURST = "burst", "Burst"
    EMERGENCY = "emergency", "Emergency"


class WorkloadTier(models.TextChoices):
    HOT_INFERENCE = "hot_inference", "Hot inference"
    NEARLINE_BATCH = "nearline_batch", "Nearline batch"
    EXPERIMENTAL_TRAINING = "experimental_training", "Experimental training"
    RESERVE = "reserve", "Reserve"


class Vendor(models.Model):
    class Kind(models.TextChoices):
        HYPERSCALER = "hyperscaler", "Hyperscaler"
        NEOCLOUD = "neocloud", "Neocloud"
        BARE_METAL = "bare_metal", "Bare-metal host"
        COLOCATION = "colocation", "Colocation"
        MANAGED_SERVICE = "managed_service", "Managed service"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ACTIVE = "active", "Active"
        EXITING = "exiting", "Exiting"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=200)
    legal_entity = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    hq_jurisdiction = models.CharField("headquarters jurisdiction", max_length=100)
    processing_regions = models.JSONField(
        "regions where data is processed",
        default=list,
        blank=True,
        help_text="Region names or codes, e.g. eu-west, us-east, Tokyo.",
    )
    layers = models.ManyToManyField(Layer, blank=True, related_name="vendors")
    # A neocloud hosted on a hyperscaler shares its fate: an outage there is an outage here.
    runs_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_vendors",
        verbose_name="runs on",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROSPECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_vendors",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="vendor_name_unique_ci",
                violation_error_message="A vendor with this name already exists.",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"], name="vendor_kind_status_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-detail", args=[self.pk])


iso_currency = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 currency code, e.g. USD or EUR.")


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        NEGOTIATING = "negotiating", "Negotiating"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    start_date = models.DateField()
    end_date = models.DateField()
    auto_renewal = models.BooleanField(default=False)
    notice_period_days = models.PositiveIntegerField(default=90)
    # end_date - notice_period_days, kept by the service so dashboards can filter and sort on it.
    notice_deadline = models.DateField(editable=False, db_index=True)
    committed_spend = models.DecimalField(max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[iso_currency], default="USD")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Active kinds of exit right not present or negotiated. Kept by the services that change
    # clauses, contracts and kinds (`vendors.services.exit_rights_recount`), in their transaction,
    # so lists, filters and the dashboard read it instead of counting clauses.
    exit_rights_missing = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor__name", "reference"]
        constraints = [
            models.UniqueConstraint(
                "vendor",
                Lower("reference"),
                name="contract_reference_unique_per_vendor",
                violation_error_message="This vendor already has a contract with this reference.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="contract_ends_after_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "end_date"], name="contract_status_end_idx"),
            # The dashboard's counts: active contracts by notice deadline, open ones with a gap.
            models.Index(fields=["status", "notice_deadline"], name="contract_status_notice_idx"),
            models.Index(fields=["status", "exit_rights_missing"], name="contract_status_missing_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("vendors:contract-detail", args=[self.pk])

    def compute_notice_deadline(self):
        return self.end_date - timedelta(days=self.notice_period_days)


class CapacityLine(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="capacity_lines")
    accelerator_model = models.CharField(max_length=100)
    count = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    region = models.CharField(max_length=100)
    band = models.CharField(max_length=16, choices=CapacityBand.choices, default=CapacityBand.COMMITTED)

    class Meta:
        ordering = ["band", "accelerator_model", "region"]

    def __str__(self) -> str:
        return f"{self.count} × {self.accelerator_model} in {self.region} ({self.get_band_display()})"


def contract_document_path(instance, filename: str) -> str:
    # Never the uploader's file name on disk: it is kept in original_name for display only.
    return f"contracts/{instance.contract_id}/{instance.sha256}.pdf"


class ContractDocument(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=contract_document_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ExitRightKind(models.Model):
    """A kind of exit right every contract is checked for. Seeded by a migration; admins may add more."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ExitRightClause(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        NEGOTIATED = "negotiated", "Negotiated"
        MISSING = "missing", "Missing"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    kind = models.ForeignKey(ExitRightKind, on_delete=models.PROTECT, related_name="clauses")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.MISSING)
    reference = models.CharField("clause reference", max_length=64, blank=True)
    text = models.TextField(blank=True)
    notice_days = models.PositiveIntegerField(null=True, blank=True)
    fees = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind__position"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind"], name="one_clause_per_kind_per_contract"),
        ]
        # Covers "which contracts have every exit right" (status and kind searched, contract grouped):
        # the whole register is checked from the index alone.
        indexes = [models.Index(fields=["status", "kind", "contract"], name="clause_coverage_filter_idx")]

    def __str__(self) -> str:
        return f"{self.kind.name}: {self.get_status_display()}"


# Workloads, dependencies and failover rehearsals ------------------------------------------
# Written only by `vendors.workloads`; concentration maths lives in `vendors.concentration`.


class Criticality(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class LatencySensitivity(models.TextChoices):
    INTERACTIVE = "interactive", "Interactive: milliseconds matter"
    NEAR_REAL_TIME = "near_real_time", "Near real time: seconds"
    BATCH = "batch", "Batch: minutes to hours"
    TOLERANT = "tolerant", "Tolerant: can wait days"


class Workload(models.Model):
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_workloads",
    )
    team = models.CharField("owning team", max_length=120, blank=True)
    tier = models.CharField(max_length=32, choices=WorkloadTier.choices)
    criticality = models.CharField(max_length=16, choices=Criticality.choices, default=Criticality.MEDIUM)
    rpo_minutes = models.PositiveIntegerField(
        "RPO target (minutes)",
        help_text="Recovery point objective: the most data, in minutes of writes, a failover may lose.",
    )
    rto_minutes = models.PositiveIntegerField(
        "RTO target (minutes)",
        validators=[MinValueValidator(1)],
        help_text="Recovery time objective: how long the workload may be down before it runs elsewhere.",
    )
    latency_sensitivity = models.CharField(
        max_length=16, choices=LatencySensitivity.choices, default=LatencySensitivity.BATCH
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="workload_name_unique_ci",
                violation_error_message="A workload with this name already exists.",
            ),
        ]
        indexes = [models.Index(fields=["criticality", "tier"], name="workload_crit_tier_idx")]

    def __str__(self) -> str:
        return self.name


class Dependency(models.Model):
    """A workload relies on a vendor for one layer; compute also names the capacity band.

    `amount` is accelerators (GPUs) for compute, and for every other layer the share of the
    workload's need on that layer, in percent.
    """

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="dependencies")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="dependencies")
    layer = models.ForeignKey(Layer, on_delete=models.PROTECT, related_name="dependencies")
    band = models.CharField("capacity band", max_length=16, choices=CapacityBand.choices, blank=True)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    region = models.CharField(max_length=100, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(
                models.F("workload"),
                models.F("vendor"),
                models.F("layer"),
                models.F("band"),
                Lower("region"),
                name="one_dependency_per_vendor_layer_band_region",
                violation_error_message=(
                    "This workload already depends on this vendor for this layer, band and region: "
                    "change that row's amount instead."
                ),
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="dependency_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["vendor", "layer"], name="dependency_vendor_layer_idx"),
            models.Index(fields=["workload", "layer"], name="dependency_workload_layer_idx"),
        ]

    def __str__(self) -> str:
        band = f" ({self.get_band_display()})" if self.band else ""
        return f"{self.workload} → {self.vendor}: {self.layer}{band}"

    def clean(self):
        errors = {}
        if self.layer_id is not None:
            is_compute = self.layer.code == COMPUTE_LAYER
            if is_compute and not self.band:
                errors["band"] = "Compute needs a capacity band: committed, burst or emergency."
            if not is_compute and self.band:
                errors["band"] = "Capacity bands apply to compute only; leave the band empty."
            if not is_compute and self.amount is not None and self.amount > 100:
                errors["amount"] = (
                    "For layers other than compute the amount is a share in percent (at most 100)."
                )
        if errors:
            raise ValidationError(errors)


COMPUTE_LAYER = "compute"


class RehearsalScenario(models.TextChoices):
    GPU_SHORTAGE = "gpu_shortage", "GPU shortage"
    REGION_OUTAGE = "region_outage", "Region outage"
    BILLING_SPIKE = "billing_spike", "Billing spike"
    ARTIFACT_CORRUPTION = "artifact_corruption", "Model-artifact corruption"
    PROVIDER_EXIT = "provider_exit", "Provider exit"
    CUSTOM = "custom", "Custom scenario"


def within_target(achieved: int | None, target: int) -> bool:
    """A recovery time or data loss met its target; nothing achieved (not recovered) never does."""
    return achieved is not None and achieved <= target


class Rehearsal(models.Model):
    """One failover rehearsal of a workload: evidence that redundancy works, not theory."""

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed: recovered within targets"
        PARTIAL = "partial", "Partly recovered, with issues"
        FAILED = "failed", "Failed: did not recover"

    workload = models.ForeignKey(Workload, on_delete=models.PROTECT, related_name="rehearsals")
    scenario = models.CharField(max_length=32, choices=RehearsalScenario.choices)
    custom_scenario = models.CharField("custom scenario", max_length=200, blank=True)
    vendor = models.ForeignKey(
        Vendor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rehearsals",
        verbose_name="vendor failed over from",
    )
    performed_on = models.DateField("date")
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="rehearsals")
    other_participants = models.CharField(
        max_length=300, blank=True, help_text="People outside this register, e.g. the vendor's engineers."
    )
    recovery_minutes = models.PositiveIntegerField(
        "achieved recovery time (minutes)",
        null=True,
        blank=True,
        help_text="Leave empty if the workload did not recover.",
    )
    data_loss_minutes = models.PositiveIntegerField("data lost (minutes of writes)", null=True, blank=True)
    # The workload's targets when the rehearsal was recorded: evidence is judged against
    # the targets in force at the time, not whatever they were changed to later.
    rto_target_minutes = models.PositiveIntegerField(editable=False)
    rpo_target_minutes = models.PositiveIntegerField(editable=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    follow_up_actions = models.TextField("follow-up actions", blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-performed_on", "-pk"]
        indexes = [models.Index(fields=["workload", "-performed_on"], name="rehearsal_workload_date_idx")]

    def __str__(self) -> str:
        return f"{self.workload}: {self.scenario_label} on {self.performed_on:%d %b %Y}"

    @property
    def scenario_label(self) -> str:
        if self.scenario == RehearsalScenario.CUSTOM and self.custom_scenario:
            return self.custom_scenario
        return self.get_scenario_display()

    @property
    def met_rto(self) -> bool:
        return within_target(self.recovery_minutes, self.rto_target_minutes)

    @property
    def met_rpo(self) -> bool:
        return within_target(self.data_loss_minutes, self.rpo_target_minutes)

    def clean(self):
        errors = {}
        if self.scenario == RehearsalScenario.CUSTOM and not self.custom_scenario.strip():
            errors["custom_scenario"] = "Name the custom scenario."
        if self.scenario != RehearsalScenario.CUSTOM and self.custom_scenario:
            errors["custom_scenario"] = "Only a custom scenario takes a name of its own."
        if self.performed_on and self.performed_on > timezone.localdate():
            errors["performed_on"] = "A rehearsal is recorded after it took place, not before."
        if self.outcome == self.Outcome.FAILED and self.recovery_minutes is not None:
            errors["recovery_minutes"] = "A failed rehearsal did not recover: leave the recovery time empty."
        if self.outcome != self.Outcome.FAILED and self.recovery_minutes is None:
            errors["recovery_minutes"] = "Record how long recovery took."
        if (
            self.outcome == self.Outcome.PASSED
            and self.rto_target_minutes is not None
            and self.rpo_target_minutes is not None
        ):
            if not self.met_rto:
                errors["outcome"] = (
                    "Recovery took longer than the RTO target: record the outcome as partial or failed."
                )
            elif self.data_loss_minutes is None or not self.met_rpo:
                errors["outcome"] = "A pass needs the data loss recorded and within the RPO target."
        if errors:
            raise ValidationError(errors)
