"""Forms of the vendor register. They check input and say what is wrong; services do the writing."""

import codecs
import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from procurement.forms import StyledForm, StyledModelForm

from . import services
from .currencies import COMMON, ISO_4217
from .models import CapacityLine, Contract, ExitRightClause, Vendor

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def split_list(value: str) -> list[str]:
    """'eu-west, Tokyo; us-east' -> ['eu-west', 'Tokyo', 'us-east'] (order kept, duplicates dropped)."""
    items = [item.strip() for item in re.split(r"[,;\n]", value or "")]
    return list(dict.fromkeys(item for item in items if item))


def _limit_status_choices(field: forms.ChoiceField, transitions: dict, current: str | None, choices) -> None:
    allowed = services.allowed_statuses(transitions, current)
    field.choices = [(value, label) for value, label in choices.choices if value in allowed]


class VendorForm(StyledModelForm):
    processing_regions = forms.CharField(
        label="Regions where data is processed",
        required=False,
        help_text="Separate regions with commas, e.g. eu-west, us-east, Tokyo.",
    )

    class Meta:
        model = Vendor
        fields = services.VENDOR_FIELDS
        widgets = {"layers": forms.CheckboxSelectMultiple, "notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "runs_on": "A neocloud hosted on a hyperscaler shares its fate: pick the host here.",
            "layers": "The layers of the stack this vendor supplies.",
            "status": "Retire a vendor to archive it; vendors with contracts cannot be deleted.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["processing_regions"] = ", ".join(self.instance.processing_regions or [])
        hosts = Vendor.objects.only("pk", "name").order_by("name")
        if self.instance.pk:
            hosts = hosts.exclude(pk=self.instance.pk)
        self.fields["runs_on"].queryset = hosts
        self.fields["runs_on"].empty_label = "— runs on its own infrastructure —"
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        _limit_status_choices(
            self.fields["status"],
            services.VENDOR_TRANSITIONS,
            self.instance.status if self.instance.pk else None,
            Vendor.Status,
        )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = Vendor.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(
                f"A vendor named “{clash.name}” already exists (names are compared ignoring case)."
            )
        return name

    def clean_processing_regions(self):
        return split_list(self.cleaned_data["processing_regions"])

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def currency_choices():
    rest = sorted(ISO_4217 - set(COMMON))
    return [("", "—"), *((code, code) for code in COMMON), *((code, code) for code in rest)]


class ContractForm(StyledModelForm):
    currency = forms.ChoiceField(choices=currency_choices, help_text="ISO 4217 code of the committed spend.")

    class Meta:
        model = Contract
        fields = [
            "reference",
            "title",
            "status",
            "start_date",
            "end_date",
            "auto_renewal",
            "notice_period_days",
            "committed_spend",
            "currency",
        ]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}
        labels = {"notice_period_days": "Notice period (days)", "auto_renewal": "Renews automatically"}
        help_texts = {
            "notice_period_days": "Days before the end date by which notice must be given.",
            "committed_spend": "The total committed over the term, e.g. 1250000.00.",
        }

    def __init__(self, *args, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        _limit_status_choices(
            self.fields["status"],
            services.CONTRACT_TRANSITIONS,
            self.instance.status if self.instance.pk else None,
            Contract.Status,
        )

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        clash = (
            Contract.objects.filter(vendor=self.vendor, reference__iexact=reference)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if clash:
            raise forms.ValidationError(f"{self.vendor} already has a contract with reference “{reference}”.")
        return reference

    def clean(self):
        data = super().clean()
        start, end, notice = data.get("start_date"), data.get("end_date"), data.get("notice_period_days")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date.")
        elif start and end and notice is not None and notice > (end - start).days:
            self.add_error("notice_period_days", "The notice period is longer than the contract term.")
        return data

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CapacityLineForm(StyledModelForm):
    class Meta:
        model = CapacityLine
        fields = ["accelerator_model", "count", "region", "band"]
        labels = {"accelerator_model": "Accelerator", "count": "Count"}
        widgets = {"accelerator_model": forms.TextInput(attrs={"placeholder": "e.g. NVIDIA H100 80GB"})}


class ClauseForm(StyledModelForm):
    class Meta:
        model = ExitRightClause
        fields = ["status", "reference", "text", "notice_days", "fees"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        labels = {"text": "Clause text", "notice_days": "Notice (days)", "fees": "Fees"}
        help_texts = {"reference": "Where the clause is in the contract, e.g. §14.2 or Schedule 6."}

    def clean(self):
        data = super().clean()
        covered = data.get("status") in (ExitRightClause.Status.PRESENT, ExitRightClause.Status.NEGOTIATED)
        if covered and not (data.get("reference") or "").strip():
            self.add_error("reference", "Give the clause reference so reviewers can find it in the contract.")
        return data


class DocumentForm(StyledForm):
    file = forms.FileField(
        label="Contract document (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        allow_empty_file=True,  # checked below, with a clearer message
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            services.check_pdf(uploaded, settings.MAX_UPLOAD_BYTES)
        except services.DocumentRejected as exc:
            raise forms.ValidationError(str(exc)) from exc
        return uploaded


MAX_IMPORT_BYTES = 5 * 1024 * 1024


class CsvUploadForm(StyledForm):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="UTF-8, comma-separated, with a header row. Nothing is saved until you confirm.",
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; split it into smaller files.")
        content = uploaded.read()
        if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise forms.ValidationError("The file is UTF-16 text. Save it as “CSV UTF-8” and retry.")
        if b"\x00" in content:
            # Text files never hold NUL bytes; a UTF-16 file without its byte-order mark, or a
            # spreadsheet's binary format renamed .csv, does.
            raise forms.ValidationError(
                "The file contains NUL bytes, so it is not CSV text (perhaps UTF-16 or a spreadsheet's own "
                "format). Save it as “CSV UTF-8” and retry."
            )
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "The file is not UTF-8 text. Save it as “CSV UTF-8” and retry."
            ) from exc
