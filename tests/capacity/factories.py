"""Capacity planning in tests: contracts with lines, allocated through the services."""

from datetime import date
from decimal import Decimal

from capacity import services
from tests.vendors.factories import CapacityLineFactory, ContractFactory, VendorFactory
from vendors.models import Contract


def allocated_line(
    actor,
    *,
    tier="experimental_training",
    share="100",
    count=100,
    band="committed",
    vendor=None,
    region="us-east",
    start=date(2026, 1, 1),
    end=date(2028, 12, 31),
    status=Contract.Status.ACTIVE,
):
    contract = ContractFactory(
        vendor=vendor or VendorFactory(), start_date=start, end_date=end, status=status
    )
    line = CapacityLineFactory(contract=contract, count=count, band=band, region=region)
    if share:
        services.capacity_allocation_create(actor=actor, line=line, tier=tier, share_percent=Decimal(share))
    return line


def forecast(actor, *, tier="experimental_training", quarter="2027-Q1", p50=50_000, p90=80_000):
    return services.demand_forecast_create(
        actor=actor, tier=tier, quarter=quarter, p50_gpu_hours=p50, p90_gpu_hours=p90
    )


def visibility(actor, vendor, *, lead=60, on=date(2026, 6, 1)):
    return services.demand_visibility_record(actor=actor, vendor=vendor, recorded_on=on, lead_time_days=lead)
