"""Procurement opens the capacity plan on the demo data, sees the shortfall and the date to act,
adds a forecast and sees the plan change."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from capacity import demo as capacity_demo
from capacity import planning
from procurement import demo as procurement_demo
from tests.vendors.test_browser import _reference_data, _watch_console  # noqa: F401 - the fixture seeds roles and layers
from vendors import demo as vendors_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_plan_shows_the_demo_shortfall_and_a_new_forecast_changes_it(
    page, live_server, sign_in, password
):
    problems = _watch_console(page)
    procurement_demo.seed_users()
    vendors_demo.seed()
    capacity_demo.seed()
    priya = User.objects.get(username="priya")
    priya.set_password(password)
    priya.save()
    plan = planning.build_plan()
    first = plan.shortfalls[0]
    sign_in(page, priya)

    page.goto(f"{live_server.url}/capacity/")
    shortfalls = page.get_by_role("region", name="Shortfalls and dates to act")
    expect(shortfalls.get_by_role("row").filter(has_text="Experimental training").first).to_be_visible()
    expect(shortfalls).to_contain_text(f"{first.act.date:%-d %b %Y}")
    expect(page.get_by_text("One point of failure with three prices").first).to_be_visible()
    expect(page.get_by_role("region", name="Demand visibility the plan uses")).to_contain_text(
        "Helix GPU Cloud"
    )

    # A fifth quarter has no forecast yet: add one for hot inference from the plan.
    page.get_by_label("Quarters").fill("5")
    page.get_by_role("button", name="Show").click()
    fifth = plan.quarters[-1].next()
    page.get_by_role("link", name=f"Add a Hot inference forecast for {fifth}").click()
    expect(page.get_by_label("Quarter")).to_have_value(str(fifth))
    page.get_by_label("P50 GPU-hours").fill("2000000")
    page.get_by_label("P90 GPU-hours").fill("2500000")
    page.get_by_role("button", name="Add forecast").click()

    expect(page.get_by_text(f"Forecast for Hot inference {fifth} saved.")).to_be_visible()
    expect(shortfalls.get_by_role("row").filter(has_text="Hot inference")).to_be_visible()
    hot = page.locator("#tier-hot_inference")
    expect(hot).to_contain_text("2,500,000")
    assert problems == []
