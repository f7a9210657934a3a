"""Forms for workloads, dependencies, rehearsals, the workload list filters and the loss scenario.

Forms validate and present; the services in `resilience.services` write.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from procurement import policies
from procurement.forms import StyledForm, StyledModelForm
from vendors.models import Layer, Vendor, WorkloadTier

from . import selectors
from .models import Criticality, Dependency, Rehearsal, Workload
from .services import WORKLOAD_FIELDS

REGION_DATALIST = "known-regions"


def people():
    """Active users who hold a role (or are admins): the people who own workloads and rehearse."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=policies.ROLES) | Q(is_staff=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
        .only("pk", "first_name", "last_name", "username")
    )


def named(vendors):
    """Vendors as options: only the id and the name are read (a select may list a thousand)."""
    return vendors.only("pk", "name")


class PersonChoiceMixin:
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class PersonChoiceField(PersonChoiceMixin, forms.ModelChoiceField):
    pass


class PeopleChoiceField(PersonChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class WorkloadForm(StyledModelForm):
    owner = PersonChoiceField(queryset=people(), required=False, empty_label="Nobody yet")

    class Meta:
        model = Workload
        fields = WORKLOAD_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class DependencyForm(StyledModelForm):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), empty_label="Choose a vendor")

    class Meta:
        model = Dependency
        fields = ["layer", "vendor", "band", "amount", "region", "notes"]
        labels = {"band": "Band", "amount": "Amount"}
        help_texts = {
            "band": "Compute only.",
            "amount": "GPUs for compute; for other layers the share of the workload's need, in percent.",
        }
        widgets = {
            "region": forms.TextInput(attrs={"list": REGION_DATALIST, "autocomplete": "off"}),
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vendors = selectors.vendors_for_dependencies()
        if self.instance.pk:
            # A dependency on a vendor retired since stays editable.
            vendors = Vendor.objects.filter(Q(pk__in=vendors) | Q(pk=self.instance.vendor_id)).order_by(
                "name"
            )
        self.fields["vendor"].queryset = named(vendors)
        self.fields["layer"].queryset = Layer.objects.order_by("position", "name")
        self.fields["layer"].empty_label = None
        self.fields["band"].choices = [("", "— not compute —"), *self.fields["band"].choices[1:]]


class RehearsalForm(StyledModelForm):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.none(), required=False, label="Vendor failed over from"
    )
    participants = PeopleChoiceField(
        queryset=people(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    class Meta:
        model = Rehearsal
        fields = [
            "scenario",
            "custom_scenario",
            "vendor",
            "performed_on",
            "outcome",
            "recovery_minutes",
            "data_loss_minutes",
            "participants",
            "other_participants",
            "follow_up_actions",
            "notes",
        ]
        widgets = {
            "performed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "follow_up_actions": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"custom_scenario": "Only for a custom scenario."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = people()
        self.fields["vendor"].queryset = named(Vendor.objects.order_by("name"))
        self.fields["vendor"].empty_label = "No particular vendor"


class WorkloadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    tier = django_filters.ChoiceFilter(choices=WorkloadTier.choices, empty_label="Any tier")
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices, empty_label="Any criticality")
    vendor = django_filters.CharFilter(
        method="on_vendor",
        label="Vendor",
        widget=forms.TextInput(attrs={"placeholder": "Any vendor"}),
    )
    due = django_filters.ChoiceFilter(
        choices=list(selectors.DUE_LABELS.items()), method="by_due", label="Rehearsal", empty_label="Any"
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("criticality", "criticality"),
            ("tier", "tier"),
            ("rto_minutes", "rto"),
            ("last_rehearsed_on", "rehearsed"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Workload
        fields: list[str] = []
        form = StyledForm

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(team__icontains=value) | Q(notes__icontains=value)
        )

    def on_vendor(self, queryset, name, value):
        """Workloads depending on the vendor with this id (links) or whose name contains the text."""
        value = value.strip()
        vendors = Q(vendor_id=int(value)) if value.isdigit() else Q(vendor__name__icontains=value)
        return queryset.filter(pk__in=Dependency.objects.filter(vendors).order_by().values("workload_id"))

    def by_due(self, queryset, name, value):
        return selectors.filter_due(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        order = queryset.query.order_by or ("name",)
        # The primary key last: pages never repeat or skip a row.
        return queryset.order_by(*order, "pk")


class LossScenarioForm(StyledForm):
    vendor = forms.ModelChoiceField(
        queryset=named(Vendor.objects.order_by("name")), empty_label="Choose a vendor"
    )
    region = forms.CharField(
        required=False,
        max_length=100,
        help_text="Optional: lose only this region. Dependencies with no region recorded count as lost.",
        widget=forms.TextInput(attrs={"list": REGION_DATALIST, "autocomplete": "off"}),
    )

    def __init__(self, *args, offered: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if offered is not None:
            # Only the options shown; any vendor is still accepted (e.g. from its exposure page).
            self.fields["vendor"].choices = [("", "Choose a vendor"), *offered]


class ConcentrationForm(StyledForm):
    """One workload by id (links) or by name (typed, with the names offered in a datalist)."""

    workload = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "workload-names", "placeholder": "Whole portfolio"}),
    )

    def clean_workload(self):
        value = self.cleaned_data["workload"].strip()
        if not value:
            return None
        workloads = Workload.objects.all()
        found = workloads.filter(pk=int(value)) if value.isdigit() else workloads.filter(name__iexact=value)
        workload = found.first()
        if workload is None:
            raise forms.ValidationError("No workload has that name.")
        return workload
