"""JSON API of capacity planning: the plan, demand forecasts, allocations and demand visibility.

Each endpoint does what the matching page does (policy, selector, form, service)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    InputSchema,
    IsoDate,
    Page,
    PageQuery,
    invalid,
    paginate,
    require_read,
    require_write,
    write_through_form,
)
from vendors.api.fields import Band, BodyId, Id, Tier, VendorRef

from . import planning, selectors, services
from .forms import CapacityAllocationForm, DemandForecastForm, DemandVisibilityForm
from .models import MAX_GPU_HOURS, MAX_LEAD_TIME_DAYS, DemandVisibility
from .quarters import Quarter

router = Router(tags=["Capacity planning"])
GpuHours = StrictInt


# The plan ---------------------------------------------------------------------------------


class ActByOut(Schema):
    date: date
    days_left: int
    vendor: str = Field(..., description="Whose lead time gives the date (or that it is assumed).")
    lead_time_days: int
    assumed: bool


class CellOut(Schema):
    tier: Tier
    quarter: str
    p50_gpu_hours: int | None
    p90_gpu_hours: int | None
    committed_gpu_hours: Decimal
    burst_gpu_hours: Decimal
    emergency_gpu_hours: Decimal
    supply_gpu_hours: Decimal
    shortfall_p50_gpu_hours: Decimal
    shortfall_p90_gpu_hours: Decimal
    largest_vendor: str | None
    largest_vendor_share_percent: Decimal | None
    sole_vendor: str | None
    one_point_of_failure_with_three_prices: bool
    act_by: ActByOut | None


class PlanOut(Schema):
    quarters: list[str]
    cells: list[CellOut]


class PlanQuery(Schema):
    start: str | None = Field(
        None, max_length=7, description="First quarter, YYYY-Qn (default: the next one)."
    )
    quarters: int = Field(planning.DEFAULT_QUARTERS, ge=1, le=planning.MAX_QUARTERS)


def _cell_out(cell: planning.Cell) -> dict:
    largest = cell.largest_vendor
    act = cell.act
    return {
        "tier": cell.tier,
        "quarter": str(cell.quarter),
        "p50_gpu_hours": cell.p50,
        "p90_gpu_hours": cell.p90,
        "committed_gpu_hours": cell.by_band["committed"],
        "burst_gpu_hours": cell.by_band["burst"],
        "emergency_gpu_hours": cell.by_band["emergency"],
        "supply_gpu_hours": cell.supply,
        "shortfall_p50_gpu_hours": cell.shortfall_p50,
        "shortfall_p90_gpu_hours": cell.shortfall_p90,
        "largest_vendor": largest[0] if largest else None,
        "largest_vendor_share_percent": largest[1] if largest else None,
        "sole_vendor": cell.sole_vendor,
        "one_point_of_failure_with_three_prices": cell.three_prices,
        "act_by": None
        if act is None
        else {
            "date": act.date,
            "days_left": act.days_left,
            "vendor": act.lead_time.vendor_name,
            "lead_time_days": act.lead_time.days,
            "assumed": act.assumed,
        },
    }


@router.get("/capacity/plan", response={200: PlanOut, **ERROR_RESPONSES})
def capacity_plan(request, query: Query[PlanQuery]):
    """Per tier and quarter: supply by band, demand, shortfalls, single-vendor supply, date to act."""
    require_read(request)
    start = None
    if query.start:
        try:
            start = Quarter.parse(query.start)
        except ValueError as exc:
            raise invalid({"start": [str(exc)]}) from exc
    plan = planning.build_plan(start=start, count=query.quarters)
    return {
        "quarters": [str(q) for q in plan.quarters],
        "cells": [_cell_out(cell) for row in plan.rows() for cell in row["cells"]],
    }


# Demand forecasts -------------------------------------------------------------------------


class ForecastOut(Schema):
    id: int
    tier: Tier
    quarter: str
    p50_gpu_hours: int
    p90_gpu_hours: int
    note: str
    created_at: datetime
    updated_at: datetime


class ForecastQuery(PageQuery):
    tier: Tier | None = None
    quarter: str | None = Field(None, max_length=7, description="YYYY-Qn")


class ForecastFields(InputSchema):
    tier: Tier | None = None
    quarter: str | None = Field(None, max_length=20, description="YYYY-Qn, e.g. 2027-Q1.")
    p50_gpu_hours: GpuHours | None = Field(None, ge=0, le=MAX_GPU_HOURS)
    p90_gpu_hours: GpuHours | None = Field(None, ge=0, le=MAX_GPU_HOURS)
    note: str | None = Field(None, max_length=20_000)


class ForecastIn(ForecastFields):
    tier: Tier
    quarter: str = Field(..., max_length=20, description="YYYY-Qn, e.g. 2027-Q1.")
    p50_gpu_hours: GpuHours = Field(..., ge=0, le=MAX_GPU_HOURS)
    p90_gpu_hours: GpuHours = Field(..., ge=0, le=MAX_GPU_HOURS)


FORECAST_REFUSAL = "Editing demand forecasts needs the procurement or platform role."


@router.get("/capacity/forecasts", response={200: Page[ForecastOut], **ERROR_RESPONSES})
def capacity_forecast_list(request, query: Query[ForecastQuery]):
    require_read(request)
    forecasts = selectors.forecasts_for(request.user)
    if query.tier:
        forecasts = forecasts.filter(tier=query.tier)
    if query.quarter:
        try:
            forecasts = forecasts.filter(quarter=str(Quarter.parse(query.quarter)))
        except ValueError as exc:
            raise invalid({"quarter": [str(exc)]}) from exc
    return paginate(request, forecasts.order_by("quarter", "tier", "pk"), query)


@router.post("/capacity/forecasts", response={201: ForecastOut, **WRITE_RESPONSES})
def capacity_forecast_create(request, payload: ForecastIn):
    forecast = write_through_form(
        request,
        allowed=policies.can_edit_forecasts(request.user),
        refusal=FORECAST_REFUSAL,
        form=DemandForecastForm,
        payload=payload,
        defaults={"note": ""},
        save=lambda form: services.demand_forecast_create(actor=request.user, **form.cleaned_data),
    )
    return Status(201, forecast)


@router.patch("/capacity/forecasts/{forecast_id}", response={200: ForecastOut, **WRITE_RESPONSES})
def capacity_forecast_update(request, forecast_id: Path[Id], payload: ForecastFields):
    forecast = selectors.forecast_for_user(request.user, forecast_id)
    return write_through_form(
        request,
        allowed=policies.can_edit_forecasts(request.user),
        refusal=FORECAST_REFUSAL,
        form=lambda data: DemandForecastForm(data, instance=forecast),
        payload=payload,
        save=lambda form: services.demand_forecast_update(
            actor=request.user,
            forecast=selectors.forecast_for_user(request.user, forecast_id),
            **{name: form.cleaned_data[name] for name in form.changed_data},
        ),
    )


@router.delete("/capacity/forecasts/{forecast_id}", response={204: None, **WRITE_RESPONSES})
def capacity_forecast_delete(request, forecast_id: Path[Id]):
    forecast = selectors.forecast_for_user(request.user, forecast_id)
    require_write(request, policies.can_edit_forecasts(request.user), FORECAST_REFUSAL)
    services.demand_forecast_delete(actor=request.user, forecast=forecast)
    return Status(204, None)


# Allocations ------------------------------------------------------------------------------


class AllocationOut(Schema):
    id: int
    line: int = Field(..., description="Capacity line id.")
    vendor: VendorRef
    contract: str = Field(..., description="The contract's reference.")
    accelerator_model: str
    count: int
    region: str
    band: Band
    tier: Tier
    share_percent: Decimal
    note: str

    @staticmethod
    def resolve_line(obj) -> int:
        return obj.line_id

    @staticmethod
    def resolve_vendor(obj):
        vendor = obj.line.contract.vendor
        return {"id": vendor.pk, "name": vendor.name}

    @staticmethod
    def resolve_contract(obj) -> str:
        return obj.line.contract.reference

    @staticmethod
    def resolve_accelerator_model(obj) -> str:
        return obj.line.accelerator_model

    @staticmethod
    def resolve_count(obj) -> int:
        return obj.line.count

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.line.region

    @staticmethod
    def resolve_band(obj) -> str:
        return obj.line.band


class AllocationIn(InputSchema):
    line: BodyId
    tier: Tier
    share_percent: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=2)
    note: str | None = Field(None, max_length=300)


ALLOCATION_REFUSAL = "Allocating capacity needs the procurement or platform role."


@router.get("/capacity/allocations", response={200: Page[AllocationOut], **ERROR_RESPONSES})
def capacity_allocation_list(request, query: Query[PageQuery]):
    require_read(request)
    return paginate(request, selectors.allocations_for(request.user).order_by("tier", "line_id", "pk"), query)


@router.post("/capacity/allocations", response={201: AllocationOut, **WRITE_RESPONSES})
def capacity_allocation_create(request, payload: AllocationIn):
    allocation = write_through_form(
        request,
        allowed=policies.can_edit_allocations(request.user),
        refusal=ALLOCATION_REFUSAL,
        form=lambda data: CapacityAllocationForm(data, lines=selectors.allocatable_lines(request.user)),
        payload=payload,
        defaults={"note": ""},
        converters={"share_percent": str},
        save=lambda form: services.capacity_allocation_create(actor=request.user, **form.cleaned_data),
    )
    return Status(201, selectors.allocation_for_user(request.user, allocation.pk))


@router.delete("/capacity/allocations/{allocation_id}", response={204: None, **WRITE_RESPONSES})
def capacity_allocation_delete(request, allocation_id: Path[Id]):
    allocation = selectors.allocation_for_user(request.user, allocation_id)
    require_write(request, policies.can_edit_allocations(request.user), ALLOCATION_REFUSAL)
    services.capacity_allocation_delete(actor=request.user, allocation=allocation)
    return Status(204, None)


# Demand visibility ------------------------------------------------------------------------


class VisibilityOut(Schema):
    id: int
    vendor: VendorRef
    recorded_on: date
    lead_time_days: int
    utilisation_shared: bool
    utilisation_percent: int | None
    reservation_options: str
    hardware_refreshes: str
    notes: str

    @staticmethod
    def resolve_vendor(obj):
        return {"id": obj.vendor_id, "name": obj.vendor.name}


class VisibilityQuery(PageQuery):
    vendor: Id | None = None


class VisibilityIn(InputSchema):
    vendor: BodyId
    recorded_on: IsoDate
    lead_time_days: StrictInt = Field(..., ge=0, le=MAX_LEAD_TIME_DAYS)
    utilisation_shared: StrictBool | None = None
    utilisation_percent: StrictInt | None = Field(None, ge=0, le=100)
    reservation_options: str | None = Field(None, max_length=20_000)
    hardware_refreshes: str | None = Field(None, max_length=20_000)
    notes: str | None = Field(None, max_length=20_000)


@router.get("/capacity/visibility", response={200: Page[VisibilityOut], **ERROR_RESPONSES})
def capacity_visibility_list(request, query: Query[VisibilityQuery]):
    require_read(request)
    records = selectors.visibility_for(request.user)
    if query.vendor is not None:
        records = records.filter(vendor_id=query.vendor)
    return paginate(request, records.order_by("vendor__name", "-recorded_on", "-pk"), query)


@router.post("/capacity/visibility", response={201: VisibilityOut, **WRITE_RESPONSES})
def capacity_visibility_create(request, payload: VisibilityIn):
    record = write_through_form(
        request,
        allowed=policies.can_record_demand_visibility(request.user),
        refusal="Recording demand visibility needs the procurement role.",
        form=DemandVisibilityForm,
        payload=payload,
        defaults={
            "utilisation_shared": "",
            "utilisation_percent": "",
            "reservation_options": "",
            "hardware_refreshes": "",
            "notes": "",
        },
        converters={"utilisation_shared": lambda value: "on" if value else ""},
        save=lambda form: services.demand_visibility_record(actor=request.user, **form.service_data()),
    )
    return Status(201, DemandVisibility.objects.select_related("vendor").get(pk=record.pk))
