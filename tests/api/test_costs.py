"""The API of the total cost of execution: offers with their lines, exchange rates and saved
comparisons, validated as the pages are (the services' own messages), with their audit events."""

import datetime as dt
from decimal import Decimal

import pytest

from costs.models import Comparison, ExchangeRate, Offer
from procurement.models import AuditEvent
from tests.costs.factories import CostOfDelayFactory, ExchangeRateFactory, OfferFactory, OfferLineFactory
from tests.vendors.factories import ContractFactory, VendorFactory

from .conftest import assert_error

pytestmark = pytest.mark.django_db

COMMITTED = {
    "band": "committed",
    "accelerator_class": "H100 80GB",
    "quantity": 64,
    "list_unit_price": "3.20",
    "contracted_unit_price": "2.60",
    "effective_unit_price": "2.45",
    "commitment_term_months": 12,
    "expected_utilisation_percent": "85",
}
BURST = {
    "band": "burst",
    "accelerator_class": "H100 80GB",
    "quantity": 16,
    "contracted_unit_price": "4.10",
    "effective_unit_price": "4.10",
}


def _offer_body(vendor, **overrides):
    return {
        "vendor": vendor.pk,
        "name": "Reserved block",
        "billing_currency": "USD",
        "queue_wait_hours": "48",
        "lines": [COMMITTED, BURST],
        **overrides,
    }


def test_procurement_records_an_offer_with_its_lines_and_one_audit_event(api_as, procurement_user):
    vendor = VendorFactory()
    contract = ContractFactory(vendor=vendor)
    response = api_as(procurement_user).post(
        "/api/v1/costs/offers", _offer_body(vendor, contract=contract.pk)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contract"] == contract.reference
    assert [line["band"] for line in body["lines"]] == ["committed", "burst"]
    assert Decimal(body["lines"][0]["effective_unit_price"]) == Decimal("2.45")
    assert AuditEvent.objects.filter(action="costs.offer.create").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"billing_currency": "XYZ"}, "billing_currency", "not an active ISO 4217"),
        ({"loss_probability": "140"}, "loss_probability", "less than or equal to 100"),
        ({"queue_wait_hours": "-2"}, "queue_wait_hours", "cannot be negative"),
        ({"lines": [{**COMMITTED, "quantity": -4}]}, "non_field_errors", "at least one GPU"),
        (
            {"lines": [{**COMMITTED, "expected_utilisation_percent": "140"}]},
            "non_field_errors",
            "more than fully",
        ),
        ({"lines": [{**BURST, "commitment_term_months": 12}]}, "non_field_errors", "Only committed lines"),
        ({"lines": []}, "non_field_errors", "at least one capacity line"),
    ],
)
def test_bad_input_is_a_422_with_the_pages_message_and_nothing_written(
    api_as, procurement_user, change, field, message
):
    response = api_as(procurement_user).post("/api/v1/costs/offers", _offer_body(VendorFactory(), **change))
    body = assert_error(response, 422, "validation_error")
    assert any(message in m for m in body["errors"][field]), body
    assert not Offer.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="costs.").exists()


def test_another_vendors_contract_and_unknown_ids_are_refused(api_as, procurement_user):
    client = api_as(procurement_user)
    vendor = VendorFactory()
    other = ContractFactory()
    body = assert_error(
        client.post("/api/v1/costs/offers", _offer_body(vendor, contract=other.pk)), 422, "validation_error"
    )
    assert "contract" in body["errors"]
    assert_error(
        client.post("/api/v1/costs/offers", {**_offer_body(vendor), "vendor": 999_999}),
        422,
        "validation_error",
    )
    assert not Offer.objects.exists()


def test_update_changes_terms_and_replaces_lines_and_delete_removes(api_as, procurement_user):
    offer = OfferLineFactory().offer
    client = api_as(procurement_user)
    response = client.patch(f"/api/v1/costs/offers/{offer.pk}", {"queue_wait_hours": "72", "lines": [BURST]})
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["queue_wait_hours"]) == 72
    assert [line["band"] for line in response.json()["lines"]] == ["burst"]
    assert AuditEvent.objects.filter(action="costs.offer.update").count() == 1
    assert client.delete(f"/api/v1/costs/offers/{offer.pk}").status_code == 204
    assert not Offer.objects.exists()
    assert_error(client.get(f"/api/v1/costs/offers/{offer.pk}"), 404, "not_found")


def test_readers_read_and_cannot_write(api_as, legal_user):
    offer = OfferLineFactory().offer
    client = api_as(legal_user)
    listed = client.get("/api/v1/costs/offers")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert client.get(f"/api/v1/costs/offers/{offer.pk}").json()["name"] == offer.name
    assert_error(client.post("/api/v1/costs/offers", _offer_body(offer.vendor)), 403, "permission_denied")
    assert_error(client.delete(f"/api/v1/costs/offers/{offer.pk}"), 403, "permission_denied")
    rate = {"base_currency": "USD", "quote_currency": "EUR", "rate": "0.92", "on": "2026-12-01"}
    assert_error(client.post("/api/v1/costs/exchange-rates", rate), 403, "permission_denied")


def test_exchange_rates_are_listed_and_recorded_once_per_pair_and_day(api_as, procurement_user):
    client = api_as(procurement_user)
    body = {"base_currency": "USD", "quote_currency": "EUR", "rate": "0.92", "on": "2026-12-01"}
    assert client.post("/api/v1/costs/exchange-rates", body).status_code == 201
    again = assert_error(client.post("/api/v1/costs/exchange-rates", body), 422, "validation_error")
    assert "already has a rate" in again["errors"]["on"][0]
    bad = assert_error(
        client.post("/api/v1/costs/exchange-rates", {**body, "quote_currency": "USD"}),
        422,
        "validation_error",
    )
    assert "two different currencies" in str(bad["errors"])
    listed = client.get("/api/v1/costs/exchange-rates", {"base_currency": "usd"}).json()
    assert listed["count"] == 1 and ExchangeRate.objects.count() == 1


def test_a_saved_comparison_has_its_snapshot_and_sha256(api_as, procurement_user, auditor_user):
    CostOfDelayFactory()
    ExchangeRateFactory(on=dt.date(2026, 12, 1))
    usd = OfferLineFactory(offer=OfferFactory(billing_currency="USD")).offer
    eur = OfferLineFactory(effective_unit_price=Decimal("2.10")).offer
    body = {
        "name": "Training 2027",
        "tier": "experimental_training",
        "offers": [usd.pk, eur.pk],
        "gpu_hours_per_month": "4000",
        "horizon_months": 12,
        "reporting_currency": "EUR",
        "as_of": "2026-12-07",
    }
    response = api_as(procurement_user).post("/api/v1/costs/comparisons", body)
    assert response.status_code == 201, response.content
    saved = response.json()
    comparison = Comparison.objects.get()
    assert saved["sha256"] == comparison.sha256 and saved["snapshot"] == comparison.snapshot
    assert saved["offers"] == sorted([usd.pk, eur.pk])
    reader = api_as(auditor_user, read_only=True)
    assert reader.get(f"/api/v1/costs/comparisons/{comparison.pk}").json()["sha256"] == comparison.sha256
    assert "snapshot" not in reader.get("/api/v1/costs/comparisons").json()["results"][0]
    assert_error(reader.post("/api/v1/costs/comparisons", body), 403, "permission_denied")
    # The offer in a saved comparison stays: deleting it is a conflict.
    assert_error(api_as(procurement_user).delete(f"/api/v1/costs/offers/{usd.pk}"), 409, "conflict")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"horizon_months": 0}, "1 to 120 months"),
        ({"reporting_currency": "XYZ"}, "not an active ISO 4217"),
        ({"offers": [999_999]}, "No offer with the id 999999"),
        ({"as_of": "2020-01-01"}, "rate"),
    ],
)
def test_a_comparison_that_cannot_be_computed_is_refused(api_as, procurement_user, change, message):
    CostOfDelayFactory()
    offer = OfferLineFactory(offer=OfferFactory(billing_currency="USD")).offer
    body = {
        "name": "Training 2027",
        "tier": "experimental_training",
        "offers": [offer.pk],
        "gpu_hours_per_month": "4000",
        "horizon_months": 12,
        "reporting_currency": "EUR",
        "as_of": "2026-12-07",
        **change,
    }
    response = api_as(procurement_user).post("/api/v1/costs/comparisons", body)
    error = assert_error(response, 422, "validation_error")
    assert message in str(error), error
    assert not Comparison.objects.exists()


@pytest.mark.parametrize("count", [2, 30])
def test_the_offer_list_holds_its_query_count(api_as, auditor_user, django_assert_max_num_queries, count):
    for _ in range(count):
        OfferLineFactory(offer=OfferLineFactory().offer)
    client = api_as(auditor_user, read_only=True)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/costs/offers", {"page_size": 100})
    assert response.json()["count"] == count
