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
