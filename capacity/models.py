"""Capacity planning: demand forecasts per workload tier and quarter, the allocation of contracts'
capacity lines to tiers, and what each vendor tells us about its capacity (demand visibility).

Rows change only through `capacity.services`; the plan (supply against demand, shortfalls, dates
to act) is computed from them by `capacity.planning` on every view.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from vendors.models import CapacityLine, Vendor, WorkloadTier

from .quarters import QUARTER_PATTERN, Quarter

# A quarter's demand for one tier above a billion GPU-hours (about 450,000 GPUs running day and
# night) is a typing mistake, not a plan.
MAX_GPU_HOURS = 1_000_000_000
# Lead times beyond two years are not a lead time but a "no".
MAX_LEAD_TIME_DAYS = 730

quarter_validator = RegexValidator(
    QUARTER_PATTERN, "Write the quarter as YYYY-Qn, e.g. 2027-Q1 (years 2000 to 2100, quarters 1 to 4)."
)


class DemandForecast(models.Model):
    """How many GPU-hours a workload tier needs in a quarter, as a range: P50 (as likely to be
    exceeded as not) and P90 (exceeded one time in ten)."""

    tier = models.CharField(max_length=32, choices=WorkloadTier.choices)
    quarter = models.CharField(
        max_length=7, validators=[quarter_validator], help_text="YYYY-Qn, e.g. 2027-Q1."
    )
    p50_gpu_hours = models.PositiveBigIntegerField(
        "P50 GPU-hours",
        validators=[MaxValueValidator(MAX_GPU_HOURS)],
        help_text="The median forecast: as likely to be exceeded as not.",
    )
    p90_gpu_hours = models.PositiveBigIntegerField(
        "P90 GPU-hours",
        validators=[MaxValueValidator(MAX_GPU_HOURS)],
        help_text="Exceeded only one quarter in ten; at least the P50.",
    )
    note = models.TextField(
        blank=True, help_text="Where the figures come from: launches, experiments, growth."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quarter", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "quarter"],
                name="one_forecast_per_tier_quarter",
                violation_error_message="This tier already has a forecast for this quarter: edit that one.",
            ),
            models.CheckConstraint(
                condition=models.Q(p90_gpu_hours__gte=models.F("p50_gpu_hours")),
                name="forecast_p90_at_least_p50",
                violation_error_message="The P90 must be at least the P50.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.quarter}"

    def clean(self):
        errors = {}
        if self.quarter:
            try:
                Quarter.parse(self.quarter)
            except ValueError as exc:
                errors["quarter"] = str(exc)
        if (
            self.p50_gpu_hours is not None
            and self.p90_gpu_hours is not None
            and self.p90_gpu_hours < self.p50_gpu_hours
        ):
            errors["p90_gpu_hours"] = "The P90 must be at least the P50: it is the high end of the range."
        if errors:
            raise ValidationError(errors)


class CapacityAllocation(models.Model):
    """A share of a contract's capacity line set aside for a workload tier. What no allocation
    claims is unallocated supply: shown on the plan, counted for no tier."""

    line = models.ForeignKey(CapacityLine, on_delete=models.CASCADE, related_name="allocations")
    tier = models.CharField(max_length=32, choices=WorkloadTier.choices)
    share_percent = models.DecimalField(
        "share (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
        help_text="Percent of the line's accelerators that serve this tier.",
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tier", "line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "tier"],
                name="one_allocation_per_line_tier",
                violation_error_message="This line already has an allocation to this tier: change its share.",
            ),
            models.CheckConstraint(
                condition=models.Q(share_percent__gt=0, share_percent__lte=100),
                name="allocation_share_between_0_and_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share_percent}% of {self.line} → {self.get_tier_display()}"


class DemandVisibility(models.Model):
    """What a vendor shared, on a date, about its capacity: regional utilisation, reservation
    options, announced hardware refreshes and its lead time. The latest record is the one the
    plan uses; earlier ones stay as history."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="demand_visibility")
    recorded_on = models.DateField("as of", help_text="When the vendor told us.")
    utilisation_shared = models.BooleanField(
        "regional utilisation shared",
        default=False,
        help_text="Does the vendor share its regions' utilisation?",
    )
    utilisation_percent = models.PositiveSmallIntegerField(
        "utilisation (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="As shared by the vendor; only when it shares utilisation.",
    )
    reservation_options = models.TextField(
        blank=True, help_text="E.g. 1-year reservations, quarterly blocks."
    )
    hardware_refreshes = models.TextField(
        "announced hardware refreshes", blank=True, help_text="E.g. B200 in us-central from 2027-Q2."
    )
    lead_time_days = models.PositiveIntegerField(
        "lead time (days)",
        validators=[MaxValueValidator(MAX_LEAD_TIME_DAYS)],
        help_text="From a signed order to usable capacity, as the vendor states it.",
    )
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
        verbose_name_plural = "demand visibility records"
        ordering = ["vendor__name", "-recorded_on", "-pk"]
        indexes = [models.Index(fields=["vendor", "-recorded_on"], name="visibility_vendor_date_idx")]

    def __str__(self) -> str:
        return f"{self.vendor}: as of {self.recorded_on:%Y-%m-%d}"

    def clean(self):
        errors = {}
        if self.recorded_on and self.recorded_on > timezone.localdate():
            errors["recorded_on"] = "Record what the vendor has said, as of today or earlier."
        if not self.utilisation_shared and self.utilisation_percent is not None:
            errors["utilisation_percent"] = (
                "Only a vendor that shares its utilisation has a figure; tick “shared” or leave it empty."
            )
        if errors:
            raise ValidationError(errors)
