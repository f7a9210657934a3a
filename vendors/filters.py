"""Search, filters and sorting of the vendor and contract lists (django-filter)."""

import django_filters
from django.db.models import Q

from procurement.forms import StyledForm

from . import selectors
from .models import Contract, Layer, Vendor


def _jurisdiction_choices():
    return [(j, j) for j in selectors.jurisdictions()]


def _currency_choices():
    return [(c, c) for c in selectors.currencies()]


# Filters whose choices come from the data: read once per request, when the filter set is made.
DATA_CHOICES = {"jurisdiction": _jurisdiction_choices, "currency": _currency_choices}


class RegisterFilterSet(django_filters.FilterSet):
    """Adds the primary key as the last sort key, so pages never repeat or skip a row."""

    default_ordering: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in DATA_CHOICES.items():
            if name in self.filters:
                self.filters[name].extra["choices"] = choices()

    def search(self, queryset, name, value):
        terms = Q()
        for field in self.search_fields:
            terms |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(terms) if value.strip() else queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*self.default_ordering)
        return queryset.order_by(*queryset.query.order_by, "pk")


class VendorFilter(RegisterFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=Vendor.Kind.choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=Vendor.Status.choices, empty_label="Any status")
    layer = django_filters.ModelChoiceFilter(
        field_name="layers",
        queryset=Layer.objects.all(),
        to_field_name="code",
        label="Layer",
        empty_label="Any layer",
    )
    jurisdiction = django_filters.ChoiceFilter(
        field_name="hq_jurisdiction",
        label="Jurisdiction",
        empty_label="Any jurisdiction",
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("status", "status"),
            ("hq_jurisdiction", "jurisdiction"),
            ("contract_count", "contracts"),
            ("updated_at", "updated"),
        ),
        label="Sort by",
    )
    default_ordering = ("name",)
    search_fields = ("name", "legal_entity", "hq_jurisdiction")

    class Meta:
        model = Vendor
        fields: list[str] = []
        form = StyledForm


class ContractFilter(RegisterFilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(
        field_name="vendor__kind", choices=Vendor.Kind.choices, label="Vendor kind", empty_label="Any kind"
    )
    layer = django_filters.ModelChoiceFilter(
        field_name="vendor__layers",
        queryset=Layer.objects.all(),
        to_field_name="code",
        label="Vendor layer",
        empty_label="Any layer",
    )
    jurisdiction = django_filters.ChoiceFilter(
        field_name="vendor__hq_jurisdiction",
        label="Vendor jurisdiction",
        empty_label="Any jurisdiction",
    )
    currency = django_filters.ChoiceFilter(empty_label="Any currency")
    missing_exit_rights = django_filters.ChoiceFilter(
        method="filter_missing",
        label="Exit rights",
        choices=[("true", "Some missing"), ("false", "All covered")],
        empty_label="Any",
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("vendor__name", "vendor"),
            ("status", "status"),
            ("end_date", "end"),
            ("notice_deadline", "notice"),
            ("committed_spend", "spend"),
            ("exit_rights_missing", "missing"),
        ),
        label="Sort by",
    )
    default_ordering = ("notice_deadline",)
    search_fields = ("reference", "title", "vendor__name")

    class Meta:
        model = Contract
        fields: list[str] = []
        form = StyledForm

    def filter_missing(self, queryset, name, value):
        return selectors.with_exit_rights_missing(queryset, missing=value == "true")
