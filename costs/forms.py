"""Forms of the total cost of execution: offers with their lines (a formset), exchange rates and
the cost of delay. Forms validate and present; `costs.services` writes."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from procurement.forms import StyledForm, StyledModelForm
from vendors.models import Contract, Vendor

from . import currencies
from .models import CostOfDelay, ExchangeRate, Offer, OfferLine
from .services import DELAY_FIELDS, LINE_FIELDS, MAX_LINES, OFFER_FIELDS, RATE_FIELDS


class FiniteDecimalField(forms.DecimalField):
    """Refuses "NaN" and "Infinity" while parsing: Django's own field lets them through to
    has_changed(), where comparing a signalling NaN with the initial value raises (a 500)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def finite_decimals(db_field, **kwargs):
    if isinstance(db_field, models.DecimalField):
        return db_field.formfield(form_class=FiniteDecimalField, **kwargs)
    return db_field.formfield(**kwargs)


def _currency_select():
    # A select of the active codes; the model's validator still refuses anything else posted.
    return forms.Select(choices=[("", "---------"), *currencies.CHOICES])


def _number(step: str, **attrs):
    return forms.NumberInput(attrs={"min": 0, "step": step, **attrs})


class OfferForm(StyledModelForm):
    class Meta:
        model = Offer
        formfield_callback = finite_decimals
        fields = OFFER_FIELDS
        widgets = {
            "billing_currency": _currency_select(),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "storage_rate_per_gb_month": _number("any"),
            "egress_rate_per_gb": _number("any"),
            "exit_egress_rate_per_gb": _number("any"),
            "queue_wait_hours": _number("any"),
            "switching_engineer_days": _number("any"),
            "engineer_day_rate": _number("0.01"),
            "parallel_run_weeks": _number("any"),
            "loss_probability": _number("any", max=100),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An offer stays with its vendor: another vendor's proposal is another offer.
            del self.fields["vendor"]
            contracts = Contract.objects.filter(vendor_id=self.instance.vendor_id)
        else:
            self.fields["vendor"].queryset = Vendor.objects.order_by("name")
            contracts = Contract.objects.all()
        self.fields["contract"].queryset = contracts.select_related("vendor").order_by(
            "vendor__name", "reference"
        )
        self.fields["contract"].label_from_instance = lambda c: f"{c.vendor.name} · {c.reference}: {c.title}"

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class OfferLineForm(StyledModelForm):
    class Meta:
        model = OfferLine
        formfield_callback = finite_decimals
        fields = LINE_FIELDS
        widgets = {
            "quantity": forms.NumberInput(attrs={"min": 1, "step": 1}),
            "list_unit_price": _number("any"),
            "contracted_unit_price": _number("any"),
            "effective_unit_price": _number("any"),
            "commitment_term_months": forms.NumberInput(attrs={"min": 1, "max": 120, "step": 1}),
            "expected_utilisation_percent": _number("any", max=100),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The form field's own floor (0, from PositiveIntegerField) would speak first, and vaguer.
        self.fields["quantity"].error_messages["min_value"] = "A line has at least one GPU."


class BaseOfferLineFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": "An offer needs at least one capacity line: fill in a row.",
        "too_many_forms": f"An offer has at most {MAX_LINES} capacity lines.",
    }

    def lines(self) -> list[dict]:
        """The rows filled in and not marked for removal, as the service takes them."""
        return [
            {name: row[name] for name in LINE_FIELDS}
            for row in self.cleaned_data
            if row and not row.get("DELETE")
        ]


OfferLineFormSet = forms.formset_factory(
    OfferLineForm,
    formset=BaseOfferLineFormSet,
    extra=2,
    can_delete=True,
    min_num=1,
    validate_min=True,
    max_num=MAX_LINES,
    validate_max=True,
)


def line_formset(data=None, offer: Offer | None = None) -> BaseOfferLineFormSet:
    """The lines of `offer` (or none yet) and two empty rows to add to, under the prefix "lines"."""
    initial = (
        [{name: getattr(line, name) for name in LINE_FIELDS} for line in offer.lines.all()] if offer else []
    )
    return OfferLineFormSet(data, initial=initial, prefix="lines")


class OfferFromContractForm(StyledForm):
    contract = forms.ModelChoiceField(queryset=Contract.objects.none())
    name = forms.CharField(
        max_length=200, required=False, help_text="Left empty: “<reference>: current contract”."
    )

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts
        self.fields["contract"].label_from_instance = lambda c: f"{c.vendor.name} · {c.reference}: {c.title}"


class ExchangeRateForm(StyledModelForm):
    class Meta:
        model = ExchangeRate
        formfield_callback = finite_decimals
        fields = RATE_FIELDS
        widgets = {
            "base_currency": _currency_select(),
            "quote_currency": _currency_select(),
            "rate": _number("any"),
            "on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class CostOfDelayForm(StyledModelForm):
    class Meta:
        model = CostOfDelay
        formfield_callback = finite_decimals
        fields = [name for name in DELAY_FIELDS if name != "tier"]
        widgets = {
            "per_day": _number("0.01"),
            "currency": _currency_select(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
