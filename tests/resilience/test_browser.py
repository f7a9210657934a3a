"""A platform lead edits a workload's dependencies inline (htmx) and sees the concentration change."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from resilience.models import Dependency
from tests.vendors.test_browser import _reference_data, _watch_console  # noqa: F401 - the fixture seeds roles and layers
from vendors.models import CapacityBand

from .factories import VendorFactory, WorkloadFactory, compute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editing_a_dependency_inline_updates_the_row_and_the_findings(
    page, live_server, platform_user, sign_in
):
    problems = _watch_console(page)
    nimbus, forge = VendorFactory(name="Nimbus Scale"), VendorFactory(name="Forgeline Tensor")
    workload = WorkloadFactory(name="Customer chat")
    dep = compute(workload, nimbus, CapacityBand.COMMITTED, 64)
    compute(workload, nimbus, CapacityBand.BURST, 16)
    sign_in(page, platform_user)
    page.goto(f"{live_server.url}/workloads/{workload.pk}/")
    expect(page.get_by_text("one point of failure at two prices")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")  # gone if the page reloads

    row = page.locator(f"#dependency-{dep.pk}")
    row.get_by_role("link", name="Edit").click()
    editor = page.get_by_role("form", name="Edit compute from Nimbus Scale")
    expect(editor).to_be_visible()
    editor.get_by_label("Band").select_option(label="Committed")
    editor.get_by_label("Amount").fill("")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_text("This field is required.")).to_be_visible()  # errors stay in the row

    editor.get_by_label("Vendor").select_option(label="Forgeline Tensor")
    editor.get_by_label("Amount").fill("48")
    editor.get_by_role("button", name="Save").click()

    expect(row).to_contain_text("Forgeline Tensor")
    expect(row).to_contain_text("48")
    expect(page.get_by_text("one point of failure at two prices")).to_have_count(0)
    assert page.evaluate("window.__marker") == "same page"
    dep.refresh_from_db()
    assert dep.vendor == forge and dep.amount == Decimal(48)

    # Cancel puts the row back untouched.
    row.get_by_role("link", name="Edit").click()
    page.get_by_role("link", name="Cancel").click()
    expect(row.get_by_role("link", name="Edit")).to_be_visible()
    assert problems == []


def test_adding_and_removing_a_dependency_inline(page, live_server, platform_user, sign_in):
    nimbus = VendorFactory(name="Nimbus Scale")
    workload = WorkloadFactory(name="Fraud scoring")
    sign_in(page, platform_user)
    page.goto(f"{live_server.url}/workloads/{workload.pk}/")

    panel = page.locator("#dependency-panel")
    panel.get_by_role("link", name="Add a dependency").click()
    panel.get_by_label("Vendor").select_option(label="Nimbus Scale")
    panel.get_by_label("Band").select_option(label="Emergency")
    panel.get_by_label("Amount").fill("8")
    panel.get_by_label("Region").fill("us-west")
    page.get_by_role("button", name="Add dependency").click()

    expect(panel.get_by_role("cell", name="us-west")).to_be_visible()
    dep = Dependency.objects.get()
    row = page.locator(f"#dependency-{dep.pk}")
    expect(row).to_contain_text("Emergency")
    expect(row).to_contain_text("us-west")
    assert dep.vendor == nimbus

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    expect(row).to_have_count(0)
    expect(page.get_by_text("No dependencies recorded yet.")).to_be_visible()
    assert not Dependency.objects.exists()
