"""What the register of information needs beyond the vendor register: our own entities, the
providers' identifiers, each contract's ICT-service attributes, the workloads that are functions,
overrides of derived fields, and the submissions with their sign-offs.

Vendors, contracts and workloads stay as they are: each record here sits beside one of them.
Coded fields store the ESAs' codes (`eba_TA:S08`), whose labels come from definitions/.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from procurement.auth_methods import Method as AuthMethod
from resilience.models import Workload
from vendors.models import Contract, Vendor, iso_currency

from . import definitions
from .lei import validate_euid, validate_lei

LEI_TYPE = "eba_qCO:qx2000"
EUID_TYPE = "eba_qCO:qx2002"


def validate_country(value: str) -> None:
    if value and value not in definitions.countries():
        raise ValidationError(f"“{value}” is not an ISO 3166-1 country code.")


def validate_countries(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("A list of country codes.")
    for code in value:
        validate_country(code)


def coded(list_name: str, **kwargs) -> models.CharField:
    return models.CharField(max_length=16, choices=definitions.choices(list_name), **kwargs)


def country_field(verbose_name: str, **kwargs) -> models.CharField:
    return models.CharField(verbose_name, max_length=2, validators=[validate_country], **kwargs)


class Identified(models.Model):
    """An LEI (checked by its ISO 17442 check digits) or, failing one, an EUID."""

    lei = models.CharField("LEI", max_length=20, blank=True, validators=[validate_lei])
    euid = models.CharField("EUID", max_length=64, blank=True, validators=[validate_euid])

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        self.lei = (self.lei or "").strip().upper()
        self.euid = (self.euid or "").strip().upper()
        if not self.lei and not self.euid:
            raise ValidationError({"lei": "Give the LEI, or the EUID when there is no LEI."})

    @property
    def code(self) -> str:
        return self.lei or self.euid

    @property
    def code_type(self) -> str:
        return LEI_TYPE if self.lei else (EUID_TYPE if self.euid else "")


class FinancialEntity(Identified):
    """One of our own legal entities within the scope of the register."""

    name = models.CharField(max_length=200)
    country = country_field("country")
    entity_type = coded("LIST0101040", verbose_name="type of entity")
    hierarchy = coded("LIST0102050", verbose_name="place in the group", default="eba_RP:x53")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="direct parent",
    )
    competent_authority = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, validators=[iso_currency], default="EUR")
    total_assets = models.DecimalField(
        "value of total assets",
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    maintains_register = models.BooleanField(
        "maintains the register",
        default=False,
        help_text="The entity that reports the register (exactly one).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-maintains_register", "name"]
        verbose_name_plural = "financial entities"
        constraints = [
            models.UniqueConstraint(
                fields=["maintains_register"],
                condition=Q(maintains_register=True),
                name="dora_one_reporting_entity",
            ),
            models.UniqueConstraint(fields=["lei"], condition=~Q(lei=""), name="dora_entity_lei_unique"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "An entity is not its own parent."})


class VendorRecord(Identified):
    """A vendor as an ICT third-party service provider: its codes, person type, headquarters and
    ultimate parent (another vendor of the register; empty when it is its own)."""

    vendor = models.OneToOneField(Vendor, on_delete=models.CASCADE, related_name="dora_record")
    person_type = coded("LIST0501040", verbose_name="type of person", default="eba_CT:x212")
    country = country_field("country of headquarters")
    latin_name = models.CharField(
        "name in the Latin alphabet", max_length=300, blank=True, help_text="Only when the legal name is not."
    )
    ultimate_parent = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty when the provider is its own ultimate parent.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"DORA record of {self.vendor}"

    def clean(self):
        super().clean()
        if self.ultimate_parent_id and self.ultimate_parent_id == self.vendor_id:
            self.ultimate_parent = None


class ContractRecord(models.Model):
    """A contract as an ICT contractual arrangement: the service it provides and where, how much
    we rely on it, and which of our entities sign and use it."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="dora_record")
    arrangement_type = coded("LIST0201020", verbose_name="type of arrangement", default="eba_CO:x1")
    overarching = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="overarching arrangement",
        help_text="Only for a subsequent or associated arrangement.",
    )
    ict_service_type = coded("LISTANNEXIII", verbose_name="type of ICT service")
    annual_expense = models.DecimalField(
        "annual expense",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Empty: the committed spend spread over the contract's term.",
    )
    signing_entity = models.ForeignKey(
        FinancialEntity, on_delete=models.PROTECT, related_name="signed_contracts", verbose_name="signed by"
    )
    entities = models.ManyToManyField(
        FinancialEntity, related_name="used_contracts", verbose_name="entities using the service"
    )
    governing_law_country = country_field("country of the governing law")
    provision_country = country_field("country of provision of the service")
    stores_data = models.BooleanField("the provider stores data", default=True)
    storage_countries = models.JSONField(
        "countries where data is stored", default=list, blank=True, validators=[validate_countries]
    )
    processing_countries = models.JSONField(
        "countries where data is processed", default=list, blank=True, validators=[validate_countries]
    )
    data_sensitiveness = coded("LIST0202170", verbose_name="sensitiveness of the data", blank=True)
    reliance = coded("LIST0202180", verbose_name="level of reliance")
    provider_notice_days = models.PositiveIntegerField(
        "provider's notice period (days)", null=True, blank=True
    )
    termination_reason = coded("LIST0202090", verbose_name="reason of termination", blank=True)
    discontinuing_impact = coded(
        "LIST0601100", verbose_name="impact of discontinuing the service", default="eba_ZZ:x799"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"DORA record of {self.contract.reference}"

    def clean(self):
        super().clean()
        if self.arrangement_type == "eba_CO:x3" and not self.overarching_id:
            raise ValidationError(
                {"overarching": "A subsequent or associated arrangement names its overarching one."}
            )
        if self.overarching_id and self.overarching_id == self.contract_id:
            raise ValidationError({"overarching": "An arrangement is not its own overarching arrangement."})
        if self.stores_data and not self.storage_countries:
            raise ValidationError(
                {"storage_countries": "Name where the data is stored, or untick “stores data”."}
            )


class FunctionRecord(models.Model):
    """A workload marked as a function of a financial entity."""

    workload = models.OneToOneField(Workload, on_delete=models.CASCADE, related_name="dora_function")
    identifier = models.CharField(
        "function identifier", max_length=32, unique=True, help_text="F1, F2, …: unique in the register."
    )
    entity = models.ForeignKey(FinancialEntity, on_delete=models.PROTECT, related_name="functions")
    licensed_activity = coded("LIST0601020", verbose_name="licensed activity")
    critical = coded("LIST0601050", verbose_name="critical or important", default="eba_BT:x21")
    criticality_reasons = models.CharField("reasons for criticality", max_length=300, blank=True)
    assessed_on = models.DateField("last assessment of criticality", null=True, blank=True)
    discontinuing_impact = coded(
        "LIST0601100", verbose_name="impact of discontinuing the function", default="eba_ZZ:x799"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self):
        return f"{self.identifier} {self.workload.name}"


class DerivedField(models.TextChoices):
    """The register fields filled from evidence, which a person may override with a reason."""

    EXIT_PLAN = "exit_plan", "Exit plan exists"
    LAST_AUDIT = "last_audit", "Date of the last audit"
    REINTEGRATION = "reintegration", "Possibility of reintegration"
    SUBSTITUTABILITY = "substitutability", "Substitutability"
    SUBSTITUTABILITY_REASON = "substitutability_reason", "Reason if hard to substitute"
    ALTERNATIVES = "alternatives", "Alternative providers identified"
    RTO_RPO_MET = "rto_rpo_met", "RTO and RPO met in the last rehearsal"


class Override(models.Model):
    """A person's value for a derived field of one contract, with the reason. The newest per
    contract and field counts; an empty value returns the field to its evidence. Never edited."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="dora_overrides")
    field = models.CharField(max_length=32, choices=DerivedField.choices)
    value = models.CharField(max_length=300, blank=True)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_field_display()} of {self.contract_id}"


class Submission(models.Model):
    """A generated reporting package put up for sign-off before it goes to the authority."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", "Awaiting sign-off"
        APPROVED = "approved", "Approved for submission"
        REJECTED = "rejected", "Rejected"

    ref_date = models.DateField("reference date")
    filename = models.CharField(max_length=200)
    package = models.BinaryField()
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    warnings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Register package {self.ref_date:%Y-%m-%d} #{self.pk}"


class SubmissionRequirement(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(max_length=16)
    slot = models.PositiveSmallIntegerField(default=1)
    stage = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["stage", "role", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "role", "slot"], name="dora_requirement_unique")
        ]

    def __str__(self):
        return f"{self.role} #{self.slot}"


class SubmissionSignature(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve for submission"
        REJECT = "reject", "Reject"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="signatures")
    requirement = models.OneToOneField(
        SubmissionRequirement, on_delete=models.PROTECT, related_name="signature"
    )
    role = models.CharField(max_length=16)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True)
    meaning = models.CharField(max_length=300)
    package_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    request_token = models.UUIDField(default=uuid.uuid4, unique=True)
    # How the signer proved it was them just before signing, as on evaluation signatures.
    # Signatures from before this was recorded say "password": that was the only way then.
    authenticated_by = models.CharField(
        "authenticated by", max_length=16, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "signer"], name="dora_one_role_per_signer"),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.signer_name} as {self.role}"
