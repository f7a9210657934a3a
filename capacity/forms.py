"""Forms of capacity planning: forecasts, allocations, demand visibility and the plan's window.

Forms validate and present; the services in `capacity.services` write.
"""

from django import forms

from procurement.forms import StyledForm, StyledModelForm
from vendors.models import Vendor

from .models import MAX_GPU_HOURS, CapacityAllocation, DemandForecast, DemandVisibility
from .planning import MAX_QUARTERS
from .quarters import Quarter
from .services import FORECAST_FIELDS


def _quarter(value: str) -> str:
    try:
        return str(Quarter.parse(value))
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


def _hours_widget():
    return forms.NumberInput(attrs={"min": 0, "max": MAX_GPU_HOURS, "step": 1})


class DemandForecastForm(StyledModelForm):
    class Meta:
        model = DemandForecast
        fields = FORECAST_FIELDS
        widgets = {
            "quarter": forms.TextInput(attrs={"placeholder": "2027-Q1", "autocomplete": "off"}),
            "p50_gpu_hours": _hours_widget(),
            "p90_gpu_hours": _hours_widget(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_quarter(self):
        return _quarter(self.cleaned_data["quarter"])

    def clean(self):
        cleaned = super().clean()
        p50, p90 = cleaned.get("p50_gpu_hours"), cleaned.get("p90_gpu_hours")
        if p50 is not None and p90 is not None and p90 < p50:
            self.add_error(
                "p90_gpu_hours", "The P90 must be at least the P50: it is the high end of the range."
            )
        return cleaned


class CapacityLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line):
        contract = line.contract
        return (
            f"{contract.vendor.name} · {contract.reference} ({contract.get_status_display().lower()}): "
            f"{line.count} × {line.accelerator_model}, {line.region}, {line.get_band_display().lower()}"
        )


class CapacityAllocationForm(StyledModelForm):
    line = CapacityLineChoiceField(queryset=None, label="Capacity line", empty_label="Choose a capacity line")

    class Meta:
        model = CapacityAllocation
        fields = ["line", "tier", "share_percent", "note"]
        widgets = {"share_percent": forms.NumberInput(attrs={"min": "0.01", "max": "100", "step": "0.01"})}

    def __init__(self, *args, lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The line of an allocation stays; to move capacity, remove it and allocate another.
            del self.fields["line"]
        else:
            self.fields["line"].queryset = lines


class DemandVisibilityForm(StyledModelForm):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), empty_label="Choose a vendor")

    class Meta:
        model = DemandVisibility
        fields = [
            "vendor",
            "recorded_on",
            "lead_time_days",
            "utilisation_shared",
            "utilisation_percent",
            "reservation_options",
            "hardware_refreshes",
            "notes",
        ]
        widgets = {
            "recorded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "lead_time_days": forms.NumberInput(attrs={"min": 0, "max": 730}),
            "utilisation_percent": forms.NumberInput(attrs={"min": 0, "max": 100}),
            "reservation_options": forms.Textarea(attrs={"rows": 2}),
            "hardware_refreshes": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A record is what one vendor said; correcting it never moves it to another vendor.
            del self.fields["vendor"]
        else:
            self.fields["vendor"].queryset = Vendor.objects.order_by("name").only("pk", "name")

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class PlanForm(StyledForm):
    start = forms.CharField(
        label="From quarter",
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "2027-Q1", "autocomplete": "off", "size": 8}),
    )
    quarters = forms.IntegerField(label="Quarters", min_value=1, max_value=MAX_QUARTERS, required=False)

    def clean_start(self):
        value = self.cleaned_data["start"].strip()
        return Quarter.parse(_quarter(value)) if value else None
