"""Factories of offers, rates and costs of delay. They write rows directly: tests of behaviour go
through `costs.services`."""

import datetime as dt
from decimal import Decimal

import factory

from costs.models import CostOfDelay, ExchangeRate, Offer, OfferLine
from tests.vendors.factories import VendorFactory
from vendors.models import CapacityBand, WorkloadTier

# One committed line as `costs.services.offer_create` takes it.
COMMITTED_LINE = {
    "band": CapacityBand.COMMITTED,
    "accelerator_class": "H100 80GB",
    "quantity": 8,
    "contracted_unit_price": Decimal("2.50"),
    "effective_unit_price": Decimal("2.40"),
    "commitment_term_months": 12,
    "expected_utilisation_percent": Decimal("80"),
}


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Offer {n:04d}")
    billing_currency = "EUR"
    loss_probability = Decimal(5)


class OfferLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferLine

    offer = factory.SubFactory(OfferFactory)
    band = CapacityBand.COMMITTED
    accelerator_class = "H100 80GB"
    region = "eu-west"
    quantity = 8
    contracted_unit_price = Decimal("2.50")
    effective_unit_price = Decimal("2.50")
    commitment_term_months = factory.LazyAttribute(lambda o: 12 if o.band == CapacityBand.COMMITTED else None)
    expected_utilisation_percent = factory.LazyAttribute(
        lambda o: Decimal(100) if o.band == CapacityBand.COMMITTED else None
    )


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    base_currency = "USD"
    quote_currency = "EUR"
    rate = Decimal("0.92")
    on = dt.date(2026, 12, 1)
    source = "ECB reference rate"


class CostOfDelayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostOfDelay
        django_get_or_create = ("tier",)

    tier = WorkloadTier.EXPERIMENTAL_TRAINING
    per_day = Decimal("2400.00")
    currency = "EUR"
