"""The TCE arithmetic against cases computed by hand (the working is in the comments), and its
properties for random valid inputs: no component is negative and the TCE is their sum."""

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costs import tce

AS_OF = dt.date(2026, 12, 7)


def inputs(**overrides) -> tce.Inputs:
    values = dict(
        name="Pre-training 2027",
        tier="experimental_training",
        tier_label="Experimental training",
        gpu_hours_per_month=D(5000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=AS_OF,
        cost_of_delay_per_day=D(0),
        cost_of_delay_currency="EUR",
    )
    values.update(overrides)
    return tce.Inputs(**values)


def committed(quantity, price, utilisation=100):
    return tce.LineInput("committed", quantity, D(price), D(utilisation))


def line(band, quantity, price):
    return tce.LineInput(band, quantity, D(price))


def offer(*lines, id=1, **overrides) -> tce.OfferInput:
    values = dict(
        id=id,
        name=f"Offer {id}",
        vendor="Vendor",
        billing_currency="EUR",
        lines=tuple(lines),
        loss_probability_percent=D(0),
    )
    values.update(overrides)
    return tce.OfferInput(**values)


def test_all_committed_at_80_percent_utilisation_pays_for_unused_commitment():
    # 10 GPUs committed at 2.00 EUR, 80% usable; demand 5,000 GPU-hours a month for 12 months.
    #   paid:   10 x 730 = 7,300 h x 2.00 = 14,600.00 a month
    #   usable: 7,300 x 0.8 = 5,840 h >= 5,000 demand, so 5,000 h are used
    #   committed compute: 5,000 x 2.00 = 10,000.00 a month -> x 12 = 120,000.00
    #   unused commitment: 14,600 - 10,000 = 4,600.00 a month -> x 12 = 55,200.00
    #   storage: 1,000 GB x 0.02 = 20.00 a month -> 240.00; egress: 500 GB x 0.05 = 25.00 -> 300.00
    #   exit egress: 2,000 GB x 0.05 = 100.00 once
    #   TCE = 120,000 + 55,200 + 240 + 300 + 100 = 175,840.00; per GPU-hour 175,840 / 60,000 = 2.9307
    o = offer(
        committed(10, "2.00", 80),
        storage_rate_per_gb_month=D("0.02"),
        egress_rate_per_gb=D("0.05"),
        exit_egress_rate_per_gb=D("0.05"),
    )
    i = inputs(storage_gb=D(1000), egress_gb_per_month=D(500), exit_data_gb=D(2000))
    [r] = tce.compute(i, [o]).offers
    assert r.monthly == {
        "committed_compute": D("10000.00"),
        "unused_commitment": D("4600.00"),
        "burst_compute": D("0.00"),
        "storage": D("20.00"),
        "egress": D("25.00"),
    }
    assert r.totals == {
        "committed_compute": D("120000.00"),
        "unused_commitment": D("55200.00"),
        "burst_compute": D("0.00"),
        "storage": D("240.00"),
        "egress": D("300.00"),
        "exit_egress": D("100.00"),
        "queue_wait": D("0.00"),
        "switching": D("0.00"),
        "risk": D("0.00"),
    }
    assert r.tce == D("175840.00")
    assert r.tce_per_gpu_hour == D("2.9307")
    assert r.unit_price == D("2.0000")
    assert r.covers_demand


def test_burst_and_emergency_take_the_overflow_cheapest_first():
    # Committed 4 GPUs at 2.50 (100%), burst 4 at 4.00, emergency 2 at 6.00; demand 6,000 h, 3 months.
    #   committed: 4 x 730 = 2,920 h used x 2.50 = 7,300.00 a month, nothing unused
    #   burst: 6,000 - 2,920 = 3,080 left, burst holds 2,920 h x 4.00 = 11,680.00
    #   emergency: 160 h left x 6.00 = 960.00 -> burst and emergency 12,640.00 a month
    #   totals x 3: committed 21,900.00, burst and emergency 37,920.00
    #   switching: 10 engineer-days x 800 = 8,000 + 2 weeks x run-rate (7,300 + 12,640 = 19,940)
    #              x 12/52 = 9,203.0769...; together 17,203.08
    #   TCE = 21,900 + 37,920 + 17,203.08 = 77,023.08; per GPU-hour 77,023.08 / 18,000 = 4.2791
    o = offer(
        # Listed out of order on purpose: the bands, then the prices, decide the order of use.
        line("emergency", 2, "6.00"),
        line("burst", 4, "4.00"),
        committed(4, "2.50"),
        switching_engineer_days=D(10),
        engineer_day_rate=D(800),
        parallel_run_weeks=D(2),
    )
    [r] = tce.compute(inputs(gpu_hours_per_month=D(6000), horizon_months=3), [o]).offers
    assert r.monthly["committed_compute"] == D("7300.00")
    assert r.monthly["unused_commitment"] == D("0.00")
    assert r.monthly["burst_compute"] == D("12640.00")
    assert r.totals["burst_compute"] == D("37920.00")
    assert r.totals["switching"] == D("17203.08")
    assert r.tce == D("77023.08")
    assert r.tce_per_gpu_hour == D("4.2791")
    assert r.unit_price == D("2.5000")
    assert [a.used_hours for a in r.allocations] == [D(2920), D(2920), D(160)]


def test_committed_lines_are_used_cheapest_first():
    # 1,000 h demand; the 1.50 line (730 h usable) is used in full, the 3.00 line for 270 h and
    # is otherwise idle: unused = (730 x 3.00) - (270 x 3.00) = 1,380.00.
    o = offer(committed(1, "3.00"), committed(1, "1.50"))
    [r] = tce.compute(inputs(gpu_hours_per_month=D(1000), horizon_months=1), [o]).offers
    assert r.monthly["committed_compute"] == D("1905.00")  # 730 x 1.50 + 270 x 3.00
    assert r.monthly["unused_commitment"] == D("1380.00")
    assert r.unit_price == D("1.5000")


def test_an_offer_in_dollars_is_converted_with_the_rate_shown():
    # 2 GPUs committed at 3.00 USD (100%), demand 1,460 h = exactly 2 x 730; 2 months; 1 USD = 0.92 EUR.
    #   committed: 1,460 x 3.00 = 4,380 USD a month -> 4,029.60 EUR; x 2 = 8,760 USD -> 8,059.20 EUR
    #   egress: 100 GB x 0.09 = 9 USD a month -> 8.28 EUR; x 2 = 18 USD -> 16.56 EUR
    #   exit egress: 1,000 GB x 0.09 = 90 USD -> 82.80 EUR
    #   switching: 5 engineer-days x 1,000 USD = 5,000 USD -> 4,600.00 EUR
    #   TCE = 8,059.20 + 16.56 + 82.80 + 4,600.00 = 12,758.56 EUR; per GPU-hour / 2,920 = 4.3694
    #   unit price: 3.00 x 0.92 = 2.7600 EUR
    rate = tce.Rate("USD", "EUR", D("0.92"), dt.date(2026, 12, 1), "ECB reference rate")
    o = offer(
        committed(2, "3.00"),
        billing_currency="USD",
        egress_rate_per_gb=D("0.09"),
        exit_egress_rate_per_gb=D("0.09"),
        switching_engineer_days=D(5),
        engineer_day_rate=D(1000),
        rate=rate,
    )
    i = inputs(
        gpu_hours_per_month=D(1460), horizon_months=2, egress_gb_per_month=D(100), exit_data_gb=D(1000)
    )
    result = tce.compute(i, [o])
    [r] = result.offers
    assert r.monthly["committed_compute"] == D("4029.60")
    assert r.totals["committed_compute"] == D("8059.20")
    assert r.monthly["egress"] == D("8.28")
    assert r.totals["egress"] == D("16.56")
    assert r.totals["exit_egress"] == D("82.80")
    assert r.totals["switching"] == D("4600.00")
    assert r.tce == D("12758.56")
    assert r.tce_per_gpu_hour == D("4.3694")
    assert r.unit_price == D("2.7600")
    snap = result.as_snapshot()["offers"][0]
    assert snap["rate"] == {
        "from": "USD",
        "to": "EUR",
        "rate": "0.92",
        "on": "2026-12-01",
        "source": "ECB reference rate",
    }
    assert (snap["billing_currency"], snap["unit_price"], snap["tce"]) == ("USD", "2.7600", "12758.56")


def test_an_offer_that_does_not_cover_the_demand_shows_its_shortfall_and_is_never_cheapest_by_tce():
    # 10 GPUs at 80%: 5,840 usable hours against 6,000 demanded -> 160 h a month short.
    #   committed: 5,840 x 2.00 = 11,680.00; unused 14,600 - 11,680 = 2,920.00 (a month, 1 month)
    # The covering offer costs more (1.0 x 9 GPUs x 730 = 6,570 h x 2.50 = 16,425.00) but is the
    # only one that runs the work.
    short = offer(committed(10, "2.00", 80), id=1)
    covering = offer(committed(9, "2.50"), id=2)
    result = tce.compute(inputs(gpu_hours_per_month=D(6000), horizon_months=1), [short, covering])
    r_short, r_cover = result.offers
    assert r_short.shortfall_gpu_hours_per_month == D(160)
    assert not r_short.covers_demand
    assert (r_short.totals["committed_compute"], r_short.totals["unused_commitment"]) == (
        D("11680.00"),
        D("2920.00"),
    )
    assert r_short.tce < r_cover.tce == D("16425.00")
    assert result.cheapest_by_unit_price is r_short
    assert result.cheapest_by_tce is r_cover
    snap = result.as_snapshot()
    assert snap["offers"][0]["covers_demand"] is False
    assert snap["offers"][0]["shortfall_gpu_hours_per_month"] == "160"
    assert (snap["cheapest_by_unit_price"], snap["cheapest_by_tce"]) == (1, 2)


def test_no_offer_covering_the_demand_means_no_cheapest_by_tce():
    result = tce.compute(inputs(gpu_hours_per_month=D(1000), horizon_months=1), [offer(committed(1, "1"))])
    assert result.cheapest_by_tce is None
    assert result.as_snapshot()["cheapest_by_tce"] is None


def test_queue_wait_switching_and_concentration_risk():
    # Cost of delay 2,400 EUR a day. 10 GPUs committed at 2.00 (100%), demand 7,300 h, 6 months.
    #   queue wait: 36 h / 24 x 2,400 = 3,600.00
    #   switching: 20 engineer-days x 900 = 18,000 + 4 weeks x 14,600 run-rate x 12/52
    #              = 13,476.923...; together 31,476.92
    #   risk: the tier has 100 compute GPUs, 20 on this vendor; with the offer's 10,
    #         stranded share = (20 + 10) / (100 + 10) = 0.2727...;
    #         10% x 30 days x 2,400 x 0.2727... = 1,963.6363... -> 1,963.64
    #   committed: 14,600 x 6 = 87,600.00
    #   TCE = 87,600 + 3,600 + 31,476.92 + 1,963.64 = 124,640.56
    o = offer(
        committed(10, "2.00"),
        queue_wait_hours=D(36),
        switching_engineer_days=D(20),
        engineer_day_rate=D(900),
        parallel_run_weeks=D(4),
        loss_probability_percent=D(10),
        tier_gpus_on_vendor=D(20),
    )
    i = inputs(gpu_hours_per_month=D(7300), horizon_months=6, cost_of_delay_per_day=D(2400), tier_gpus=D(100))
    [r] = tce.compute(i, [o]).offers
    assert r.totals["queue_wait"] == D("3600.00")
    assert r.totals["switching"] == D("31476.92")
    assert r.stranded_share.quantize(D("0.000001")) == D("0.272727")
    assert r.totals["risk"] == D("1963.64")
    assert r.tce == D("124640.56")


def test_a_cost_of_delay_in_another_currency_is_converted():
    # 2,000 GBP a day at 1 GBP = 1.15 EUR is 2,300 EUR; 36 h of queue = 1.5 days = 3,450.00 EUR.
    # With no other GPUs in the tier the offer holds all of it: risk = 5% x 30 x 2,300 x 1 = 3,450.00.
    i = inputs(
        gpu_hours_per_month=D(730),
        horizon_months=1,
        cost_of_delay_per_day=D(2000),
        cost_of_delay_currency="GBP",
        cost_of_delay_rate=tce.Rate("GBP", "EUR", D("1.15")),
    )
    result = tce.compute(i, [offer(committed(1, "1"), queue_wait_hours=D(36), loss_probability_percent=D(5))])
    [r] = result.offers
    assert (r.totals["queue_wait"], r.totals["risk"]) == (D("3450.00"), D("3450.00"))
    assert result.as_snapshot()["cost_of_delay"]["rate"]["rate"] == "1.15"


def test_component_totals_are_rounded_half_even_and_the_tce_is_their_sum():
    # 1 GB of storage at 0.005 a month for 1 month = 0.005 -> 0.00 (half even), and
    # 3 GB = 0.015 -> 0.02: each component is rounded once, the TCE adds the rounded figures.
    r1 = tce.compute(
        inputs(gpu_hours_per_month=D(730), horizon_months=1, storage_gb=D(1)),
        [offer(committed(1, "0"), storage_rate_per_gb_month=D("0.005"))],
    ).offers[0]
    r3 = tce.compute(
        inputs(gpu_hours_per_month=D(730), horizon_months=1, storage_gb=D(3)),
        [offer(committed(1, "0"), storage_rate_per_gb_month=D("0.005"))],
    ).offers[0]
    assert (r1.totals["storage"], r3.totals["storage"]) == (D("0.00"), D("0.02"))
    assert r3.tce == D("0.02")


def test_snapshot_has_the_designed_shape_and_a_stable_sha256():
    result = tce.compute(
        inputs(workload_id=3, workload_name="Frontier model pre-training"), [offer(committed(10, "2.1", 90))]
    )
    snap = result.as_snapshot()
    assert list(snap) == [
        "version",
        "name",
        "tier",
        "tier_label",
        "workload",
        "inputs",
        "reporting_currency",
        "as_of",
        "cost_of_delay",
        "components",
        "offers",
        "cheapest_by_unit_price",
        "cheapest_by_tce",
        "assumptions",
    ]
    assert snap["version"] == 1
    assert snap["workload"] == {"id": 3, "name": "Frontier model pre-training"}
    assert snap["inputs"] == {
        "gpu_hours_per_month": "5000",
        "storage_gb": "0",
        "egress_gb_per_month": "0",
        "exit_data_gb": "0",
        "horizon_months": 12,
        "rehome_days": 30,
    }
    assert [c["code"] for c in snap["components"]] == list(tce.COMPONENT_CODES)
    assert snap["components"][5] == {"code": "exit_egress", "label": "Exit egress", "one_off": True}
    o = snap["offers"][0]
    assert list(o) == [
        "id",
        "name",
        "vendor",
        "billing_currency",
        "unit_price",
        "covers_demand",
        "shortfall_gpu_hours_per_month",
        "monthly",
        "totals",
        "tce",
        "tce_per_gpu_hour",
        "rate",
    ]
    assert list(o["monthly"]) == list(tce.MONTHLY_CODES)
    assert list(o["totals"]) == list(tce.COMPONENT_CODES)
    assert o["unit_price"] == "2.1000" and o["rate"] is None
    assert snap["assumptions"][0].startswith("730 hours a month")
    # No float anywhere: the canonical JSON read back (as a jsonb column returns it) hashes the same.
    text = tce.canonical_json(snap)
    assert "." not in json.dumps(
        [v for v in _leaves(snap) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    )
    assert tce.snapshot_sha256(json.loads(text)) == tce.snapshot_sha256(snap)
    assert len(tce.snapshot_sha256(snap)) == 64


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(horizon_months=0), "horizon must be 1 to 120"),
        (dict(horizon_months=121), "horizon must be 1 to 120"),
        (dict(gpu_hours_per_month=D(0)), "GPU-hours per month cannot be below"),
        (dict(gpu_hours_per_month=D("1e9") + 1), "GPU-hours per month cannot be above"),
        (dict(storage_gb=D(-1)), "Storage (GB) cannot be below 0"),
        (dict(reporting_currency="USD"), "no exchange rate from EUR to USD"),
    ],
)
def test_refuses_inputs_it_cannot_compute_with(change, message):
    with pytest.raises(tce.TCEInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tce.compute(inputs(**change), [offer(committed(1, "1"))])


@pytest.mark.parametrize(
    ("lines", "change", "message"),
    [
        ((), {}, "has no capacity lines"),
        ((tce.LineInput("committed", 0, D(1), D(100)),), {}, "quantity must be 1 to"),
        ((tce.LineInput("committed", -3, D(1), D(100)),), {}, "quantity must be 1 to"),
        ((tce.LineInput("committed", 1, D(-1), D(100)),), {}, "effective price cannot be below 0"),
        ((tce.LineInput("committed", 1, D(1), D(101)),), {}, "utilisation .* cannot be above 100"),
        ((tce.LineInput("spot", 1, D(1)),), {}, "unknown capacity band"),
        (
            (committed(1, "1"),),
            dict(loss_probability_percent=D(150)),
            "loss probability .* cannot be above 100",
        ),
        ((committed(1, "1"),), dict(billing_currency="USD"), "no exchange rate from USD to EUR"),
        (
            (committed(1, "1"),),
            dict(billing_currency="USD", rate=tce.Rate("GBP", "EUR", D(1))),
            "converts GBP to EUR, not USD to EUR",
        ),
    ],
)
def test_refuses_offers_it_cannot_compute_with(lines, change, message):
    with pytest.raises(tce.TCEInputError, match=message):
        tce.compute(inputs(), [offer(*lines, **change)])


# Properties -------------------------------------------------------------------------------


def money(high=1000, places=2):
    return st.decimals(min_value=0, max_value=high, places=places, allow_nan=False, allow_infinity=False)


lines_strategy = st.lists(
    st.builds(
        tce.LineInput,
        band=st.sampled_from(tce.BANDS),
        quantity=st.integers(min_value=1, max_value=tce.MAX_GPUS_PER_LINE),
        effective_unit_price=money(100, 6),
        expected_utilisation_percent=money(100, 2),
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def comparisons(draw):
    currencies = ["EUR", "USD", "GBP"]
    reporting = draw(st.sampled_from(currencies))
    tier_gpus = draw(money(100_000, 0))
    count = draw(st.integers(min_value=1, max_value=4))
    offers = []
    for n in range(count):
        billing = draw(st.sampled_from(currencies))
        rate = None
        if billing != reporting:
            rate = tce.Rate(billing, reporting, draw(st.decimals(min_value="0.01", max_value=200, places=6)))
        offers.append(
            tce.OfferInput(
                id=n + 1,
                name=f"Offer {n + 1}",
                vendor="V",
                billing_currency=billing,
                lines=tuple(draw(lines_strategy)),
                storage_rate_per_gb_month=draw(money(10, 6)),
                egress_rate_per_gb=draw(money(10, 6)),
                exit_egress_rate_per_gb=draw(money(10, 6)),
                queue_wait_hours=draw(money(8760)),
                switching_engineer_days=draw(money(100_000)),
                engineer_day_rate=draw(money(10_000)),
                parallel_run_weeks=draw(money(520)),
                loss_probability_percent=draw(money(100)),
                tier_gpus_on_vendor=draw(st.decimals(min_value=0, max_value=tier_gpus, places=0)),
                rate=rate,
            )
        )
    delay_currency = draw(st.sampled_from(currencies))
    inputs_ = tce.Inputs(
        gpu_hours_per_month=draw(
            st.decimals(min_value="0.01", max_value=tce.MAX_GPU_HOURS_PER_MONTH, places=2)
        ),
        horizon_months=draw(st.integers(min_value=1, max_value=tce.MAX_HORIZON_MONTHS)),
        reporting_currency=reporting,
        as_of=AS_OF,
        cost_of_delay_per_day=draw(money(10_000_000)),
        cost_of_delay_currency=delay_currency,
        cost_of_delay_rate=(
            tce.Rate(delay_currency, reporting, draw(st.decimals(min_value="0.01", max_value=200, places=6)))
            if delay_currency != reporting
            else None
        ),
        storage_gb=draw(money(tce.MAX_GB)),
        egress_gb_per_month=draw(money(tce.MAX_GB)),
        exit_data_gb=draw(money(tce.MAX_GB)),
        rehome_days=draw(st.integers(min_value=0, max_value=3650)),
        tier_gpus=tier_gpus,
    )
    return inputs_, offers


@settings(max_examples=200, deadline=None)
@given(comparisons())
def test_every_component_is_non_negative_and_the_tce_is_their_sum(case):
    inputs_, offers = case
    result = tce.compute(inputs_, offers)
    for r in result.offers:
        assert all(v >= 0 for v in r.monthly.values())
        assert all(v >= 0 for v in r.totals.values())
        assert list(r.totals) == list(tce.COMPONENT_CODES)
        assert r.tce == sum(r.totals.values())
        assert r.shortfall_gpu_hours_per_month >= 0
        assert 0 <= r.stranded_share <= 1
        # Demand is served, or short: never more hours used than demanded.
        assert (
            sum(a.used_hours for a in r.allocations) + r.shortfall_gpu_hours_per_month
            == inputs_.gpu_hours_per_month
        )
    snap = result.as_snapshot()
    for o in snap["offers"]:
        assert D(o["tce"]) == sum(D(v) for v in o["totals"].values())
    best = result.cheapest_by_tce
    assert best is None or (
        best.covers_demand and all(best.tce <= r.tce for r in result.offers if r.covers_demand)
    )
    assert tce.snapshot_sha256(json.loads(tce.canonical_json(snap))) == tce.snapshot_sha256(snap)
