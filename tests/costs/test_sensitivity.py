"""Sensitivity: one assumption replaced, the comparison computed again, nothing else changed."""

import datetime as dt
from decimal import Decimal

from costs import sensitivity, tce


def _result(egress_gb="1000"):
    inputs = tce.Inputs(
        gpu_hours_per_month=Decimal(3000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=dt.date(2026, 12, 7),
        cost_of_delay_per_day=Decimal(2400),
        cost_of_delay_currency="EUR",
        tier_label="Experimental training",
        egress_gb_per_month=Decimal(egress_gb),
    )
    offer = tce.OfferInput(
        id=1,
        name="Mixed",
        vendor="V",
        billing_currency="EUR",
        lines=(
            tce.LineInput(tce.COMMITTED, 4, Decimal("2"), Decimal(100)),
            tce.LineInput(tce.BURST, 4, Decimal("3")),
        ),
        egress_rate_per_gb=Decimal("0.05"),
        queue_wait_hours=Decimal(24),
    )
    return tce.compute(inputs, [offer])


def test_no_override_is_the_same_result():
    result = _result()
    assert sensitivity.recompute(result, sensitivity.Overrides()) is result


def test_utilisation_changes_committed_lines_only():
    changed = sensitivity.recompute(_result(), sensitivity.Overrides(utilisation_percent=Decimal(50)))
    lines = changed.offers[0].offer.lines
    assert lines[0].expected_utilisation_percent == 50
    assert lines[1].expected_utilisation_percent == 100  # burst: untouched
    assert changed.offers[0].totals["unused_commitment"] > 0


def test_queue_wait_and_egress_multiplier():
    base = _result()
    changed = sensitivity.recompute(
        base, sensitivity.Overrides(queue_wait_hours=Decimal(48), egress_multiplier=Decimal(2))
    )
    assert changed.offers[0].totals["queue_wait"] == base.offers[0].totals["queue_wait"] * 2
    assert changed.offers[0].totals["egress"] == base.offers[0].totals["egress"] * 2


def test_the_snapshot_lists_the_overrides_among_the_assumptions():
    figures = sensitivity.snapshot(_result(), sensitivity.Overrides(egress_multiplier=Decimal("1.5")))
    assert figures["assumptions"][-1] == "Sensitivity (not saved): egress GB a month multiplied by 1.5."


def test_the_grid_marks_the_value_shown():
    rows = sensitivity.grid(
        _result(), sensitivity.Overrides(utilisation_percent=Decimal(70)), sensitivity.UTILISATION
    )
    assert [r.chosen for r in rows] == [False, False, True, False, False, False]
    assert all(r.cheapest_id == 1 for r in rows)
