import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from procurement.forms import StyledForm
from vendors.models import WorkloadTier

from .models import Evaluation


class EvaluationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    status = django_filters.ChoiceFilter(choices=Evaluation.Status.choices, empty_label="Any status")
    tier = django_filters.ChoiceFilter(choices=WorkloadTier.choices, empty_label="Any tier")
    # ?overdue=true links here from the dashboard; a select like the filter bar's others.
    overdue = django_filters.ChoiceFilter(
        label="Re-evaluation", choices=[("true", "Overdue")], empty_label="Any", method="filter_overdue"
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("weighted_total", "total"),
            ("vendor__name", "vendor"),
            ("title", "title"),
        ),
        field_labels={
            "created_at": "Created",
            "weighted_total": "Total",
            "vendor__name": "Vendor",
            "title": "Title",
        },
        label="Sort by",
    )

    # A link from a vendor's page (?vendor=<id>): not a select of every vendor, which would
    # grow with the register; the search box finds vendors by name.
    vendor = django_filters.NumberFilter(field_name="vendor_id", widget=forms.HiddenInput)

    class Meta:
        model = Evaluation
        fields = ["q", "status", "tier", "vendor"]
        form = StyledForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(vendor__name__icontains=value) | Q(purpose__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(
                status=Evaluation.Status.APPROVED, reevaluation_due__lt=timezone.localdate()
            )
        return queryset
