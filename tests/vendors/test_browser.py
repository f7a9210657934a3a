"""The flows a person walks: procurement builds the register, legal reviews exit rights inline."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from procurement import policies
from vendors import services
from vendors.models import Contract, ExitRightClause

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # Roles, layers and exit-right kinds come from data migrations; an earlier transactional
    # test's flush may have emptied them. Both seeders are idempotent.
    for role in policies.ROLES:
        Group.objects.get_or_create(name=role)
    importlib.import_module("vendors.migrations.0002_seed_layers_and_exit_right_kinds").seed(apps, None)


def _watch_console(page) -> list[str]:
    """Script errors and CSP violations (the favicon's 404 is not ours to judge here)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    return problems


def test_procurement_creates_a_vendor_and_a_contract(page, live_server, procurement_user, sign_in):
    problems = _watch_console(page)
    sign_in(page, procurement_user)
    page.get_by_role("link", name="Vendors", exact=True).click()
    page.get_by_role("link", name="Add vendor").click()
    page.get_by_label("Name").fill("Forgeline Tensor")
    page.get_by_label("Kind").select_option(label="Neocloud")
    page.get_by_label("Headquarters jurisdiction").fill("United States")
    page.get_by_label("Regions where data is processed").fill("us-central, us-south")
    page.get_by_label("Compute").check()
    page.get_by_role("button", name="Add vendor").click()
    expect(page.get_by_role("heading", name="Forgeline Tensor")).to_be_visible()

    page.get_by_role("link", name="Add contract").click()
    page.get_by_label("Reference").fill("FT-MSA-1")
    page.get_by_label("Title").fill("H200 order form")
    page.get_by_label("Start date").fill("2026-01-01")
    page.get_by_label("End date").fill("2025-12-01")
    page.get_by_label("Committed spend").fill("27750000.00")
    page.get_by_role("button", name="Add contract").click()
    expect(page.get_by_text("The end date must be on or after the start date.")).to_be_visible()
    page.get_by_label("End date").fill("2028-12-31")
    page.get_by_role("button", name="Add contract").click()
    expect(page.get_by_role("heading", name="FT-MSA-1")).to_be_visible()
    expect(page.get_by_text("9 missing")).to_be_visible()

    # A capacity line, added inline.
    page.get_by_label("Accelerator").fill("NVIDIA H200 141GB")
    page.get_by_label("Count").fill("1024")
    page.get_by_label("Region").fill("us-central")
    page.get_by_role("button", name="Add capacity line").click()
    expect(page.locator("#capacity-lines")).to_contain_text("NVIDIA H200 141GB")
    contract = Contract.objects.get(reference="FT-MSA-1")
    assert contract.capacity_lines.get().count == 1024
    assert problems == []


def test_legal_marks_a_clause_negotiated_inline(page, live_server, legal_user, admin, sign_in):
    vendor = services.vendor_create(
        actor=admin, name="Nordlys Bare Metal", kind="bare_metal", hq_jurisdiction="Norway"
    )
    contract = services.contract_create(
        actor=admin,
        vendor=vendor,
        reference="NBM-1",
        title="Dedicated nodes",
        start_date=date(2026, 1, 1),
        end_date=date(2027, 1, 1),
        committed_spend=Decimal("100.00"),
        currency="NOK",
    )
    problems = _watch_console(page)
    sign_in(page, legal_user)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    page.evaluate("window.__sameDocument = true")
    row = page.locator("#exit-right-ramp-down")
    expect(row).to_contain_text("Missing (not recorded)")
    row.get_by_role("link", name="Edit Ramp-down / scale-down rights").click()
    row.get_by_label("Status").select_option("negotiated")
    row.get_by_label("Clause reference").fill("§5.4")
    row.get_by_label("Clause text").fill("Committed volume may fall by 25% a quarter with 60 days' notice.")
    row.get_by_role("button", name="Save clause").click()
    expect(row).to_contain_text("Negotiated")
    expect(row).to_contain_text("§5.4")
    expect(page.locator("#exit-rights-summary")).to_contain_text("8 missing")
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no page load
    clause = ExitRightClause.objects.get(contract=contract, kind__code="ramp-down")
    assert (clause.status, clause.reference) == ("negotiated", "§5.4")
    assert problems == []
