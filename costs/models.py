"""Total cost of execution: offers and their capacity lines, exchange rates kept by date, the cost
of a day's delay per workload tier, and saved (frozen) comparisons.

Rows change only through `costs.services`; the arithmetic is `costs.tce`. Field names follow the
FinOps FOCUS specification where one means the same (ListUnitPrice, ContractedUnitPrice,
EffectiveCost, BillingCurrency, CommitmentDiscountQuantity; PricingUnit is the GPU-hour).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from resilience.models import Workload
from vendors.models import CapacityBand, Contract, Vendor, WorkloadTier

from . import tce
from .currencies import validate_currency

MAX_UNIT_PRICE = Decimal(10_000_000)  # per GPU-hour or GB, in any currency (even IDR or KRW)
MAX_AMOUNT = Decimal("1000000000000")  # a day's cost of delay or an engineer-day: above is a typo
MAX_QUEUE_WAIT_HOURS = 8760  # a year: longer is not a queue but no capacity
MAX_ENGINEER_DAYS = 100_000
MAX_PARALLEL_RUN_WEEKS = 520
MAX_REHOME_DAYS = 3650


def default_loss_probability() -> Decimal:
    return Decimal(str(getattr(settings, "TCE_DEFAULT_LOSS_PROBABILITY_PERCENT", 5)))


def _price(verbose_name: str, help_text: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=18,
        decimal_places=6,
        validators=[
            MinValueValidator(0, "A price cannot be negative."),
            MaxValueValidator(MAX_UNIT_PRICE, "At most 10,000,000 a unit: larger is a typing mistake."),
        ],
        help_text=help_text,
        **kwargs,
    )


def _bounded(verbose_name: str, max_digits: int, high, help_text: str = "", **kwargs) -> models.DecimalField:
    """A non-negative figure with two decimals and an upper bound past which it is a typing mistake."""
    return models.DecimalField(
        verbose_name,
        max_digits=max_digits,
        decimal_places=2,
        validators=[
            MinValueValidator(0, "This cannot be negative."),
            MaxValueValidator(high, f"At most {high:,}: larger is a typing mistake."),
        ],
        help_text=help_text,
        **kwargs,
    )


def _currency(verbose_name: str, help_text: str = "", **kwargs) -> models.CharField:
    return models.CharField(
        verbose_name, max_length=3, validators=[validate_currency], help_text=help_text, **kwargs
    )


class ExchangeRate(models.Model):
    """1 `base_currency` = `rate` `quote_currency` on a date. A comparison uses the latest rate on
    or before its as-of date: the direct pair, or else the inverse of the opposite pair."""

    base_currency = _currency("from", "The currency converted from, e.g. USD.")
    quote_currency = _currency("to", "The currency converted to, e.g. EUR.")
    rate = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(MAX_UNIT_PRICE)],
        help_text="How many units of the “to” currency one unit of the “from” currency buys.",
    )
    on = models.DateField("date", help_text="The day the rate was published.")
    source = models.CharField(max_length=200, blank=True, help_text="E.g. ECB reference rate.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["base_currency", "quote_currency", "-on"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_currency", "quote_currency", "on"],
                name="one_exchange_rate_per_pair_and_day",
                violation_error_message="This pair already has a rate on this day: delete it first to replace it.",
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~models.Q(base_currency=models.F("quote_currency")),
                name="exchange_rate_two_currencies",
                violation_error_message="A rate converts between two different currencies.",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.base_currency} = {self.rate} {self.quote_currency} on {self.on:%Y-%m-%d}"

    def clean(self):
        if self.base_currency and self.base_currency == self.quote_currency:
            raise ValidationError({"quote_currency": "A rate converts between two different currencies."})


class CostOfDelay(models.Model):
    """What one day without usable capacity costs a workload tier: missed training windows,
    idle teams, late launches. Queue wait and concentration risk are priced with it."""

    tier = models.CharField(max_length=32, choices=WorkloadTier.choices, unique=True)
    per_day = _bounded(
        "cost per day", 18, MAX_AMOUNT, "What one day without usable capacity costs this tier."
    )
    currency = _currency("currency", default="EUR")
    note = models.TextField(blank=True, help_text="How the figure was reached.")
    updated_by = models.ForeignKey(
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
        verbose_name_plural = "costs of delay"
        ordering = ["tier"]

    def __str__(self) -> str:
        return f"{self.get_tier_display()}: {self.per_day} {self.currency} a day"


class Offer(models.Model):
    """A priced proposal from a vendor (or an existing contract's capacity lines, priced), every
    price in its billing currency (FOCUS BillingCurrency)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="offers")
    name = models.CharField(max_length=200)
    # The contract whose capacity lines the offer prices. Deleting the contract keeps the offer.
    contract = models.ForeignKey(
        Contract,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers",
        help_text="When the offer prices an existing contract's capacity lines.",
    )
    billing_currency = _currency(
        "billing currency", "FOCUS BillingCurrency: every price of the offer is in it."
    )
    valid_until = models.DateField(null=True, blank=True)
    storage_rate_per_gb_month = _price("storage rate per GB-month", "", default=0)
    egress_rate_per_gb = _price("egress rate per GB", "Data sent out in normal running.", default=0)
    exit_egress_rate_per_gb = _price(
        "exit egress rate per GB",
        "Moving all data out when leaving (may differ from normal egress).",
        default=0,
    )
    queue_wait_hours = _bounded(
        "queue wait (hours)",
        8,
        MAX_QUEUE_WAIT_HOURS,
        "Expected hours until the capacity is usable.",
        default=0,
    )
    switching_engineer_days = _bounded(
        "switching effort (engineer-days)",
        9,
        MAX_ENGINEER_DAYS,
        "Engineering days to adapt pipelines, drivers and schedulers to this vendor.",
        default=0,
    )
    engineer_day_rate = _bounded("engineer day rate", 18, MAX_AMOUNT, "In the billing currency.", default=0)
    parallel_run_weeks = _bounded(
        "parallel run (weeks)",
        6,
        MAX_PARALLEL_RUN_WEEKS,
        "Weeks of paying two providers while the workload moves.",
        default=0,
    )
    loss_probability = models.DecimalField(
        "loss probability (%)",
        max_digits=5,
        decimal_places=2,
        default=default_loss_probability,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Probability of losing this vendor within the horizon (exit, outage, export rule).",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
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
        ordering = ["vendor__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(loss_probability__gte=0, loss_probability__lte=100),
                name="offer_loss_probability_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("costs:offer-detail", args=[self.pk])

    def clean(self):
        if self.contract_id and self.vendor_id and self.contract.vendor_id != self.vendor_id:
            raise ValidationError({"contract": "The contract must be one of this vendor's."})


class OfferLine(models.Model):
    """One capacity line of an offer. Prices are per GPU-hour (FOCUS PricingUnit) in the offer's
    billing currency."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    band = models.CharField(
        "capacity band", max_length=16, choices=CapacityBand.choices, default=CapacityBand.COMMITTED
    )
    accelerator_class = models.CharField(max_length=100, help_text="E.g. H100 80GB.")
    region = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(
        "quantity (GPUs)",
        validators=[
            MinValueValidator(1, "A line has at least one GPU."),
            MaxValueValidator(
                tce.MAX_GPUS_PER_LINE,
                f"At most {tce.MAX_GPUS_PER_LINE:,} GPUs a line: larger is a typing mistake.",
            ),
        ],
        help_text="FOCUS CommitmentDiscountQuantity for a committed line.",
    )
    list_unit_price = _price(
        "list price per GPU-hour", "FOCUS ListUnitPrice: the public price.", null=True, blank=True
    )
    contracted_unit_price = _price(
        "contracted price per GPU-hour", "FOCUS ContractedUnitPrice: after negotiated discounts."
    )
    effective_unit_price = _price(
        "effective price per GPU-hour",
        "What is actually paid per GPU-hour (FOCUS EffectiveCost ÷ PricingQuantity), after credits "
        "and commitment discounts.",
    )
    commitment_term_months = models.PositiveSmallIntegerField(
        "commitment term (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(tce.MAX_HORIZON_MONTHS)],
        help_text="Committed lines only.",
    )
    expected_utilisation_percent = models.DecimalField(
        "expected utilisation (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, "Utilisation is a percentage from 0 to 100."),
            MaxValueValidator(
                100, "Utilisation is a percentage from 0 to 100: a line cannot be used more than fully."
            ),
        ],
        help_text="Committed lines only: the part of the committed hours the team can really use.",
    )

    class Meta:
        ordering = ["offer_id", "pk"]  # as the offer lists them
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="offer_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(expected_utilisation_percent__isnull=True)
                | models.Q(expected_utilisation_percent__gte=0, expected_utilisation_percent__lte=100),
                name="offer_line_utilisation_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.accelerator_class} ({self.get_band_display()})"

    def clean(self):
        errors = {}
        committed = self.band == CapacityBand.COMMITTED
        if committed and self.expected_utilisation_percent is None:
            errors["expected_utilisation_percent"] = (
                "A committed line needs its expected utilisation: the part of the paid hours the team will use."
            )
        if committed and self.commitment_term_months is None:
            errors["commitment_term_months"] = "A committed line needs its commitment term in months."
        if not committed and self.expected_utilisation_percent is not None:
            errors["expected_utilisation_percent"] = (
                "Burst and emergency capacity is paid as used: leave the utilisation empty."
            )
        if not committed and self.commitment_term_months is not None:
            errors["commitment_term_months"] = "Only committed lines have a commitment term: leave it empty."
        if errors:
            raise ValidationError(errors)


class Comparison(models.Model):
    """A saved comparison of offers for one workload tier: the inputs and the figures as computed
    when saved (`snapshot`, never recomputed) with the SHA-256 of its canonical JSON. Immutable:
    changing an input saves a new comparison. An evaluation attaches one, so what is signed is the
    snapshot, not the live offers."""

    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=32, choices=WorkloadTier.choices)
    workload = models.ForeignKey(Workload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    gpu_hours_per_month = models.DecimalField(
        "GPU-hours per month",
        max_digits=14,
        decimal_places=2,
        validators=[
            MinValueValidator(
                Decimal("0.01"), "The workload needs some GPU-hours a month to compare offers for."
            ),
            MaxValueValidator(
                tce.MAX_GPU_HOURS_PER_MONTH,
                "At most 1,000,000,000 GPU-hours a month (about 1.4 million GPUs day and night): "
                "larger is a typing mistake.",
            ),
        ],
    )
    storage_gb = _bounded("storage (GB)", 16, tce.MAX_GB, default=0)
    egress_gb_per_month = _bounded("egress (GB per month)", 16, tce.MAX_GB, default=0)
    exit_data_gb = _bounded("data to move out at exit (GB)", 16, tce.MAX_GB, default=0)
    horizon_months = models.PositiveSmallIntegerField(
        "horizon (months)",
        validators=[
            MinValueValidator(1, "The horizon is 1 to 120 months."),
            MaxValueValidator(tce.MAX_HORIZON_MONTHS, "The horizon is 1 to 120 months (ten years at most)."),
        ],
    )
    rehome_days = models.PositiveSmallIntegerField(
        "days to re-home after losing a vendor",
        default=30,
        validators=[MaxValueValidator(MAX_REHOME_DAYS)],
    )
    reporting_currency = _currency("reporting currency", default="EUR")
    as_of = models.DateField("as of", help_text="Exchange rates are the latest on or before this day.")
    offers = models.ManyToManyField(Offer, related_name="comparisons")
    snapshot = models.JSONField(editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(horizon_months__gte=1, horizon_months__lte=tce.MAX_HORIZON_MONTHS),
                name="comparison_horizon_1_to_120_months",
            ),
            models.CheckConstraint(
                condition=models.Q(gpu_hours_per_month__gt=0), name="comparison_demand_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.workload_id and self.tier and self.workload.tier != self.tier:
            raise ValidationError({"workload": "The workload must be of the comparison's tier."})
