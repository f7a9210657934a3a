"""The demo's three offers for the training workload: the cheapest GPU-hour is not the cheapest
total cost of execution."""

from decimal import Decimal as D

import pytest

from costs import comparing, demo
from costs.models import CostOfDelay, ExchangeRate, Offer
from procurement import demo as procurement_demo
from procurement.models import AuditEvent
from resilience import demo as resilience_demo
from vendors import demo as vendors_demo
from vendors.models import WorkloadTier

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    procurement_demo.seed_users()
    resilience_demo.seed(vendors_demo.seed())
    demo.seed()


def test_the_demo_seeds_rates_costs_of_delay_and_three_offers_idempotently(seeded):
    assert set(ExchangeRate.objects.values_list("base_currency", "quote_currency")) == {
        ("USD", "EUR"),
        ("GBP", "EUR"),
    }
    assert set(CostOfDelay.objects.values_list("tier", flat=True)) == set(WorkloadTier.values)
    assert Offer.objects.count() == 3
    counts = (AuditEvent.objects.count(), Offer.objects.count(), ExchangeRate.objects.count())
    demo.seed()
    assert counts == (AuditEvent.objects.count(), Offer.objects.count(), ExchangeRate.objects.count())


def test_the_cheapest_gpu_hour_is_not_the_cheapest_tce(seeded):
    request = demo.training_request()
    assert request.workload is not None and request.workload.tier == "experimental_training"
    outcome = comparing.compare(request, demo.training_offers())
    assert outcome.ok, outcome.refusals
    result = outcome.result
    by_vendor = {r.offer.vendor: r for r in result.offers}
    nimbus, strato, pilot = (
        by_vendor[v] for v in ("Nimbus Scale", "Stratoverse Cloud", "Pilotwire Managed AI")
    )
    # Unit prices in EUR: 1.85 USD x 0.92 = 1.7020; 1.70 GBP x 1.16 = 1.9720; 2.30 EUR.
    assert (nimbus.unit_price, pilot.unit_price, strato.unit_price) == (D("1.7020"), D("1.9720"), D("2.3000"))
    assert result.cheapest_by_unit_price is nimbus
    assert result.cheapest_by_tce is pilot
    assert all(r.covers_demand for r in result.offers)
    # Ranked by TCE the cheapest GPU-hour comes last: idle commitment, three weeks of queue, egress.
    assert pilot.tce < strato.tce < nimbus.tce
    # Nimbus: 800 x 730 x 1.85 = 1,080,400 USD paid a month, 300,000 h x 1.85 = 555,000 used:
    # 525,400 USD idle a month, x 12 x 0.92 = 5,800,416.00 EUR of unused commitment.
    assert nimbus.totals["unused_commitment"] == D("5800416.00")
    # Queue: 504 h / 24 = 21 days x 25,000 EUR = 525,000.00.
    assert nimbus.totals["queue_wait"] == D("525000.00")
    snapshot = result.as_snapshot()
    assert snapshot["cheapest_by_unit_price"] == nimbus.offer.id
    assert snapshot["cheapest_by_tce"] == pilot.offer.id
    assert snapshot["workload"]["name"] == "Foundation model pre-training"
