"""The plan's arithmetic against hand-computed cases: quarter lengths, partial contract
coverage, P50/P90 shortfalls, the date to act from lead times, single-vendor supply."""

import datetime as dt
from decimal import Decimal

import pytest

from capacity import planning
from capacity.quarters import Quarter
from tests.vendors.factories import VendorFactory
from vendors.models import Contract

from .factories import allocated_line, forecast, visibility

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 1)
Q1 = Quarter(2027, 1)


def plan(count=2, start=Q1):
    return planning.build_plan(start=start, count=count, today=TODAY)


@pytest.mark.parametrize(
    ("quarter", "days"),
    [("2027-Q1", 90), ("2028-Q1", 91), ("2027-Q2", 91), ("2027-Q3", 92), ("2027-Q4", 92), ("2100-Q1", 90)],
)
def test_quarter_lengths(quarter, days):
    assert Quarter.parse(quarter).days == days


def test_quarter_bounds_and_order():
    q = Quarter.parse("2027-q4")
    assert (q.start, q.end, str(q.next())) == (dt.date(2027, 10, 1), dt.date(2027, 12, 31), "2028-Q1")
    assert [str(x) for x in Quarter(2027, 3).following(3)] == ["2027-Q3", "2027-Q4", "2028-Q1"]


@pytest.mark.parametrize("text", ["2027Q1", "2027-Q5", "27-Q1", "1999-Q4", "2101-Q1", "", "2027-Q1x"])
def test_malformed_quarters_are_refused(text):
    with pytest.raises(ValueError):
        Quarter.parse(text)


def test_overlap_counts_both_ends():
    # 15 Feb to 10 May 2027: 14 + 31 days of Q1, 30 + 10 of Q2.
    assert Q1.overlap_days(dt.date(2027, 2, 15), dt.date(2027, 5, 10)) == 45
    assert Q1.next().overlap_days(dt.date(2027, 2, 15), dt.date(2027, 5, 10)) == 40
    assert Q1.overlap_days(dt.date(2027, 4, 1), dt.date(2027, 5, 10)) == 0
    assert Q1.overlap_days(dt.date(2027, 3, 31), dt.date(2027, 3, 31)) == 1


def test_a_contract_covering_part_of_a_quarter_supplies_only_those_days(procurement_user):
    allocated_line(
        procurement_user, count=100, share="50", start=dt.date(2027, 2, 15), end=dt.date(2027, 5, 10)
    )
    result = plan()
    q1, q2 = (result.cells[("experimental_training", q)] for q in result.quarters)
    # 50 GPUs × 24 h × 45 days, then × 40 days.
    assert q1.supply == 54_000 and q1.by_band["committed"] == 54_000
    assert q2.supply == 48_000
    # The other half of the line is unallocated, shown as such and counted for no tier.
    assert result.unallocated == {Q1: Decimal(54_000), Q1.next(): Decimal(48_000)}
    assert [row.tier_label for row in result.supply_rows] == ["Experimental training", "Unallocated"]


def test_full_quarter_supply_by_band(procurement_user):
    vendor = VendorFactory()
    allocated_line(procurement_user, vendor=vendor, count=10, band="committed")
    allocated_line(procurement_user, vendor=vendor, count=4, band="burst", share="25")
    cell = plan(count=1).cells[("experimental_training", Q1)]
    # 10 × 24 × 90 and 1 × 24 × 90.
    assert cell.by_band == {"committed": 21_600, "burst": 2_160, "emergency": 0}
    assert cell.supply == 23_760


def test_shortfall_at_p50_and_p90(procurement_user):
    allocated_line(
        procurement_user, count=100, share="50", start=dt.date(2027, 2, 15), end=dt.date(2027, 5, 10)
    )
    forecast(procurement_user, quarter="2027-Q1", p50=50_000, p90=80_000)
    forecast(procurement_user, quarter="2027-Q2", p50=60_000, p90=90_000)
    result = plan()
    q1, q2 = (result.cells[("experimental_training", q)] for q in result.quarters)
    assert (q1.shortfall_p50, q1.shortfall_p90) == (0, 26_000)  # supply 54,000
    assert (q2.shortfall_p50, q2.shortfall_p90) == (12_000, 42_000)  # supply 48,000
    assert result.shortfalls == [q1, q2]


def test_no_forecast_is_no_shortfall(procurement_user):
    cell = plan(count=1).cells[("hot_inference", Q1)]
    assert cell.forecast is None and cell.shortfall_p90 == 0 and cell.act is None


def test_contracts_not_active_supply_nothing(procurement_user):
    allocated_line(procurement_user, status=Contract.Status.NEGOTIATING)
    allocated_line(procurement_user, status=Contract.Status.EXPIRED)
    assert plan(count=1).cells[("experimental_training", Q1)].supply == 0


def test_date_to_act_is_quarter_start_minus_the_fastest_stated_lead_time(procurement_user):
    slow, fast = VendorFactory(name="Slow Cloud"), VendorFactory(name="Fast Cloud")
    visibility(procurement_user, slow, lead=60)
    visibility(procurement_user, fast, lead=45)
    forecast(procurement_user, quarter="2027-Q1", p50=1000, p90=2000)
    cell = plan(count=1).cells[("experimental_training", Q1)]
    # 1 January 2027 minus 45 days; with the slower vendor, minus 60 days.
    assert cell.act.date == dt.date(2026, 11, 17)
    assert cell.act.lead_time.vendor_name == "Fast Cloud" and not cell.act.assumed
    assert [(lt.vendor_name, day) for lt, day in cell.act.by_vendor] == [
        ("Fast Cloud", dt.date(2026, 11, 17)),
        ("Slow Cloud", dt.date(2026, 11, 2)),
    ]
    assert cell.act.days_left == 47 and not cell.act.overdue


def test_the_latest_visibility_record_of_a_vendor_is_used(procurement_user):
    vendor = VendorFactory()
    visibility(procurement_user, vendor, lead=30, on=dt.date(2026, 1, 1))
    newer = visibility(procurement_user, vendor, lead=100, on=dt.date(2026, 5, 1))
    forecast(procurement_user, p50=1, p90=1)
    result = plan(count=1)
    assert result.visibility == [newer]
    assert result.cells[("experimental_training", Q1)].act.date == dt.date(2026, 9, 23)  # 1 Jan − 100 days
    assert result.cells[("experimental_training", Q1)].act.overdue


def test_without_stated_lead_times_the_default_is_assumed(procurement_user, settings):
    settings.CAPACITY_DEFAULT_LEAD_TIME_DAYS = 90
    forecast(procurement_user, p50=1, p90=1)
    act = plan(count=1).cells[("experimental_training", Q1)].act
    assert act.assumed and act.date == dt.date(2026, 10, 3)


def test_one_vendor_for_every_band_is_one_point_of_failure_with_three_prices(procurement_user):
    vendor = VendorFactory(name="Only Cloud")
    for band in ("committed", "burst", "emergency"):
        allocated_line(procurement_user, vendor=vendor, band=band, tier="nearline_batch", count=10)
    cell = plan(count=1).cells[("nearline_batch", Q1)]
    assert cell.sole_vendor == "Only Cloud" and cell.three_prices
    assert cell.largest_vendor == ("Only Cloud", Decimal("100.0"))


def test_two_bands_from_one_vendor_is_sole_but_not_three_prices(procurement_user):
    vendor = VendorFactory(name="Only Cloud")
    allocated_line(procurement_user, vendor=vendor, band="committed", count=10)
    allocated_line(procurement_user, vendor=vendor, band="burst", count=10)
    cell = plan(count=1).cells[("experimental_training", Q1)]
    assert cell.sole_vendor == "Only Cloud" and not cell.three_prices


def test_a_second_vendor_breaks_the_single_point_and_shares_are_shown(procurement_user):
    main, other = VendorFactory(name="Main Cloud"), VendorFactory(name="Other Cloud")
    for band in ("committed", "burst", "emergency"):
        allocated_line(procurement_user, vendor=main, band=band, count=10)
    allocated_line(procurement_user, vendor=other, band="emergency", count=10)
    cell = plan(count=1).cells[("experimental_training", Q1)]
    assert cell.sole_vendor is None and not cell.three_prices
    assert cell.largest_vendor == ("Main Cloud", Decimal("75.0"))


def test_the_window_is_clamped():
    assert len(planning.build_plan(count=50, today=TODAY).quarters) == planning.MAX_QUARTERS
    assert [str(q) for q in planning.build_plan(count=0, today=TODAY).quarters] == ["2027-Q1"]


def test_the_dashboards_shortfalls_are_the_plans(procurement_user, django_assert_max_num_queries):
    """`planning.shortfalls` reads supply per tier only; its figures and dates must be the plan's."""
    first, second = VendorFactory(name="First Cloud"), VendorFactory(name="Second Cloud")
    visibility(procurement_user, first, lead=45)
    allocated_line(procurement_user, vendor=first, count=100, share="50", start=dt.date(2027, 2, 15))
    allocated_line(procurement_user, vendor=second, count=40, band="burst", end=dt.date(2027, 8, 1))
    allocated_line(procurement_user, vendor=second, count=8, band="emergency", tier="hot_inference")
    for quarter in ("2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4", "2028-Q1"):
        forecast(procurement_user, quarter=quarter, p50=40_000, p90=120_000)
        forecast(procurement_user, tier="hot_inference", quarter=quarter, p50=10_000, p90=30_000)
    with django_assert_max_num_queries(3):
        short, quarters = planning.shortfalls(today=TODAY)
    expected = planning.build_plan(today=TODAY)

    def figures(cells):
        return [(c.tier, c.quarter, c.by_band, c.shortfall_p50, c.shortfall_p90, c.act.date) for c in cells]

    assert quarters == len(expected.quarters)
    assert short and figures(short) == figures(expected.shortfalls)
