"""Reads of capacity planning, scoped to the user: everyone with a role reads the plan and its
inputs; for anyone else they do not exist (404 / empty)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from procurement import policies
from vendors.models import CapacityLine, Contract, Vendor

from .models import CapacityAllocation, DemandForecast, DemandVisibility

# Lines that can be allocated: contracts that run or may run (not those that ended).
ALLOCATABLE_STATUSES = (Contract.Status.ACTIVE, Contract.Status.NEGOTIATING, Contract.Status.DRAFT)


def forecasts_for(user) -> QuerySet[DemandForecast]:
    if not policies.can_read(user):
        return DemandForecast.objects.none()
    return DemandForecast.objects.all()


def forecast_for_user(user, pk: int) -> DemandForecast:
    return get_object_or_404(forecasts_for(user), pk=pk)


def allocations_for(user) -> QuerySet[CapacityAllocation]:
    if not policies.can_read(user):
        return CapacityAllocation.objects.none()
    return CapacityAllocation.objects.select_related("line__contract__vendor")


def allocation_for_user(user, pk: int) -> CapacityAllocation:
    return get_object_or_404(allocations_for(user), pk=pk)


def allocatable_lines(user) -> QuerySet[CapacityLine]:
    """Capacity lines of contracts that run or may run, with their vendor, in a stable order."""
    if not policies.can_read(user):
        return CapacityLine.objects.none()
    return (
        CapacityLine.objects.filter(contract__status__in=ALLOCATABLE_STATUSES)
        .select_related("contract__vendor")
        .order_by("contract__vendor__name", "contract__reference", "band", "region", "pk")
    )


def visibility_for(user) -> QuerySet[DemandVisibility]:
    if not policies.can_read(user):
        return DemandVisibility.objects.none()
    return DemandVisibility.objects.select_related("vendor", "recorded_by")


def visibility_for_user(user, pk: int) -> DemandVisibility:
    return get_object_or_404(visibility_for(user), pk=pk)


def latest_visibility_of(user, vendor: Vendor) -> DemandVisibility | None:
    return visibility_for(user).filter(vendor=vendor).order_by("-recorded_on", "-pk").first()
