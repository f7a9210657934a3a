"""Every write of capacity planning: demand forecasts, allocations of capacity lines to tiers,
and vendors' demand visibility.

Each public service is the outermost transaction (durable), locks what its check depends on,
validates with `full_clean`, and writes one audit event per change in the same transaction.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from procurement import audit
from vendors.models import CapacityLine, Vendor

from .models import CapacityAllocation, DemandForecast, DemandVisibility
from .quarters import Quarter

FORECAST_FIELDS = ["tier", "quarter", "p50_gpu_hours", "p90_gpu_hours", "note"]
ALLOCATION_FIELDS = ["line", "tier", "share_percent", "note"]
VISIBILITY_FIELDS = [
    "vendor",
    "recorded_on",
    "utilisation_shared",
    "utilisation_percent",
    "reservation_options",
    "hardware_refreshes",
    "lead_time_days",
    "notes",
]
DUPLICATE_FORECAST = {"quarter": "This tier already has a forecast for this quarter: edit that one."}
DUPLICATE_ALLOCATION = {"tier": "This line already has an allocation to this tier: change its share instead."}


def _reject_unknown(changes: dict, allowed: Iterable[str], label: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {label} fields: {sorted(unknown)}")


def _save(obj, unique_message: dict) -> None:
    obj.full_clean(validate_constraints=False)
    try:
        # A savepoint: a concurrent insert of the same row must not poison the outer transaction.
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(unique_message) from exc


def _record_delete(*, actor, action: str, obj, before: dict) -> None:
    label, pk = str(obj), obj.pk
    obj.delete()
    audit.record(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=pk,
        object_label=label,
        before=before,
    )


# Demand forecasts -------------------------------------------------------------------------


def normalise_quarter(value: str) -> str:
    """ "2027-q1 " → "2027-Q1"; a malformed quarter is a field error."""
    try:
        return str(Quarter.parse(value))
    except ValueError as exc:
        raise ValidationError({"quarter": str(exc)}) from exc


def _forecast_snapshot(forecast: DemandForecast) -> dict:
    return audit.snapshot(forecast, FORECAST_FIELDS)


def _forecast_create(
    *, actor, tier: str, quarter: str, p50_gpu_hours: int, p90_gpu_hours: int, note: str = ""
) -> DemandForecast:
    forecast = DemandForecast(
        tier=tier,
        quarter=normalise_quarter(quarter),
        p50_gpu_hours=p50_gpu_hours,
        p90_gpu_hours=p90_gpu_hours,
        note=note,
    )
    _check_no_duplicate(forecast)
    _save(forecast, DUPLICATE_FORECAST)
    audit.record(
        actor=actor, action="demand_forecast.create", obj=forecast, after=_forecast_snapshot(forecast)
    )
    return forecast


def _check_no_duplicate(forecast: DemandForecast) -> None:
    others = DemandForecast.objects.filter(tier=forecast.tier, quarter=forecast.quarter)
    if forecast.pk:
        others = others.exclude(pk=forecast.pk)
    if others.exists():
        raise ValidationError(DUPLICATE_FORECAST)


@transaction.atomic(durable=True)
def demand_forecast_create(*, actor, **fields) -> DemandForecast:
    """Forecast a tier's GPU-hours for a quarter. Raises ValidationError for bad input."""
    return _forecast_create(actor=actor, **fields)


@transaction.atomic(durable=True)
def demand_forecast_update(*, actor, forecast: DemandForecast, **changes) -> DemandForecast:
    _reject_unknown(changes, FORECAST_FIELDS, "forecast")
    forecast = DemandForecast.objects.select_for_update().get(pk=forecast.pk)
    before = _forecast_snapshot(forecast)
    for name, value in changes.items():
        setattr(forecast, name, normalise_quarter(value) if name == "quarter" else value)
    _check_no_duplicate(forecast)
    _save(forecast, DUPLICATE_FORECAST)
    after = _forecast_snapshot(forecast)
    if after != before:
        audit.record(actor=actor, action="demand_forecast.update", obj=forecast, before=before, after=after)
    return forecast


@transaction.atomic(durable=True)
def demand_forecast_delete(*, actor, forecast: DemandForecast) -> None:
    forecast = DemandForecast.objects.select_for_update().get(pk=forecast.pk)
    _record_delete(
        actor=actor, action="demand_forecast.delete", obj=forecast, before=_forecast_snapshot(forecast)
    )


@transaction.atomic(durable=True)
def demand_forecasts_import(*, actor, rows: list[dict]) -> list[DemandForecast]:
    """Create or update one forecast per row (tier and quarter identify it), all or none."""
    saved = []
    for row in rows:
        existing = DemandForecast.objects.select_for_update().filter(
            tier=row["tier"], quarter=normalise_quarter(row["quarter"])
        )
        forecast = existing.first()
        if forecast is None:
            saved.append(_forecast_create(actor=actor, **row))
            continue
        before = _forecast_snapshot(forecast)
        for name in ("p50_gpu_hours", "p90_gpu_hours", "note"):
            setattr(forecast, name, row.get(name, getattr(forecast, name)))
        _save(forecast, DUPLICATE_FORECAST)
        after = _forecast_snapshot(forecast)
        if after != before:
            audit.record(
                actor=actor, action="demand_forecast.update", obj=forecast, before=before, after=after
            )
        saved.append(forecast)
    return saved


# Allocations of capacity lines to tiers ---------------------------------------------------


def _allocation_snapshot(allocation: CapacityAllocation) -> dict:
    values = audit.snapshot(allocation, ALLOCATION_FIELDS)
    # The line by name too: the history must stay readable after the line is removed.
    values["line"] = f"{allocation.line} on {allocation.line.contract.reference} (#{allocation.line_id})"
    return values


def _lock_line(line: CapacityLine) -> CapacityLine:
    # Allocations of one line are serialised on it: two people sharing out the same line must
    # not both pass the "at most 100%" check against the old shares.
    return CapacityLine.objects.select_for_update().select_related("contract").get(pk=line.pk)


def _check_total_share(allocation: CapacityAllocation) -> None:
    others = CapacityAllocation.objects.filter(line_id=allocation.line_id)
    if allocation.pk:
        others = others.exclude(pk=allocation.pk)
    taken = others.aggregate(total=Sum("share_percent"))["total"] or Decimal(0)
    if allocation.share_percent is not None and taken + allocation.share_percent > 100:
        raise ValidationError(
            {
                "share_percent": f"Other tiers already take {taken.normalize():f}% of this line: at most "
                f"{(Decimal(100) - taken).normalize():f}% is left."
            }
        )


@transaction.atomic(durable=True)
def capacity_allocation_create(
    *, actor, line: CapacityLine, tier: str, share_percent: Decimal, note: str = ""
) -> CapacityAllocation:
    """Set aside a share of a capacity line for a tier; the shares of a line add up to at most 100%."""
    line = _lock_line(line)
    allocation = CapacityAllocation(line=line, tier=tier, share_percent=share_percent, note=note)
    if CapacityAllocation.objects.filter(line=line, tier=tier).exists():
        raise ValidationError(DUPLICATE_ALLOCATION)
    _check_total_share(allocation)
    _save(allocation, DUPLICATE_ALLOCATION)
    audit.record(
        actor=actor,
        action="capacity_allocation.create",
        obj=allocation,
        after=_allocation_snapshot(allocation),
    )
    return allocation


@transaction.atomic(durable=True)
def capacity_allocation_update(*, actor, allocation: CapacityAllocation, **changes) -> CapacityAllocation:
    _reject_unknown(changes, ["tier", "share_percent", "note"], "allocation")
    line = _lock_line(allocation.line)
    allocation = CapacityAllocation.objects.select_for_update().get(pk=allocation.pk)
    allocation.line = line
    before = _allocation_snapshot(allocation)
    for name, value in changes.items():
        setattr(allocation, name, value)
    if CapacityAllocation.objects.filter(line=line, tier=allocation.tier).exclude(pk=allocation.pk).exists():
        raise ValidationError(DUPLICATE_ALLOCATION)
    _check_total_share(allocation)
    _save(allocation, DUPLICATE_ALLOCATION)
    after = _allocation_snapshot(allocation)
    if after != before:
        audit.record(
            actor=actor, action="capacity_allocation.update", obj=allocation, before=before, after=after
        )
    return allocation


@transaction.atomic(durable=True)
def capacity_allocation_delete(*, actor, allocation: CapacityAllocation) -> None:
    line = _lock_line(allocation.line)
    allocation = CapacityAllocation.objects.select_for_update().get(pk=allocation.pk)
    allocation.line = line
    _record_delete(
        actor=actor,
        action="capacity_allocation.delete",
        obj=allocation,
        before=_allocation_snapshot(allocation),
    )


# Demand visibility ------------------------------------------------------------------------


def _visibility_snapshot(record: DemandVisibility) -> dict:
    values = audit.snapshot(record, VISIBILITY_FIELDS)
    values["vendor"] = f"{record.vendor.name} (#{record.vendor_id})"
    return values


@transaction.atomic(durable=True)
def demand_visibility_record(
    *,
    actor,
    vendor: Vendor,
    recorded_on: date,
    lead_time_days: int,
    utilisation_shared: bool = False,
    utilisation_percent: int | None = None,
    reservation_options: str = "",
    hardware_refreshes: str = "",
    notes: str = "",
) -> DemandVisibility:
    """Record what a vendor shared about its capacity, as of a date; the latest one counts."""
    record = DemandVisibility(
        vendor=vendor,
        recorded_on=recorded_on,
        lead_time_days=lead_time_days,
        utilisation_shared=utilisation_shared,
        utilisation_percent=utilisation_percent,
        reservation_options=reservation_options,
        hardware_refreshes=hardware_refreshes,
        notes=notes,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _save(record, {})
    audit.record(
        actor=actor, action="demand_visibility.create", obj=record, after=_visibility_snapshot(record)
    )
    return record


@transaction.atomic(durable=True)
def demand_visibility_update(*, actor, record: DemandVisibility, **changes) -> DemandVisibility:
    """Correct a record (a figure mistyped); what the vendor says later is a new record."""
    _reject_unknown(changes, set(VISIBILITY_FIELDS) - {"vendor"}, "demand visibility")
    record = DemandVisibility.objects.select_for_update().select_related("vendor").get(pk=record.pk)
    before = _visibility_snapshot(record)
    for name, value in changes.items():
        setattr(record, name, value)
    _save(record, {})
    after = _visibility_snapshot(record)
    if after != before:
        audit.record(actor=actor, action="demand_visibility.update", obj=record, before=before, after=after)
    return record
