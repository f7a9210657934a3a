"""Resilience: the workloads that run on the register's vendors, what each depends on (vendor,
layer, capacity band, region) and the failover rehearsals that prove the redundancy works.

Rows change only through `resilience.services`; the concentration maths over them lives in
`resilience.concentration`. The tables keep their first names (vendors_workload, ...): the models
moved here from the vendors app without the database noticing.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from vendors.models import COMPUTE_LAYER, CapacityBand, Layer, Vendor, WorkloadTier


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
    # Its audit events before the move to this app name it so (see procurement.audit.object_types).
    audit_former_types = ("vendors.workload",)

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
        db_table = "vendors_workload"
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

    # Its audit events before the move to this app name it so (see procurement.audit.object_types).
    audit_former_types = ("vendors.dependency",)

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
        db_table = "vendors_dependency"
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

    # Its audit events before the move to this app name it so (see procurement.audit.object_types).
    audit_former_types = ("vendors.rehearsal",)

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
        db_table = "vendors_rehearsal"
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
