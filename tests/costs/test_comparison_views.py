"""The comparison page, its sensitivity partial, saving a comparison and the saved ones."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from costs.models import Comparison
from procurement.models import AuditEvent
from tests.capacity.factories import forecast

from .factories import CostOfDelayFactory, ExchangeRateFactory, OfferFactory, OfferLineFactory

pytestmark = pytest.mark.django_db

COMPARE = reverse("costs:compare")
SAVE = reverse("costs:comparison-save")


def two_offers():
    CostOfDelayFactory()
    big = OfferFactory(name="Big committed", vendor__name="Alpha Cloud")
    OfferLineFactory(offer=big, quantity=10, effective_unit_price=Decimal("2.00"))
    lean = OfferFactory(name="Lean burst", vendor__name="Beta Cloud", billing_currency="USD")
    OfferLineFactory(offer=lean, band="committed", quantity=4, effective_unit_price=Decimal("2.40"))
    OfferLineFactory(offer=lean, band="burst", quantity=10, effective_unit_price=Decimal("3.00"))
    ExchangeRateFactory()
    return big, lean


def _query(**fields):
    data = {
        "tier": "experimental_training",
        "gpu_hours_per_month": "3000",
        "storage_gb": "0",
        "egress_gb_per_month": "0",
        "exit_data_gb": "0",
        "horizon_months": "12",
        "rehome_days": "30",
        "reporting_currency": "EUR",
        "as_of": "2026-12-07",
    }
    return {**data, **fields}


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(COMPARE)
    assert response.status_code == 302


def test_without_a_role_the_page_is_forbidden(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(COMPARE).status_code == 403


def test_the_page_shows_the_table_and_chart_for_every_valid_offer(client, auditor_user):
    two_offers()
    expired = OfferFactory(name="Expired", valid_until=dt.date(2026, 1, 1))
    OfferLineFactory(offer=expired)
    client.force_login(auditor_user)
    response = client.get(COMPARE, _query())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Big committed" in html and "Lean burst" in html
    assert f'data-offer="{expired.pk}"' not in html
    assert "Cheapest by TCE" in html and "<svg" in html
    assert "1 USD = 0.92 EUR" in html
    assert "Save this comparison" not in html  # auditors read only


def test_a_missing_rate_is_a_message_not_a_500(client, procurement_user):
    CostOfDelayFactory()
    offer = OfferFactory(name="In yen", billing_currency="JPY")
    OfferLineFactory(offer=offer)
    client.force_login(procurement_user)
    response = client.get(COMPARE, _query())
    assert response.status_code == 200
    assert "No exchange rate from JPY to EUR on or before 2026-12-07" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("horizon_months", "0"),
        ("storage_gb", "-1"),
        ("reporting_currency", "XXY"),
        ("gpu_hours_per_month", "99999999999"),
        ("utilisation_percent", "120"),
        ("egress_multiplier", "-2"),
    ],
)
def test_bad_input_is_a_form_error(client, auditor_user, field, value):
    two_offers()
    client.force_login(auditor_user)
    response = client.get(COMPARE, _query(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert "snapshot" not in response.context


@time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC), tick=False)
def test_gpu_hours_default_to_a_third_of_the_next_quarters_p50(client, procurement_user):
    two_offers()
    forecast(procurement_user, quarter="2027-Q1", p50=9000, p90=12000)
    client.force_login(procurement_user)
    response = client.get(COMPARE, _query(gpu_hours_per_month=""))
    assert response.context["form"].cleaned_data["gpu_hours_per_month"] == Decimal(3000)
    assert response.context["snapshot"]["inputs"]["gpu_hours_per_month"] == "3000"


@time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC), tick=False)
def test_the_as_of_date_is_shown_in_the_date_input(client, auditor_user):
    # A date input shows nothing unless its value is ISO: the default would look unset.
    client.force_login(auditor_user)
    response = client.get(COMPARE)
    assert 'name="as_of" value="2026-12-07"' in response.content.decode()


def test_no_forecast_and_no_figure_asks_for_one(client, auditor_user):
    two_offers()
    client.force_login(auditor_user)
    response = client.get(COMPARE, _query(gpu_hours_per_month=""))
    assert "no P50 forecast" in str(response.context["form"].errors["gpu_hours_per_month"])


def test_the_utilisation_grid_shows_the_ranking_change(client, auditor_user):
    big, lean = two_offers()
    client.force_login(auditor_user)
    response = client.get(COMPARE, _query(gpu_hours_per_month="7000", vary="utilisation"))
    grid = response.context["grid"]
    assert [row.label for row in grid] == ["50%", "60%", "70%", "80%", "90%", "100%"]
    winners = {row.cheapest_id for row in grid}
    assert winners == {big.pk, lean.pk}, "below 100% the big commitment cannot serve the demand"


def test_htmx_gets_the_ranking_partial_only(client, auditor_user):
    two_offers()
    client.force_login(auditor_user)
    response = client.get(COMPARE, _query(utilisation_percent="50"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="ranking"')
    assert '<form method="get"' not in html
    assert "Sensitivity (not saved)" in html and "utilisation set to 50%" in html


def test_saving_freezes_the_snapshot_and_shows_it(client, procurement_user):
    big, lean = two_offers()
    client.force_login(procurement_user)
    data = _query(name="Pre-training Q1", offers=[big.pk, lean.pk])
    response = client.post(SAVE, data)
    comparison = Comparison.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("costs:comparison-detail", args=[comparison.pk])
    assert AuditEvent.objects.filter(action="costs.comparison.save").count() == 1
    page = client.get(response.url).content.decode()
    assert comparison.sha256 in page and "Pre-training Q1" in page and "Cheapest by TCE" in page
    listing = client.get(reverse("costs:comparison-list")).content.decode()
    assert "Pre-training Q1" in listing


def test_only_procurement_saves(client, auditor_user):
    big, _ = two_offers()
    client.force_login(auditor_user)
    assert client.post(SAVE, _query(name="x", offers=[big.pk])).status_code == 403
    assert not Comparison.objects.exists()


def test_save_is_post_only(client, procurement_user):
    client.force_login(procurement_user)
    assert client.get(SAVE).status_code == 405


def test_a_save_without_a_name_shows_the_error(client, procurement_user):
    big, _ = two_offers()
    client.force_login(procurement_user)
    response = client.post(SAVE, _query(name="", offers=[big.pk]))
    assert response.status_code == 200
    assert response.context["save_form"].errors["name"]
    assert not Comparison.objects.exists()


def test_a_saved_comparison_of_someone_without_a_role_is_a_404(client, procurement_user, no_role_user):
    big, _ = two_offers()
    client.force_login(procurement_user)
    client.post(SAVE, _query(name="Kept", offers=[big.pk]))
    client.force_login(no_role_user)
    pk = Comparison.objects.get().pk
    assert client.get(reverse("costs:comparison-detail", args=[pk])).status_code in (403, 404)


def test_the_comparison_page_reads_rates_once_per_currency(client, auditor_user, django_assert_num_queries):
    """More offers in the same currencies add no query: rates are read per currency, not per offer."""
    two_offers()
    client.force_login(auditor_user)
    client.get(COMPARE, _query())  # the first page after signing in stamps the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(COMPARE, _query()).status_code == 200
    for n in range(6):
        extra = OfferFactory(name=f"More {n}", billing_currency="USD" if n % 2 else "EUR")
        OfferLineFactory(offer=extra, quantity=4, effective_unit_price=Decimal("2.50"))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(COMPARE, _query())
    assert len(response.context["snapshot"]["offers"]) == 8
