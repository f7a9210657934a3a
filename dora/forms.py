"""Forms of the register pages; fields render through Django's templates."""

from django import forms

from resilience.models import Workload
from scorecards.forms import SignoffForm
from vendors.models import Contract, Vendor

from . import definitions
from .evidence import FIELD_LISTS, RTO_LABELS
from .models import (
    ContractRecord,
    DerivedField,
    FinancialEntity,
    FunctionRecord,
    SubmissionSignature,
    VendorRecord,
)
from .services import (
    CONTRACT_RECORD_FIELDS,
    ENTITY_FIELDS,
    FUNCTION_FIELDS,
    VENDOR_RECORD_FIELDS,
    signature_meaning,
)


def _country_field(label: str, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=[("", "—"), *definitions.country_choices()], required=required
    )


def _countries_field(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=definitions.country_choices(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class EntityForm(forms.ModelForm):
    country = _country_field("Country")

    class Meta:
        model = FinancialEntity
        fields = ENTITY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = FinancialEntity.objects.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents


class VendorRecordForm(forms.ModelForm):
    country = _country_field("Country of headquarters")

    class Meta:
        model = VendorRecord
        fields = VENDOR_RECORD_FIELDS

    def __init__(self, *args, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ultimate_parent"].queryset = Vendor.objects.exclude(pk=vendor.pk).order_by("name")


class ContractRecordForm(forms.ModelForm):
    governing_law_country = _country_field("Country of the governing law")
    provision_country = _country_field("Country of provision of the service")
    storage_countries = _countries_field("Countries where data is stored")
    processing_countries = _countries_field("Countries where data is processed")
    entities = forms.ModelMultipleChoiceField(
        label="Entities using the service", queryset=FinancialEntity.objects.all(), required=False
    )

    class Meta:
        model = ContractRecord
        fields = [*CONTRACT_RECORD_FIELDS, "entities"]

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overarching"].queryset = Contract.objects.exclude(pk=contract.pk).order_by("reference")
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("provider_notice_days", contract.notice_period_days)


class FunctionRecordForm(forms.ModelForm):
    class Meta:
        model = FunctionRecord
        fields = FUNCTION_FIELDS
        widgets = {"assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, workload: Workload, **kwargs):
        super().__init__(*args, **kwargs)


class OverrideForm(forms.Form):
    field = forms.ChoiceField(choices=DerivedField.choices, widget=forms.HiddenInput)
    value = forms.CharField(required=False, max_length=300, label="Value")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="Reason")

    def __init__(self, *args, field_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        name = field_name or (self.data.get("field") if self.is_bound else None)
        blank = [("", "— the evidence —")]
        if name in FIELD_LISTS:
            self.fields["value"] = forms.ChoiceField(
                label="Value", required=False, choices=blank + definitions.choices(FIELD_LISTS[name])
            )
        elif name == DerivedField.RTO_RPO_MET:
            self.fields["value"] = forms.ChoiceField(
                label="Value", required=False, choices=blank + list(RTO_LABELS.items())
            )
        elif name == DerivedField.LAST_AUDIT:
            self.fields["value"] = forms.CharField(
                label="Date", required=False, max_length=10, widget=forms.DateInput(attrs={"type": "date"})
            )
        if field_name:
            self.initial["field"] = field_name
            self.prefix = field_name


class SubmissionForm(forms.Form):
    ref_date = forms.DateField(
        label="Reference date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class SignForm(SignoffForm):
    """The evaluation sign-off form (same fields, same fresh strong authentication) with a
    register package's decisions and their meaning."""

    decisions = SubmissionSignature.Decision.choices
    meaning = staticmethod(signature_meaning)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = "Required when you reject: your reasons."


class VerifyForm(forms.Form):
    package = forms.FileField(label="Package (ZIP)")
