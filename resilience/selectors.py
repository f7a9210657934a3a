"""Reads of workloads, dependencies and rehearsals, scoped to the user.

Every signed-in user with a role reads them; for anyone else they do not exist (404 / empty).
Lists are built with a fixed number of queries whatever their length.
"""

from datetime import timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from procurement import policies
from vendors.models import Vendor

from .concentration import BAND_ORDER, HostingGraph, with_last_rehearsal
from .models import Criticality, Dependency, Rehearsal, Workload
from .services import rehearsal_interval

DASHBOARD_ROWS = 10
DUE_NEVER, DUE_OVERDUE, DUE_SOON, DUE_CURRENT = "never", "overdue", "soon", "current"
DUE_LABELS = {
    DUE_NEVER: "Never rehearsed",
    DUE_OVERDUE: "Rehearsal overdue",
    DUE_SOON: "Due within 30 days",
    DUE_CURRENT: "Rehearsed recently",
}
SOON_DAYS = 30


def workloads_for(user) -> QuerySet[Workload]:
    if not policies.can_read(user):
        return Workload.objects.none()
    return Workload.objects.all()


def _overdue_before(today=None):
    """A rehearsal on or before this day is overdue today."""
    return (today or timezone.localdate()) - rehearsal_interval()


def filter_due(queryset: QuerySet[Workload], status: str) -> QuerySet[Workload]:
    """Workloads (annotated by `with_last_rehearsal`) in the given due status."""
    overdue_before = _overdue_before()
    if status == DUE_NEVER:
        return queryset.filter(last_rehearsed_on__isnull=True)
    if status == DUE_OVERDUE:
        return queryset.filter(last_rehearsed_on__lt=overdue_before)
    if status == DUE_SOON:
        return queryset.filter(
            last_rehearsed_on__gte=overdue_before,
            last_rehearsed_on__lt=overdue_before + timedelta(days=SOON_DAYS),
        )
    if status == DUE_CURRENT:
        return queryset.filter(last_rehearsed_on__gte=overdue_before + timedelta(days=SOON_DAYS))
    return queryset


def due_status(last_rehearsed_on) -> str:
    if last_rehearsed_on is None:
        return DUE_NEVER
    overdue_before = _overdue_before()
    if last_rehearsed_on < overdue_before:
        return DUE_OVERDUE
    if last_rehearsed_on < overdue_before + timedelta(days=SOON_DAYS):
        return DUE_SOON
    return DUE_CURRENT


def workload_list(user) -> QuerySet[Workload]:
    """Workloads with owner, dependency and vendor counts and their last rehearsal, for the list."""
    deps = Dependency.objects.filter(workload=OuterRef("pk")).order_by().values("workload")
    return (
        with_last_rehearsal(workloads_for(user))
        .select_related("owner")
        .annotate(
            dependency_count=Coalesce(
                Subquery(deps.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0)
            ),
            vendor_count=Coalesce(
                Subquery(
                    deps.annotate(n=Count("vendor", distinct=True)).values("n"), output_field=IntegerField()
                ),
                Value(0),
            ),
        )
    )


def workload_for_user(user, pk: int) -> Workload:
    return get_object_or_404(workloads_for(user), pk=pk)


def workload_detail(user, pk: int) -> Workload:
    return get_object_or_404(with_last_rehearsal(workloads_for(user)).select_related("owner"), pk=pk)


def dependencies_of(workload: Workload) -> list[Dependency]:
    """A workload's dependencies, layer by layer, compute bands in committed, burst, emergency order."""
    deps = list(workload.dependencies.select_related("vendor", "vendor__runs_on", "layer"))
    band_rank = {band.value: i for i, band in enumerate(BAND_ORDER)}
    deps.sort(key=lambda d: (d.layer.position, band_rank.get(d.band, -1), d.vendor.name.lower(), d.region))
    return deps


def dependency_for_user(user, workload: Workload, pk: int) -> Dependency:
    return get_object_or_404(
        Dependency.objects.filter(workload__in=workloads_for(user)).select_related(
            "vendor", "layer", "workload"
        ),
        workload=workload,
        pk=pk,
    )


def rehearsals_of(workload: Workload) -> QuerySet[Rehearsal]:
    return workload.rehearsals.select_related("vendor", "recorded_by").prefetch_related("participants")


def rehearsal_for_user(user, workload: Workload, pk: int) -> Rehearsal:
    return get_object_or_404(
        Rehearsal.objects.filter(workload__in=workloads_for(user))
        .select_related("workload", "vendor", "recorded_by")
        .prefetch_related(Prefetch("participants")),
        workload=workload,
        pk=pk,
    )


def vendors_for_dependencies() -> QuerySet[Vendor]:
    """Vendors a dependency may point at: everyone but retired vendors (kept for the record)."""
    return Vendor.objects.exclude(status=Vendor.Status.RETIRED).order_by("name")


def known_regions() -> list[str]:
    """Regions vendors process data in and regions already on dependencies, for a datalist."""
    regions = set(
        Dependency.objects.exclude(region="").order_by().values_list("region", flat=True).distinct()
    )
    for listed in Vendor.objects.order_by().values_list("processing_regions", flat=True):
        regions.update(r for r in listed or [] if isinstance(r, str))
    return sorted(regions, key=str.lower)


def workload_names(user) -> list[str]:
    return list(workloads_for(user).order_by("name").values_list("name", flat=True))


def depended_on_vendors() -> list[tuple[int, str]]:
    """Vendors some workload depends on, and the vendors they run on: the ones worth losing."""
    graph = HostingGraph.load()
    direct = Dependency.objects.order_by().values_list("vendor_id", flat=True).distinct()
    ids = {host for vendor_id in direct for host in graph.chain(vendor_id)}
    return sorted(((pk, graph.names[pk]) for pk in ids), key=lambda pair: pair[1].lower())


def critical_rehearsals_due(user, *, today=None) -> QuerySet[Workload]:
    """Critical workloads never rehearsed or overdue (on `today`, by default the real one),
    never-rehearsed and longest-overdue first."""
    # Only the date of the latest rehearsal: the panel shows a name and a due badge, and every
    # further annotation would be one more correlated subquery per critical workload.
    latest = Rehearsal.objects.filter(workload=OuterRef("pk")).order_by("-performed_on", "-pk")
    critical = (
        workloads_for(user)
        .filter(criticality=Criticality.CRITICAL)
        .only("pk", "name")
        .annotate(last_rehearsed_on=Subquery(latest.values("performed_on")[:1]))
    )
    due = critical.filter(Q(last_rehearsed_on__isnull=True) | Q(last_rehearsed_on__lt=_overdue_before(today)))
    return due.order_by(F("last_rehearsed_on").asc(nulls_first=True), "name")
