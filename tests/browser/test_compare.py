"""Comparing offers in the browser: the sensitivity input re-ranks them through htmx, and the
comparison is saved with its figures frozen."""

import re

import pytest
from playwright.sync_api import expect

from tests.costs.test_comparison_views import two_offers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_changing_utilisation_reranks_and_the_comparison_is_saved(
    page, live_server, procurement_user, sign_in
):
    big, lean = two_offers()
    sign_in(page, procurement_user)
    page.goto(
        f"{live_server.url}/costs/compare/?tier=experimental_training&gpu_hours_per_month=7000"
        "&horizon_months=12&rehome_days=30&reporting_currency=EUR&as_of=2026-12-07"
        "&storage_gb=0&egress_gb_per_month=0&exit_data_gb=0&utilisation_percent=100&vary=utilisation"
    )
    cheapest = page.locator("#ranking .tce-cheapest-tce").locator("xpath=ancestor::th")
    expect(cheapest).to_have_attribute("data-offer", str(big.pk))

    utilisation = page.get_by_label("Committed utilisation (%)")
    utilisation.fill("50")
    utilisation.press("Tab")  # leaving the field fires its change event, as a person does
    # Only the ranking is swapped; below 100% the big commitment no longer serves the demand.
    expect(cheapest).to_have_attribute("data-offer", str(lean.pk))
    expect(page.locator("#ranking")).to_contain_text("utilisation set to 50%")

    page.get_by_label("Name of the comparison").fill("Pre-training, browser")
    page.get_by_role("button", name="Save this comparison").click()
    expect(page.get_by_role("heading", name="Pre-training, browser")).to_be_visible()
    expect(page.locator(".comparison-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.locator(".comparison-meta")).to_contain_text(procurement_user.username)


def test_an_offer_is_entered_with_its_capacity_lines_in_view(page, live_server, procurement_user, sign_in):
    """The lines' table sits under its legend, inside the page: after the floated legend, the
    formset's hidden management inputs once pushed it off to the right, out of sight."""
    from tests.vendors.factories import VendorFactory

    vendor = VendorFactory(name="Lineview Cloud")
    sign_in(page, procurement_user)
    page.goto(f"{live_server.url}/costs/offers/new/")
    band = page.locator("#id_lines-0-band")
    expect(band).to_be_in_viewport()
    page.locator("#id_vendor").select_option(label=vendor.name)
    page.locator("#id_name").fill("Reserved H100, browser")
    page.locator("#id_billing_currency").select_option("EUR")
    page.locator("#id_lines-0-accelerator_class").fill("H100 SXM")
    page.locator("#id_lines-0-region").fill("eu-north")
    page.locator("#id_lines-0-quantity").fill("64")
    page.locator("#id_lines-0-contracted_unit_price").fill("2.10")
    page.locator("#id_lines-0-effective_unit_price").fill("2.05")
    page.locator("#id_lines-0-commitment_term_months").fill("12")
    page.locator("#id_lines-0-expected_utilisation_percent").fill("85")
    page.get_by_role("button", name="Add offer").click()
    expect(page.get_by_text("Offer “Reserved H100, browser” recorded.")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("H100 SXM")
