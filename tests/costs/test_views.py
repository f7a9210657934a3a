"""The pages of offers, exchange rates and the cost of delay: who may see and change what, the
lines formset, and bad input shown in the page."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from costs.models import CostOfDelay, ExchangeRate, Offer
from procurement.models import AuditEvent
from tests.vendors.factories import CapacityLineFactory, ContractFactory, VendorFactory

from .factories import CostOfDelayFactory, ExchangeRateFactory, OfferFactory, OfferLineFactory

pytestmark = pytest.mark.django_db

OFFERS = reverse("costs:offer-list")
CREATE = reverse("costs:offer-create")
RATES = reverse("costs:rate-list")
DELAYS = reverse("costs:delay-list")


def offer_post(vendor, lines, **fields):
    data = {
        "vendor": vendor.pk,
        "name": "Reserved H100 block",
        "contract": "",
        "billing_currency": "USD",
        "valid_until": "",
        "storage_rate_per_gb_month": "0.02",
        "egress_rate_per_gb": "0.05",
        "exit_egress_rate_per_gb": "0.05",
        "queue_wait_hours": "24",
        "switching_engineer_days": "10",
        "engineer_day_rate": "900",
        "parallel_run_weeks": "2",
        "loss_probability": "5",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
    }
    for n, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{n}-{key}"] = value
    data.update(fields)
    return data


COMMITTED = {
    "band": "committed",
    "accelerator_class": "H100 80GB",
    "region": "eu-west",
    "quantity": "16",
    "list_unit_price": "3.10",
    "contracted_unit_price": "2.40",
    "effective_unit_price": "2.25",
    "commitment_term_months": "12",
    "expected_utilisation_percent": "85",
}
EMPTY = {key: "" for key in COMMITTED} | {"band": "committed"}


def test_procurement_adds_an_offer_with_its_lines(client, procurement_user):
    vendor = VendorFactory(name="Northwind GPU")
    client.force_login(procurement_user)
    assert client.get(CREATE).status_code == 200
    burst = COMMITTED | {"band": "burst", "commitment_term_months": "", "expected_utilisation_percent": ""}
    response = client.post(CREATE, offer_post(vendor, [COMMITTED, burst, EMPTY]))
    offer = Offer.objects.get()
    assert response.status_code == 302 and response["Location"] == offer.get_absolute_url()
    assert [line.band for line in offer.lines.all()] == ["committed", "burst"]
    assert AuditEvent.objects.filter(action="costs.offer.create").count() == 1
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Northwind GPU" in page and "2.25 USD per GPU-hour" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lines-0-quantity": "-4"}, "A line has at least one GPU."),
        ({"lines-0-expected_utilisation_percent": "120"}, "cannot be used more than fully"),
        ({"billing_currency": "XYZ"}, "not an active ISO 4217 currency code"),
        ({"lines-0-effective_unit_price": "99999999999"}, "typing mistake"),
        ({"lines-0-commitment_term_months": ""}, "commitment term"),
    ],
)
def test_bad_input_is_shown_in_the_page_and_nothing_is_written(client, procurement_user, change, message):
    client.force_login(procurement_user)
    response = client.post(CREATE, offer_post(VendorFactory(), [COMMITTED], **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Offer.objects.exists()


def test_an_offer_without_lines_is_refused(client, procurement_user):
    client.force_login(procurement_user)
    response = client.post(CREATE, offer_post(VendorFactory(), [EMPTY]))
    assert "An offer needs at least one capacity line" in response.content.decode()
    assert not Offer.objects.exists()


def test_edit_keeps_the_lines_shown_and_replaces_them_with_what_is_posted(client, procurement_user):
    line = OfferLineFactory(quantity=8)
    offer = line.offer
    client.force_login(procurement_user)
    page = client.get(reverse("costs:offer-edit", args=[offer.pk])).content.decode()
    assert 'name="lines-0-quantity" value="8"' in page and "lines-2-quantity" in page
    data = offer_post(offer.vendor, [COMMITTED | {"quantity": "32"}], billing_currency="EUR")
    del data["vendor"]
    response = client.post(reverse("costs:offer-edit", args=[offer.pk]), data)
    assert response.status_code == 302
    assert list(offer.lines.values_list("quantity", flat=True)) == [32]
    assert AuditEvent.objects.filter(action="costs.offer.update").count() == 1


def test_offer_list_shows_unit_price_and_filters_by_vendor_and_currency(client, auditor_user):
    cheap = OfferLineFactory(effective_unit_price=D("1.95"), offer__billing_currency="USD").offer
    OfferLineFactory(offer=cheap, band="burst", effective_unit_price=D("0.90"))  # not the unit price
    other = OfferLineFactory(effective_unit_price=D("2.80"), offer__name="Other offer").offer
    client.force_login(auditor_user)
    page = client.get(OFFERS).content.decode()
    assert "1.95 USD" in page and "2.8 EUR" in page
    assert "Add offer" not in page and "Import CSV" not in page  # auditors only read
    assert 'href="/costs/offers/export/"' in page  # and export
    filtered = client.get(OFFERS, {"vendor": other.vendor_id}).content.decode()
    assert "Other offer" in filtered and cheap.name not in filtered
    assert cheap.name in client.get(OFFERS, {"currency": "USD"}).content.decode()
    assert client.get(OFFERS, {"vendor": "9" * 40, "currency": "<x>"}).status_code == 200


@pytest.mark.parametrize("size", [3, 40])
def test_offer_list_query_count_does_not_grow(client, procurement_user, django_assert_max_num_queries, size):
    for _ in range(size):
        OfferLineFactory()
    client.force_login(procurement_user)
    with django_assert_max_num_queries(12):
        assert client.get(OFFERS).status_code == 200


def test_readers_cannot_change_offers(client, finance_user):
    offer = OfferLineFactory().offer
    client.force_login(finance_user)
    assert client.get(offer.get_absolute_url()).status_code == 200
    assert client.get(CREATE).status_code == 403
    assert client.post(reverse("costs:offer-delete", args=[offer.pk])).status_code == 403
    assert client.post(RATES, {"base_currency": "USD"}).status_code == 403


def test_people_without_a_role_see_nothing(client, no_role_user):
    offer = OfferLineFactory().offer
    client.force_login(no_role_user)
    assert client.get(OFFERS).status_code == 403
    assert client.get(offer.get_absolute_url()).status_code == 404


def test_offer_from_contract_drafts_an_offer_to_edit(client, procurement_user):
    contract = ContractFactory()
    CapacityLineFactory(contract=contract, count=12)
    client.force_login(procurement_user)
    assert contract.reference in client.get(reverse("costs:offer-from-contract")).content.decode()
    response = client.post(reverse("costs:offer-from-contract"), {"contract": contract.pk, "name": ""})
    offer = Offer.objects.get()
    assert response["Location"] == reverse("costs:offer-edit", args=[offer.pk])
    assert offer.contract == contract and offer.lines.get().quantity == 12


def test_deleting_an_offer_in_a_saved_comparison_is_refused_with_a_message(client, procurement_user):
    from costs import services

    CostOfDelayFactory()
    offer = OfferLineFactory().offer
    services.comparison_save(
        actor=procurement_user,
        name="Q1 training",
        tier="experimental_training",
        offers=[offer],
        gpu_hours_per_month=D(100),
        horizon_months=3,
        reporting_currency="EUR",
        as_of=dt.date(2026, 12, 7),
    )
    client.force_login(procurement_user)
    response = client.post(reverse("costs:offer-delete", args=[offer.pk]), follow=True)
    assert "compared in saved comparisons (Q1 training)" in response.content.decode()
    assert Offer.objects.filter(pk=offer.pk).exists()
    other = OfferFactory()
    assert client.post(reverse("costs:offer-delete", args=[other.pk])).status_code == 302
    assert not Offer.objects.filter(pk=other.pk).exists()


def test_exchange_rates_are_added_listed_and_deleted(client, procurement_user):
    client.force_login(procurement_user)
    data = {
        "base_currency": "USD",
        "quote_currency": "EUR",
        "rate": "0.92",
        "on": "2026-12-01",
        "source": "ECB",
    }
    assert client.post(RATES, data).status_code == 302
    page = client.post(RATES, data).content.decode()
    assert "already has a rate on this day" in page
    page = client.post(RATES, data | {"quote_currency": "USD", "on": "2026-12-02"}).content.decode()
    assert "two different currencies" in page
    page = client.post(RATES, data | {"rate": "-1", "on": "2026-12-03"}).content.decode()
    assert ExchangeRate.objects.count() == 1
    rate = ExchangeRate.objects.get()
    assert "0.92" in client.get(RATES).content.decode()
    assert client.get(reverse("costs:rate-delete", args=[rate.pk])).status_code == 405
    assert client.post(reverse("costs:rate-delete", args=[rate.pk])).status_code == 302
    assert not ExchangeRate.objects.exists()


def test_cost_of_delay_is_set_per_tier(client, procurement_user, auditor_user):
    client.force_login(procurement_user)
    url = reverse("costs:delay-edit", args=["experimental_training"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"per_day": "-5", "currency": "EUR", "note": ""}).status_code == 200
    assert (
        client.post(url, {"per_day": "2400", "currency": "EUR", "note": "Idle researchers"}).status_code
        == 302
    )
    assert CostOfDelay.objects.get().per_day == D("2400")
    assert client.get(reverse("costs:delay-edit", args=["no_such_tier"])).status_code == 404
    client.force_login(auditor_user)
    page = client.get(DELAYS).content.decode()
    assert "2400.00 EUR" in page and "not set" in page
    assert client.get(url).status_code == 403


def test_rate_list_shows_rates_to_readers_without_the_form(client, auditor_user):
    ExchangeRateFactory()
    client.force_login(auditor_user)
    page = client.get(RATES).content.decode()
    assert "ECB reference rate" in page and "Add rate" not in page


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-inf"])
def test_not_a_number_is_a_field_error_not_a_500(client, procurement_user, value):
    offer = OfferLineFactory().offer
    client.force_login(procurement_user)
    data = offer_post(offer.vendor, [COMMITTED | {"effective_unit_price": value}], queue_wait_hours=value)
    data["lines-INITIAL_FORMS"] = "1"
    response = client.post(reverse("costs:offer-edit", args=[offer.pk]), data)
    assert response.status_code == 200 and "Enter a number." in response.content.decode()
    response = client.post(
        reverse("costs:delay-edit", args=["reserve"]), {"per_day": value, "currency": "EUR"}
    )
    assert response.status_code == 200


def test_procurement_finds_the_csv_import_and_export_on_the_offer_list(client, procurement_user):
    client.force_login(procurement_user)
    page = client.get(OFFERS).content.decode()
    assert 'href="/costs/offers/import/"' in page and 'href="/costs/offers/export/"' in page
