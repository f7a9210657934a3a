"""Bad input is refused by the models' validation with a message a person can act on."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from costs import currencies
from costs.models import Comparison, CostOfDelay, ExchangeRate, Offer, OfferLine
from tests.vendors.factories import VendorFactory
from vendors.models import WorkloadTier

from .factories import OfferFactory

pytestmark = pytest.mark.django_db


def errors(obj, exclude=()) -> dict:
    with pytest.raises(ValidationError) as exc:
        obj.full_clean(exclude=exclude)
    return exc.value.message_dict


def line(**overrides) -> OfferLine:
    values = dict(
        band="committed",
        accelerator_class="H100",
        quantity=8,
        contracted_unit_price=D("2.5"),
        effective_unit_price=D("2.5"),
        commitment_term_months=12,
        expected_utilisation_percent=D(90),
    )
    values.update(overrides)
    return OfferLine(**values)


def comparison(**overrides) -> Comparison:
    values = dict(
        name="Pre-training",
        tier=WorkloadTier.EXPERIMENTAL_TRAINING,
        gpu_hours_per_month=D(5000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=dt.date(2026, 12, 7),
        snapshot={},
        sha256="0" * 64,
    )
    values.update(overrides)
    return Comparison(**values)


def test_the_currency_list_holds_the_active_iso_4217_codes_only():
    assert {"EUR", "USD", "GBP", "JPY", "CHF", "XCG", "ZWG", "SLE"} <= set(currencies.ACTIVE)
    assert not {"HRK", "BGN", "ANG", "ZWL", "CUC", "XTS", "XXX"} & set(currencies.ACTIVE)
    assert all(len(code) == 3 and code.isupper() for code in currencies.ACTIVE)


@pytest.mark.parametrize("code", ["usd", "EURO", "ABC", "HRK", ""])
def test_unknown_currency_is_refused(code):
    offer = Offer(vendor=VendorFactory(), name="x", billing_currency=code)
    message = errors(offer)["billing_currency"][0]
    assert "ISO 4217" in message or "cannot be blank" in message


def test_a_valid_offer_and_line_pass():
    offer = OfferFactory()
    offer.full_clean()
    line(offer=offer).full_clean()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", -1, "at least one GPU"),
        ("quantity", 0, "at least one GPU"),
        ("quantity", 10_000_000, "At most 1,000,000 GPUs a line"),
        ("effective_unit_price", D("-0.01"), "cannot be negative"),
        ("contracted_unit_price", D("99999999"), "typing mistake"),
        ("expected_utilisation_percent", D("100.01"), "cannot be used more than fully"),
        ("expected_utilisation_percent", D(-5), "from 0 to 100"),
    ],
)
def test_line_refuses_bad_figures(field, value, message):
    found = errors(line(**{field: value}), exclude=["offer"])
    assert any(message in m for m in found[field]), found


def test_committed_line_needs_utilisation_and_term_and_burst_has_neither():
    found = errors(line(expected_utilisation_percent=None, commitment_term_months=None), exclude=["offer"])
    assert "expected utilisation" in found["expected_utilisation_percent"][0]
    assert "commitment term" in found["commitment_term_months"][0]
    found = errors(line(band="burst"), exclude=["offer"])
    assert "paid as used" in found["expected_utilisation_percent"][0]
    assert "Only committed lines" in found["commitment_term_months"][0]


def test_offer_refuses_negative_rates_and_a_probability_above_100():
    offer = OfferFactory.build(vendor=VendorFactory(), egress_rate_per_gb=D(-1), loss_probability=D(101))
    found = errors(offer)
    assert "cannot be negative" in found["egress_rate_per_gb"][0]
    assert "loss_probability" in found


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (dict(horizon_months=0), "horizon_months", "1 to 120 months"),
        (dict(horizon_months=121), "horizon_months", "1 to 120 months"),
        (dict(gpu_hours_per_month=D("1000000000.01")), "gpu_hours_per_month", "typing mistake"),
        (dict(gpu_hours_per_month=D(0)), "gpu_hours_per_month", "needs some GPU-hours"),
        (dict(storage_gb=D(-1)), "storage_gb", "cannot be negative"),
        (dict(reporting_currency="XYZ"), "reporting_currency", "ISO 4217"),
    ],
)
def test_comparison_refuses_bad_inputs(change, field, message):
    found = errors(comparison(**change))
    assert any(message in m for m in found[field]), found


def test_exchange_rate_needs_two_currencies_and_a_positive_rate():
    found = errors(
        ExchangeRate(base_currency="EUR", quote_currency="EUR", rate=D(0), on=dt.date(2026, 12, 1))
    )
    assert "two different currencies" in " ".join(found["quote_currency"] + found.get("__all__", []))
    assert "rate" in found


def test_cost_of_delay_refuses_negative_amounts_and_unknown_currency():
    found = errors(CostOfDelay(tier=WorkloadTier.RESERVE, per_day=D(-1), currency="EU"))
    assert set(found) >= {"per_day", "currency"}
