"""The capacity plan: per workload tier and quarter, supply by band against the demand forecast,
the shortfall at P50 and P90, how much of the supply sits with one vendor, and the last date a
procurement action must start to cover a shortfall.

Supply comes from the capacity lines of active contracts, through their allocations to tiers:
a line of `count` accelerators, `share`% allocated to a tier, gives that tier
`count × share/100 × 24 × days` GPU-hours in a quarter, where `days` are the days of the quarter
the contract runs (start and end dates included). What no allocation claims is unallocated.
Shortfall = max(0, forecast − supply of every band allocated to the tier).

The last date to act on a shortfall is the quarter's first day minus a vendor's stated lead time
(its latest demand-visibility record): one date per vendor, and the plan's headline is the
latest of them (the fastest vendor), after which no vendor we know of can deliver in time.
Without any stated lead time the plan assumes `CAPACITY_DEFAULT_LEAD_TIME_DAYS` and says so.

Everything is read in four queries whatever the register's size: grouped sums of the allocated
and unallocated accelerators by tier, band, vendor, region and contract dates, the forecasts of
the quarters shown, and each vendor's latest demand visibility.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from vendors.models import CapacityBand, CapacityLine, Contract, WorkloadTier

from .models import CapacityAllocation, DemandForecast, DemandVisibility
from .quarters import Quarter

HOURS_PER_DAY = 24
BANDS = [CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY]
TIERS = list(WorkloadTier)
UNALLOCATED = ""  # the "tier" of supply no allocation claims
DEFAULT_QUARTERS = 4
MAX_QUARTERS = 8
# Contracts whose capacity counts as supply.
SUPPLYING_STATUSES = (Contract.Status.ACTIVE,)
_GPUS = DecimalField(max_digits=24, decimal_places=2)


def default_start(today: dt.date | None = None) -> Quarter:
    """Plans look ahead: the quarter after today's."""
    return Quarter.containing(today or timezone.localdate()).next()


def monthly_p50_gpu_hours(tier: str, on: dt.date) -> Decimal | None:
    """The tier's P50 forecast for the quarter after `on`, a month's worth (a third), or None
    without a forecast: the starting figure of a cost comparison."""
    forecast = DemandForecast.objects.filter(tier=tier, quarter=str(Quarter.containing(on).next())).first()
    if forecast is None:
        return None
    return (Decimal(forecast.p50_gpu_hours) / 3).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def gpu_hours(gpus: Decimal, days: int) -> Decimal:
    """GPU-hours of `gpus` accelerators over `days` whole days, to the whole hour."""
    return (Decimal(gpus) * HOURS_PER_DAY * days).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def shortfall(demand: int | None, supply: Decimal) -> Decimal:
    """What the demand exceeds the supply by (0 when covered, or when nothing is forecast)."""
    if demand is None:
        return Decimal(0)
    return max(Decimal(0), Decimal(demand) - supply)


def act_by(quarter: Quarter, lead_time_days: int) -> dt.date:
    """The last day an order can be placed for capacity usable from the quarter's first day."""
    return quarter.start - dt.timedelta(days=lead_time_days)


@dataclass(frozen=True)
class LeadTime:
    vendor_id: int | None
    vendor_name: str
    days: int
    recorded_on: dt.date | None  # None: the assumed default, no vendor stated one


@dataclass
class ActDate:
    """When to act on one shortfall: the date, the vendor whose lead time gives it, and the others."""

    date: dt.date
    lead_time: LeadTime
    by_vendor: list[tuple[LeadTime, dt.date]]
    today: dt.date

    @property
    def days_left(self) -> int:
        return (self.date - self.today).days

    @property
    def days_ago(self) -> int:
        return -self.days_left

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def assumed(self) -> bool:
        return self.lead_time.recorded_on is None


@dataclass
class SupplyRow:
    """Supply of one vendor, region and band to one tier (or unallocated), per quarter."""

    tier: str
    band: str
    vendor_id: int
    vendor_name: str
    region: str
    hours: dict[Quarter, Decimal] = field(default_factory=dict)

    @property
    def tier_label(self) -> str:
        return WorkloadTier(self.tier).label if self.tier else "Unallocated"

    @property
    def band_label(self) -> str:
        return CapacityBand(self.band).label


@dataclass
class Cell:
    """One tier in one quarter."""

    tier: str
    quarter: Quarter
    forecast: DemandForecast | None = None
    by_band: dict[str, Decimal] = field(default_factory=lambda: {band: Decimal(0) for band in BANDS})
    by_vendor: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    vendors_by_band: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    vendor_names: dict[int, str] = field(default_factory=dict)
    act: ActDate | None = None

    @property
    def tier_label(self) -> str:
        return WorkloadTier(self.tier).label

    @property
    def supply(self) -> Decimal:
        return sum(self.by_band.values(), Decimal(0))

    @property
    def bands(self) -> list[tuple[str, Decimal]]:
        return [(CapacityBand(band).label, self.by_band[band]) for band in BANDS]

    @property
    def p50(self) -> int | None:
        return self.forecast.p50_gpu_hours if self.forecast else None

    @property
    def p90(self) -> int | None:
        return self.forecast.p90_gpu_hours if self.forecast else None

    @property
    def shortfall_p50(self) -> Decimal:
        return shortfall(self.p50, self.supply)

    @property
    def shortfall_p90(self) -> Decimal:
        return shortfall(self.p90, self.supply)

    @property
    def short(self) -> bool:
        return self.shortfall_p90 > 0

    @property
    def largest_vendor(self) -> tuple[str, Decimal] | None:
        """The vendor holding most of this supply, and its share in percent (one decimal)."""
        if not self.supply:
            return None
        vendor_id = max(self.by_vendor, key=lambda pk: (self.by_vendor[pk], -pk))
        share = (self.by_vendor[vendor_id] * 100 / self.supply).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        return self.vendor_names[vendor_id], share

    @property
    def sole_vendor(self) -> str | None:
        """The one vendor all of the supply comes from, if there is just one."""
        suppliers = [pk for pk, hours in self.by_vendor.items() if hours > 0]
        return self.vendor_names[suppliers[0]] if len(suppliers) == 1 else None

    @property
    def three_prices(self) -> bool:
        """Committed, burst and emergency all there, all from the same one vendor."""
        return self.sole_vendor is not None and all(self.by_band[band] > 0 for band in BANDS)


@dataclass
class Plan:
    quarters: list[Quarter]
    cells: dict[tuple[str, Quarter], Cell]
    supply_rows: list[SupplyRow]
    lead_times: list[LeadTime]
    visibility: list[DemandVisibility]
    today: dt.date

    def rows(self) -> list[dict]:
        """Per tier, its cells in quarter order: what the plan table shows."""
        rows = []
        for tier in TIERS:
            cells = [self.cells[(tier.value, q)] for q in self.quarters]
            three = [cell for cell in cells if cell.three_prices]
            rows.append(
                {
                    "tier": tier.value,
                    "label": tier.label,
                    "cells": cells,
                    # The quarters whose every band comes from one vendor, and who that is.
                    "three_prices": {
                        "quarters": ", ".join(str(c.quarter) for c in three),
                        "vendors": ", ".join(sorted({c.sole_vendor for c in three})),
                    }
                    if three
                    else None,
                    "sole": [cell for cell in cells if cell.sole_vendor and not cell.three_prices],
                }
            )
        return rows

    @property
    def shortfalls(self) -> list[Cell]:
        """Every cell short at P90 (P50 shortfalls are inside these), soonest date to act first."""
        return _by_date_to_act(self.cells.values())

    @property
    def unallocated(self) -> dict[Quarter, Decimal]:
        totals = {q: Decimal(0) for q in self.quarters}
        for row in self.supply_rows:
            if row.tier == UNALLOCATED:
                for quarter, hours in row.hours.items():
                    totals[quarter] += hours
        return totals

    @property
    def assumed_lead_time(self) -> bool:
        return not any(lt.recorded_on for lt in self.lead_times)


def _window(quarters: list[Quarter]):
    return {
        "contract__status__in": SUPPLYING_STATUSES,
        "contract__start_date__lte": quarters[-1].end,
        "contract__end_date__gte": quarters[0].start,
    }


def _supply_groups(quarters: list[Quarter]) -> list[dict]:
    """Accelerators (count × share, in percent) grouped by tier, band, vendor, region and the
    contract's dates: the allocated ones and, with an empty tier, the rest of each line."""
    window = _window(quarters)
    allocated = (
        CapacityAllocation.objects.filter(**{f"line__{key}": value for key, value in window.items()})
        .values(
            "tier",
            band=F("line__band"),
            vendor_id=F("line__contract__vendor_id"),
            vendor_name=F("line__contract__vendor__name"),
            region=F("line__region"),
            start=F("line__contract__start_date"),
            end=F("line__contract__end_date"),
        )
        .annotate(gpu_percent=Sum(F("line__count") * F("share_percent"), output_field=_GPUS))
        .order_by()
    )
    taken = (
        CapacityAllocation.objects.filter(line=OuterRef("pk"))
        .order_by()
        .values("line")
        .annotate(total=Sum("share_percent"))
        .values("total")
    )
    free = Value(Decimal(100), output_field=_GPUS) - Coalesce(
        Subquery(taken, output_field=_GPUS), Value(Decimal(0), output_field=_GPUS)
    )
    unallocated = (
        CapacityLine.objects.filter(**window)
        .values(
            "band",
            "region",
            vendor_id=F("contract__vendor_id"),
            vendor_name=F("contract__vendor__name"),
            start=F("contract__start_date"),
            end=F("contract__end_date"),
        )
        .annotate(gpu_percent=Sum(F("count") * free, output_field=_GPUS))
        .order_by()
    )
    return [*allocated, *({**row, "tier": UNALLOCATED} for row in unallocated if row["gpu_percent"])]


def latest_visibility():
    """Each vendor's latest demand-visibility record (by its date, then the latest entered)."""
    latest = DemandVisibility.objects.filter(vendor=OuterRef("vendor")).order_by("-recorded_on", "-pk")
    return (
        DemandVisibility.objects.filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("vendor")
        .order_by("lead_time_days", "vendor__name")
    )


def _lead_times(records: list[DemandVisibility]) -> list[LeadTime]:
    if records:
        return [LeadTime(r.vendor_id, r.vendor.name, r.lead_time_days, r.recorded_on) for r in records]
    return [
        LeadTime(
            None, "assumed (no vendor has stated a lead time)", settings.CAPACITY_DEFAULT_LEAD_TIME_DAYS, None
        )
    ]


def act_date(quarter: Quarter, lead_times: list[LeadTime], today: dt.date) -> ActDate:
    """One date per vendor, latest first; the headline is the latest (the fastest vendor's)."""
    dates = sorted(
        ((lt, act_by(quarter, lt.days)) for lt in lead_times),
        key=lambda pair: (-pair[1].toordinal(), pair[0].vendor_name.lower()),
    )
    lead_time, date = dates[0]
    return ActDate(date=date, lead_time=lead_time, by_vendor=dates, today=today)


def _tier_supply(quarters: list[Quarter]):
    """Allocated accelerators (count × share, in percent) by tier, band and the contract's dates
    only: all the shortfalls need, without the plan's rows per vendor and region."""
    return (
        CapacityAllocation.objects.filter(
            **{f"line__{key}": value for key, value in _window(quarters).items()}
        )
        .values(
            "tier",
            band=F("line__band"),
            start=F("line__contract__start_date"),
            end=F("line__contract__end_date"),
        )
        .annotate(gpu_percent=Sum(F("line__count") * F("share_percent"), output_field=_GPUS))
        .order_by()
    )


def _empty_cells(quarters: list[Quarter]) -> dict[tuple[str, Quarter], Cell]:
    return {(tier.value, q): Cell(tier=tier.value, quarter=q) for tier in TIERS for q in quarters}


def _add_demand_and_dates(cells, quarters: list[Quarter], today: dt.date) -> list[DemandVisibility]:
    """The forecasts into their cells and, for every cell short at P90, the date to act."""
    quarter_names = {str(q): q for q in quarters}
    for forecast in DemandForecast.objects.filter(quarter__in=quarter_names):
        cells[(forecast.tier, quarter_names[forecast.quarter])].forecast = forecast
    visibility = list(latest_visibility())
    lead_times = _lead_times(visibility)
    for cell in cells.values():
        if cell.short:
            cell.act = act_date(cell.quarter, lead_times, today)
    return visibility


def _quarters(start: Quarter | None, count: int, today: dt.date) -> list[Quarter]:
    return (start or default_start(today)).following(max(1, min(count, MAX_QUARTERS)))


def shortfalls(today: dt.date | None = None) -> tuple[list[Cell], int]:
    """The cells short at P90 in the default window, soonest date to act first, and the number of
    quarters looked at: the dashboard's reading of the plan, from one grouped query of supply per
    tier instead of the plan's rows per vendor and region (same figures, see the tests)."""
    today = today or timezone.localdate()
    quarters = _quarters(None, DEFAULT_QUARTERS, today)
    cells = _empty_cells(quarters)
    for group in _tier_supply(quarters):
        gpus = Decimal(group["gpu_percent"]) / 100
        for quarter in quarters:
            cells[(group["tier"], quarter)].by_band[group["band"]] += gpu_hours(
                gpus, quarter.overlap_days(group["start"], group["end"])
            )
    _add_demand_and_dates(cells, quarters, today)
    return _by_date_to_act(cells.values()), len(quarters)


def _by_date_to_act(cells) -> list[Cell]:
    short = [cell for cell in cells if cell.short]
    return sorted(short, key=lambda c: (c.act.date, c.quarter, TIERS.index(WorkloadTier(c.tier))))


def build_plan(
    start: Quarter | None = None, count: int = DEFAULT_QUARTERS, today: dt.date | None = None
) -> Plan:
    today = today or timezone.localdate()
    quarters = _quarters(start, count, today)
    cells = _empty_cells(quarters)
    rows: dict[tuple, SupplyRow] = {}
    for group in _supply_groups(quarters):
        key = (group["tier"], group["band"], group["vendor_id"], group["region"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = SupplyRow(
                tier=group["tier"],
                band=group["band"],
                vendor_id=group["vendor_id"],
                vendor_name=group["vendor_name"],
                region=group["region"],
                hours={q: Decimal(0) for q in quarters},
            )
        gpus = Decimal(group["gpu_percent"]) / 100
        for quarter in quarters:
            hours = gpu_hours(gpus, quarter.overlap_days(group["start"], group["end"]))
            if not hours:
                continue
            row.hours[quarter] += hours
            if group["tier"] != UNALLOCATED:
                cell = cells[(group["tier"], quarter)]
                cell.by_band[group["band"]] += hours
                cell.by_vendor[group["vendor_id"]] += hours
                cell.vendors_by_band[group["band"]].add(group["vendor_id"])
                cell.vendor_names[group["vendor_id"]] = group["vendor_name"]
    visibility = _add_demand_and_dates(cells, quarters, today)
    lead_times = _lead_times(visibility)
    tier_order = {tier.value: n for n, tier in enumerate(TIERS)}
    tier_order[UNALLOCATED] = len(TIERS)
    supply_rows = sorted(
        (row for row in rows.values() if any(row.hours.values())),
        key=lambda r: (tier_order[r.tier], r.vendor_name.lower(), r.region.lower(), BANDS.index(r.band)),
    )
    return Plan(
        quarters=quarters,
        cells=cells,
        supply_rows=supply_rows,
        lead_times=lead_times,
        visibility=visibility,
        today=today,
    )
