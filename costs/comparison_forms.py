"""Forms of the side-by-side comparison: what to compare (the model's own validators refuse a
horizon of 0, negative volumes, unknown currencies and absurd sizes), the sensitivity inputs, and
saving. Forms validate and present; `costs.comparing` computes and `costs.services` saves."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from procurement import demand
from procurement.forms import StyledModelForm
from resilience.models import Workload

from . import currencies, sensitivity
from .models import Comparison, Offer

INPUT_FIELDS = [
    "tier",
    "workload",
    "gpu_hours_per_month",
    "storage_gb",
    "egress_gb_per_month",
    "exit_data_gb",
    "horizon_months",
    "rehome_days",
    "reporting_currency",
    "as_of",
    "offers",
]


def _number(step: str, **attrs):
    return forms.NumberInput(attrs={"min": 0, "step": step, **attrs})


def offers_valid_on(day):
    """Offers still valid on the day (no end, or an end on or after it): the default selection."""
    return Offer.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))


class ComparisonForm(StyledModelForm):
    """The inputs of a comparison, read from the query string (GET): the same URL shows the same
    figures. Never saved as a model form: `comparison_save` freezes the snapshot."""

    utilisation_percent = forms.DecimalField(
        label="Committed utilisation (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=_number("1", max=100),
        help_text="Overrides every committed line's expected utilisation.",
    )
    queue_wait_hours = forms.DecimalField(
        label="Queue wait (hours)",
        required=False,
        min_value=0,
        max_value=8760,
        decimal_places=2,
        widget=_number("1", max=8760),
        help_text="Overrides every offer's expected hours until capacity is usable.",
    )
    egress_multiplier = forms.DecimalField(
        label="Egress multiplier",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=_number("0.1", max=100),
        help_text="Multiplies the egress GB a month (1 = as entered).",
    )
    vary = forms.ChoiceField(
        label="Rank the offers across",
        choices=sensitivity.VARY_CHOICES,
        required=False,
        initial=sensitivity.UTILISATION,
    )

    class Meta:
        model = Comparison
        fields = INPUT_FIELDS
        widgets = {
            "gpu_hours_per_month": _number("1"),
            "storage_gb": _number("1"),
            "egress_gb_per_month": _number("1"),
            "exit_data_gb": _number("1"),
            "horizon_months": forms.NumberInput(attrs={"min": 1, "max": 120, "step": 1}),
            "rehome_days": forms.NumberInput(attrs={"min": 0, "max": 3650, "step": 1}),
            "reporting_currency": forms.Select(choices=currencies.CHOICES),
            "as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "offers": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "gpu_hours_per_month": "Left empty: a third of the tier's P50 forecast for the next quarter.",
            "offers": "None ticked: every offer valid on the as-of date.",
        }

    def __init__(self, data=None, *, workloads=None, offers=None, **kwargs):
        data = self._with_forecast(data)
        today = timezone.localdate()
        initial = {
            "as_of": today,
            "horizon_months": 12,
            "rehome_days": 30,
            "reporting_currency": "EUR",
            "storage_gb": 0,
            "egress_gb_per_month": 0,
            "exit_data_gb": 0,
            **kwargs.pop("initial", {}),
        }
        super().__init__(data, initial=initial, **kwargs)
        self.fields["workload"].queryset = workloads if workloads is not None else Workload.objects.none()
        self.fields["offers"].queryset = (
            (offers if offers is not None else Offer.objects.all())
            .select_related("vendor")
            .order_by("vendor__name", "name", "pk")
        )
        self.fields["offers"].label_from_instance = lambda o: f"{o.vendor.name}: {o.name}"
        self.fields["offers"].required = False
        self.fields["as_of"].required = False
        self.fields["gpu_hours_per_month"].required = False

    @staticmethod
    def _with_forecast(data):
        """Fill an empty GPU-hours figure from capacity's P50 forecast, so the form shows the figure
        used. Left empty without a forecast: the field's own error asks for it."""
        if data is None or data.get("gpu_hours_per_month") or not data.get("tier"):
            return data
        try:
            on = forms.DateField().clean(data.get("as_of") or None) or timezone.localdate()
        except forms.ValidationError:
            return data
        estimate = demand.monthly_gpu_hours(data["tier"], on)
        if estimate is None:
            return data
        data = data.copy()
        data["gpu_hours_per_month"] = str(estimate)
        return data

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or timezone.localdate()

    def clean_gpu_hours_per_month(self):
        value = self.cleaned_data.get("gpu_hours_per_month")
        if value is None:
            raise forms.ValidationError(
                "Enter the GPU-hours a month: the tier has no P50 forecast for the next quarter."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("offers") and cleaned.get("as_of"):
            cleaned["offers"] = list(
                offers_valid_on(cleaned["as_of"]).filter(pk__in=self.fields["offers"].queryset)
            )
            if not cleaned["offers"]:
                self.add_error("offers", "No offer is valid on the as-of date: tick the offers to compare.")
        return cleaned

    def request_kwargs(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in INPUT_FIELDS if name != "offers"}

    def overrides(self) -> sensitivity.Overrides:
        data = self.cleaned_data
        return sensitivity.Overrides(
            utilisation_percent=data.get("utilisation_percent"),
            queue_wait_hours=data.get("queue_wait_hours"),
            egress_multiplier=data.get("egress_multiplier"),
        )

    def varied(self) -> str:
        return self.cleaned_data.get("vary") or sensitivity.UTILISATION


class ComparisonSaveForm(ComparisonForm):
    """The same inputs, posted with a name to freeze them."""

    class Meta(ComparisonForm.Meta):
        fields = ["name", *INPUT_FIELDS]
        labels = {"name": "Name of the comparison"}

    def __init__(self, *args, **kwargs):
        # Its hidden copies sit on the same page as the comparison form: ids must differ.
        kwargs.setdefault("auto_id", "id_save_%s")
        super().__init__(*args, **kwargs)
