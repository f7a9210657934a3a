"""The vendor register: vendors, their contracts, capacity lines, documents and exit-rights clauses.

Rows change only through `vendors.services`; models hold structure and constraints, no workflow.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class Layer(models.Model):
    """A layer of the stack a vendor can supply (compute, storage, ...). Seeded by a migration."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# The layer whose dependencies count accelerators and name a capacity band.
COMPUTE_LAYER = "compute"


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
