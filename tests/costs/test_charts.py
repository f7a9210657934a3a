"""The TCE chart's geometry and the snapshot includes, on screen and through WeasyPrint."""

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from costs import charts, tce


def _offer(
    id_, name, price, *, quantity=10, storage=Decimal(0), band=tce.COMMITTED, currency="EUR", rate=None
):
    return tce.OfferInput(
        id=id_,
        name=name,
        vendor=f"Vendor {id_}",
        billing_currency=currency,
        lines=(tce.LineInput(band=band, quantity=quantity, effective_unit_price=Decimal(price)),),
        storage_rate_per_gb_month=storage,
        queue_wait_hours=Decimal(48),
        rate=rate,
    )


def snapshot(*offers, demand="5000", storage_gb="0"):
    inputs = tce.Inputs(
        name="Pre-training",
        tier="experimental_training",
        tier_label="Experimental training",
        gpu_hours_per_month=Decimal(demand),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=dt.date(2026, 12, 7),
        cost_of_delay_per_day=Decimal(2400),
        cost_of_delay_currency="EUR",
        storage_gb=Decimal(storage_gb),
    )
    offers = offers or (
        _offer(1, "Alpha committed", "2.50", storage=Decimal("0.02")),
        _offer(
            2,
            "Beta in dollars",
            "2.10",
            currency="USD",
            rate=tce.Rate("USD", "EUR", Decimal("0.92"), dt.date(2026, 12, 1), "ECB reference rate"),
        ),
        _offer(3, "Gamma too small", "1.00", quantity=1, band=tce.BURST),
    )
    return tce.compute(inputs, offers).as_snapshot()


def test_segments_add_up_to_the_bar_and_meet_without_gaps():
    chart = charts.tce_chart(snapshot(storage_gb="1000"))
    for bar in chart.bars:
        assert sum((s.height for s in bar.segments), Decimal(0)) == bar.height
        bottom = chart.baseline
        for segment in bar.segments:
            assert segment.y + segment.height == bottom
            bottom = segment.y
        assert bottom == bar.y


def test_bars_are_proportional_to_the_tce():
    snap = snapshot()
    chart = charts.tce_chart(snap)
    tces = [Decimal(o["tce"]) for o in snap["offers"]]
    top_value = charts.nice_ceiling(max(tces))
    for bar, value in zip(chart.bars, tces, strict=True):
        assert abs(bar.height - value / top_value * charts.PLOT_HEIGHT) <= Decimal("0.1")
    biggest = max(chart.bars, key=lambda b: b.height)
    assert biggest.offer_id == snap["offers"][tces.index(max(tces))]["id"]


def test_a_zero_component_has_no_segment_and_no_legend_entry():
    snap = snapshot()  # no storage, no egress, no exit data
    chart = charts.tce_chart(snap)
    labels = {s.label for bar in chart.bars for s in bar.segments}
    assert "Storage" not in labels and "Egress" not in labels
    assert "Storage" not in {item.label for item in chart.legend}
    for bar, offer in zip(chart.bars, snap["offers"], strict=True):
        nonzero = [c for c in snap["components"] if Decimal(offer["totals"][c["code"]]) > 0]
        assert [s.label for s in bar.segments] == [c["label"] for c in nonzero]


def test_an_offer_costing_nothing_has_an_empty_bar():
    zero = tce.OfferInput(
        id=9,
        name="Nothing",
        vendor="V",
        billing_currency="EUR",
        lines=(tce.LineInput(band=tce.BURST, quantity=1, effective_unit_price=Decimal(0)),),
        loss_probability_percent=Decimal(0),
    )
    chart = charts.tce_chart(snapshot(zero, demand="100"))
    assert chart.bars[0].segments == () and chart.bars[0].height == 0


def test_colours_are_okabe_ito_and_fixed_per_component():
    chart = charts.tce_chart(snapshot(storage_gb="1000"))
    colours = {(s.label, s.colour) for bar in chart.bars for s in bar.segments}
    assert all(colour in charts.PALETTE for _, colour in colours)
    assert len({label for label, _ in colours}) == len(colours)


def test_the_axis_reads_in_round_numbers():
    assert charts.nice_ceiling(Decimal("173456.12")) == Decimal(200000)
    assert charts.nice_ceiling(Decimal("2400")) == Decimal("2500")
    assert charts.nice_ceiling(Decimal("0")) == 1


def test_the_table_marks_the_cheapest_and_the_shortfall():
    snap = snapshot()
    html = render_to_string("costs/_tce_table.html", {"snapshot": snap})
    assert "Cheapest by unit price" in html and "Cheapest by TCE" in html
    assert "Does not cover the demand: short" in html
    assert "1 USD = 0.92 EUR on 2026-12-01 (ECB reference rate)" in html
    for assumption in snap["assumptions"][:3]:
        assert assumption in html
    for offer in snap["offers"]:
        assert f"{Decimal(offer['tce']):,.2f}" in html
    # The offer that is short is never the cheapest by TCE.
    short = next(o for o in snap["offers"] if not o["covers_demand"])
    assert snap["cheapest_by_tce"] != short["id"]


def test_the_chart_markup_has_no_inline_style_and_a_title():
    html = render_to_string("costs/_tce_chart.html", {"snapshot": snapshot(), "chart_id": "c1"})
    assert "style=" not in html and "<script" not in html
    assert '<title id="c1-title">' in html and '<desc id="c1-desc">' in html
    assert "Alpha committed" in html and "Committed compute" in html
    assert not re.search(r' (x|y|width|height)="[^"]*,', html), "coordinates must not be localised"


def test_the_includes_render_in_weasyprint():
    weasyprint = pytest.importorskip("weasyprint")
    snap = snapshot()
    body = render_to_string("costs/_tce_table.html", {"snapshot": snap}) + render_to_string(
        "costs/_tce_chart.html", {"snapshot": snap}
    )
    pdf = weasyprint.HTML(string=f"<!doctype html><html><body>{body}</body></html>").write_pdf()
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = " ".join(text.split())
    for label in ("Alpha committed", "Beta in dollars", "Committed compute", "Queue wait", "Cheapest by"):
        assert label in text
    # The chart's own labels (legend and value above each bar) reach the PDF as text.
    assert text.count("Queue wait") >= 2
