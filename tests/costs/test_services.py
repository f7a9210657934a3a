"""The writes of the TCE (each with one audit event, all or nothing) and the live comparison."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from costs import comparing, services, tce
from costs.models import Comparison, CostOfDelay, ExchangeRate, Offer, OfferLine
from procurement.models import AuditEvent
from tests.resilience.factories import WorkloadFactory, compute
from tests.vendors.factories import CapacityLineFactory, ContractFactory, VendorFactory

from .factories import CostOfDelayFactory, ExchangeRateFactory, OfferFactory, OfferLineFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 7)
TRAINING = "experimental_training"


def committed_line(**overrides):
    values = dict(
        band="committed",
        accelerator_class="H100 80GB",
        region="eu-west",
        quantity=10,
        contracted_unit_price=D("2.20"),
        effective_unit_price=D("2.00"),
        commitment_term_months=12,
        expected_utilisation_percent=D(80),
    )
    return {**values, **overrides}


def burst_line(**overrides):
    values = dict(
        band="burst",
        accelerator_class="H100 80GB",
        quantity=4,
        contracted_unit_price=D("4.00"),
        effective_unit_price=D("4.00"),
    )
    return {**values, **overrides}


def actions():
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


def test_offer_create_writes_the_offer_its_lines_and_one_event(procurement_user):
    vendor = VendorFactory(name="Northwind GPU")
    offer = services.offer_create(
        actor=procurement_user,
        vendor=vendor,
        name="2027 reserved block",
        billing_currency="USD",
        lines=[committed_line(), burst_line()],
    )
    assert offer.lines.count() == 2
    assert offer.created_by == procurement_user
    assert offer.loss_probability == D(5)  # settings.TCE_DEFAULT_LOSS_PROBABILITY_PERCENT
    assert actions() == ["costs.offer.create"]
    event = AuditEvent.objects.get()
    assert event.changes["lines"][1][0]["quantity"] == 10


def test_a_bad_line_writes_nothing_and_says_which_line(procurement_user):
    with pytest.raises(ValidationError) as exc:
        services.offer_create(
            actor=procurement_user,
            vendor=VendorFactory(),
            name="x",
            billing_currency="EUR",
            lines=[committed_line(), committed_line(quantity=-2, expected_utilisation_percent=D(120))],
        )
    text = " ".join(exc.value.messages)
    assert "Line 2: A line has at least one GPU." in text
    assert "cannot be used more than fully" in text
    assert not Offer.objects.exists() and not AuditEvent.objects.exists()


def test_an_offer_needs_a_line_and_a_known_currency(procurement_user):
    with pytest.raises(ValidationError, match="at least one capacity line"):
        services.offer_create(
            actor=procurement_user, vendor=VendorFactory(), name="x", billing_currency="EUR", lines=[]
        )
    with pytest.raises(ValidationError) as exc:
        services.offer_create(
            actor=procurement_user,
            vendor=VendorFactory(),
            name="x",
            billing_currency="EUX",
            lines=[committed_line()],
        )
    assert "ISO 4217" in exc.value.message_dict["billing_currency"][0]
    assert not Offer.objects.exists()


def test_offer_update_replaces_lines_and_an_unchanged_resubmission_writes_no_event(procurement_user):
    offer = services.offer_create(
        actor=procurement_user,
        vendor=VendorFactory(),
        name="x",
        billing_currency="EUR",
        lines=[committed_line()],
    )
    services.offer_update(actor=procurement_user, offer=offer, queue_wait_hours=D(48), lines=[burst_line()])
    assert list(offer.lines.values_list("band", flat=True)) == ["burst"]
    services.offer_update(actor=procurement_user, offer=offer, queue_wait_hours=D(48), lines=[burst_line()])
    assert actions() == ["costs.offer.create", "costs.offer.update"]


def test_offer_delete_is_refused_while_a_saved_comparison_names_it(procurement_user):
    CostOfDelayFactory()
    offer = OfferLineFactory().offer
    kept = OfferLineFactory().offer
    services.comparison_save(
        actor=procurement_user,
        name="Q1",
        tier=TRAINING,
        offers=[kept],
        gpu_hours_per_month=D(1000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=AS_OF,
    )
    with pytest.raises(services.OfferInUse, match="saved comparisons"):
        services.offer_delete(actor=procurement_user, offer=kept)
    services.offer_delete(actor=procurement_user, offer=offer)
    assert (
        not Offer.objects.filter(pk=offer.pk).exists()
        and not OfferLine.objects.filter(offer_id=offer.pk).exists()
    )
    assert actions() == ["costs.comparison.save", "costs.offer.delete"]


def test_offer_from_contract_prices_committed_lines_at_the_committed_spend(procurement_user):
    # 12 months, 10 committed GPUs: 10 x 730 x 12 = 87,600 GPU-hours for 219,000.00 = 2.50 a GPU-hour.
    contract = ContractFactory(
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2028, 1, 1),
        committed_spend=D("219000.00"),
        currency="USD",
    )
    CapacityLineFactory(
        contract=contract, band="committed", count=10, accelerator_model="H200", region="us-east"
    )
    CapacityLineFactory(contract=contract, band="burst", count=4, accelerator_model="H200", region="us-east")
    offer = services.offer_from_contract(actor=procurement_user, contract=contract)
    assert (offer.vendor, offer.contract, offer.billing_currency) == (contract.vendor, contract, "USD")
    committed, burst = offer.lines.all()
    assert (committed.quantity, committed.effective_unit_price, committed.commitment_term_months) == (
        10,
        D("2.5"),
        12,
    )
    assert burst.effective_unit_price == 0 and burst.expected_utilisation_percent is None
    assert "enter burst and emergency prices" in offer.notes
    assert actions() == ["costs.offer.from_contract"]


def test_offer_from_a_contract_without_capacity_is_refused(procurement_user):
    with pytest.raises(ValidationError, match="no capacity lines"):
        services.offer_from_contract(actor=procurement_user, contract=ContractFactory())


def test_exchange_rates_are_unique_per_pair_and_day(procurement_user):
    values = dict(base_currency="USD", quote_currency="EUR", rate=D("0.92"), on=dt.date(2026, 12, 1))
    rate = services.exchange_rate_create(actor=procurement_user, source="ECB reference rate", **values)
    with pytest.raises(ValidationError, match="already has a rate on this day"):
        services.exchange_rate_create(actor=procurement_user, **values)
    with pytest.raises(ValidationError) as exc:
        services.exchange_rate_create(actor=procurement_user, **{**values, "quote_currency": "ZZZ"})
    assert "ISO 4217" in exc.value.message_dict["quote_currency"][0]
    services.exchange_rate_delete(actor=procurement_user, rate=rate)
    assert not ExchangeRate.objects.exists()
    assert actions() == ["costs.exchange_rate.create", "costs.exchange_rate.delete"]


def test_rate_for_takes_the_latest_on_or_before_and_else_the_inverse():
    ExchangeRateFactory(rate=D("0.90"), on=dt.date(2026, 11, 1))
    ExchangeRateFactory(rate=D("0.92"), on=dt.date(2026, 12, 1))
    ExchangeRateFactory(rate=D("0.95"), on=dt.date(2026, 12, 20))  # after the as-of date
    ExchangeRateFactory(base_currency="EUR", quote_currency="GBP", rate=D("0.80"), on=dt.date(2026, 12, 1))
    assert comparing.rate_for("USD", "EUR", AS_OF).rate == D("0.92")
    inverse = comparing.rate_for("GBP", "EUR", AS_OF)
    assert inverse.rate == D("1.25") and "inverse of 1 EUR = 0.8 GBP" in inverse.source
    assert comparing.rate_for("EUR", "EUR", AS_OF) is None
    assert comparing.rate_for("JPY", "EUR", AS_OF) is None
    assert comparing.rate_for("USD", "EUR", dt.date(2026, 10, 1)) is None


def test_cost_of_delay_set_creates_then_replaces_the_tiers_figure(procurement_user):
    services.cost_of_delay_set(actor=procurement_user, tier=TRAINING, per_day=D("2400"), currency="EUR")
    services.cost_of_delay_set(actor=procurement_user, tier=TRAINING, per_day=D("3000"), currency="EUR")
    services.cost_of_delay_set(actor=procurement_user, tier=TRAINING, per_day=D("3000"), currency="EUR")
    assert CostOfDelay.objects.get().per_day == D("3000")
    assert actions() == ["costs.cost_of_delay.set", "costs.cost_of_delay.set"]
    with pytest.raises(ValidationError):
        services.cost_of_delay_set(actor=procurement_user, tier=TRAINING, per_day=D("-1"), currency="EUR")


def _request(**overrides):
    values = dict(
        tier=TRAINING, gpu_hours_per_month=D(5000), horizon_months=12, reporting_currency="EUR", as_of=AS_OF
    )
    return comparing.Request(**{**values, **overrides})


def test_compare_lists_every_missing_rate_and_cost_of_delay():
    offer = OfferLineFactory(offer__billing_currency="USD", offer__name="Dollar offer").offer
    outcome = comparing.compare(_request(), comparing.offers_with_lines([offer.pk]))
    assert not outcome.ok
    assert outcome.refusals == [
        "No cost of delay is set for the Experimental training tier: set it on the cost of delay page.",
        "Offer “Dollar offer”: No exchange rate from USD to EUR on or before 2026-12-07: add one on the "
        "exchange rates page.",
    ]


def test_compare_reads_the_tiers_compute_per_vendor_for_the_stranded_share():
    # The training tier has 30 GPUs on Northwind and 70 elsewhere; the offer adds 10 on Northwind:
    # stranded share = (30 + 10) / (100 + 10) = 0.3636...
    northwind, other = VendorFactory(name="Northwind"), VendorFactory()
    workload = WorkloadFactory(tier=TRAINING)
    compute(workload, northwind, "committed", 30)
    compute(workload, other, "committed", 70)
    compute(WorkloadFactory(tier="hot_inference"), northwind, "committed", 500)  # another tier
    CostOfDelayFactory(per_day=D("1000"))
    offer = OfferLineFactory(offer__vendor=northwind, quantity=10).offer
    outcome = comparing.compare(_request(workload=workload), comparing.offers_with_lines([offer.pk]))
    [r] = outcome.result.offers
    assert r.stranded_share.quantize(D("0.0001")) == D("0.3636")
    # 5% x 30 days x 1,000 x 0.3636... = 545.45
    assert r.totals["risk"] == D("545.45")


def test_compare_refuses_a_workload_of_another_tier():
    CostOfDelayFactory()
    offer = OfferLineFactory().offer
    outcome = comparing.compare(
        _request(workload=WorkloadFactory(tier="reserve")), comparing.offers_with_lines([offer.pk])
    )
    assert len(outcome.refusals) == 1 and "is not of the tier compared" in outcome.refusals[0]


def test_comparison_save_freezes_the_snapshot_and_its_sha256(procurement_user):
    CostOfDelayFactory()
    ExchangeRateFactory()
    eur = OfferLineFactory(offer__name="Euro offer").offer
    usd = OfferLineFactory(offer__name="Dollar offer", offer__billing_currency="USD").offer
    comparison = services.comparison_save(
        actor=procurement_user,
        name="Pre-training 2027",
        tier=TRAINING,
        offers=[usd, eur],
        gpu_hours_per_month=D(5000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=AS_OF,
    )
    comparison.refresh_from_db()
    assert [o["name"] for o in comparison.snapshot["offers"]] == ["Dollar offer", "Euro offer"]
    assert comparison.snapshot["offers"][0]["rate"]["rate"] == "0.92"
    assert comparison.sha256 == tce.snapshot_sha256(comparison.snapshot)
    assert set(comparison.offers.all()) == {eur, usd}
    # Later changes of offers or rates do not touch what was saved.
    services.offer_update(actor=procurement_user, offer=eur, name="Renamed")
    comparison.refresh_from_db()
    assert comparison.snapshot["offers"][1]["name"] == "Euro offer"
    assert actions() == ["costs.comparison.save", "costs.offer.update"]


def test_comparison_save_refuses_bad_inputs_and_missing_rates_writing_nothing(procurement_user):
    offer = OfferLineFactory(offer__billing_currency="USD").offer
    base = dict(
        actor=procurement_user, name="x", tier=TRAINING, offers=[offer], reporting_currency="EUR", as_of=AS_OF
    )
    with pytest.raises(ValidationError) as exc:
        services.comparison_save(**base, gpu_hours_per_month=D(1000), horizon_months=0)
    assert "1 to 120 months" in exc.value.message_dict["horizon_months"][0]
    with pytest.raises(ValidationError) as exc:
        services.comparison_save(**base, gpu_hours_per_month=D("2000000000"), horizon_months=12)
    assert "typing mistake" in exc.value.message_dict["gpu_hours_per_month"][0]
    with pytest.raises(ValidationError) as exc:
        services.comparison_save(**base, gpu_hours_per_month=D(1000), horizon_months=12)
    assert any("No exchange rate from USD to EUR" in m for m in exc.value.messages)
    with pytest.raises(ValidationError, match="at least one offer"):
        services.comparison_save(**{**base, "offers": []}, gpu_hours_per_month=D(1000), horizon_months=12)
    assert not Comparison.objects.exists() and not AuditEvent.objects.exists()


def test_offer_factory_is_valid():
    OfferFactory().full_clean()
