"""An auditor walks the audit log in a real browser: filter, verify, export."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from procurement import audit, policies
from tests.procurement.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def auditor(transactional_db):
    # The role groups come from a data migration; an earlier transactional test's flush may
    # have emptied them (serialized_rollback clashes with the content types flush recreates).
    for role in policies.ROLES:
        Group.objects.get_or_create(name=role)
    return user_with_role(policies.AUDITOR, username="aud.browser")


@pytest.fixture
def history(procurement_user, legal_user):
    audit.record(
        actor=procurement_user,
        action="vendor.create",
        object_type="vendors.vendor",
        object_id=1,
        object_label="Northwind GPU Cloud",
    )
    audit.record(
        actor=legal_user,
        action="clause.update",
        object_type="vendors.exitrightclause",
        object_id=5,
        object_label="Data portability",
        before={"status": "missing"},
        after={"status": "negotiated"},
    )
    audit.record(
        actor=procurement_user,
        action="contract.create",
        object_type="vendors.contract",
        object_id=3,
        object_label="=MSA 2026",
    )


def test_an_auditor_filters_the_log_verifies_the_chain_and_exports_it(
    page, live_server, auditor, history, sign_in
):
    sign_in(page, auditor)
    page.get_by_role("link", name="Audit log", exact=True).click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text("Never verified yet")).to_be_visible()
    events = page.locator("#audit-events")
    expect(events).to_contain_text("Northwind GPU Cloud")

    page.get_by_label("Action").select_option("clause.update")
    page.get_by_role("button", name="Filter").click()
    expect(events).not_to_contain_text("Northwind GPU Cloud")
    expect(events).to_contain_text("Data portability")
    expect(page).to_have_url(
        f"{live_server.url}/audit/?actor=&action=clause.update&object_type=&object_id=&date_from=&date_to="
    )
    events.get_by_text("1 field").click()  # the before/after details open
    expect(events.get_by_role("cell", name="negotiated")).to_be_visible()

    page.get_by_role("button", name="Verify the whole chain now").click()
    integrity = page.locator("#audit-integrity")
    expect(integrity).to_contain_text("Intact")
    expect(integrity).to_contain_text("events recomputed, up to #4")  # three events and the sign-in

    page.get_by_label("Action").select_option("contract.create")
    page.get_by_role("button", name="Filter").click()
    expect(events).to_contain_text("=MSA 2026")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these as CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [row[4] for row in rows[1:]] == ["contract.create"]
    assert rows[1][7] == "'=MSA 2026"
