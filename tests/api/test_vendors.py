"""Vendors, contracts, exit-rights clauses and capacity lines through the API: the pages' rules."""

from datetime import date
from decimal import Decimal

import pytest

from procurement.models import AuditEvent
from tests.vendors.factories import CapacityLineFactory, ContractFactory, VendorFactory, cover_all_exit_rights
from vendors.models import CapacityLine, Contract, ExitRightClause, Layer, Vendor

from .conftest import assert_error

pytestmark = pytest.mark.django_db

NEW_VENDOR = {
    "name": "Nordlys Compute",
    "kind": "neocloud",
    "hq_jurisdiction": "Norway",
    "processing_regions": ["Oslo", "Stavanger"],
    "layers": ["compute", "storage"],
}


# Reading ----------------------------------------------------------------------------------


def test_every_role_reads_the_vendor_list(api_as, auditor_user, legal_user):
    VendorFactory(name="Acme GPU")
    for user in (auditor_user, legal_user):
        body = api_as(user).get("/api/v1/vendors").json()
        assert [v["name"] for v in body["results"]] == ["Acme GPU"]


def test_vendor_list_paginates_with_links(api_as, procurement_user):
    for n in range(7):
        VendorFactory(name=f"Vendor {n}")
    client = api_as(procurement_user)
    first = client.get("/api/v1/vendors", {"page_size": 3}).json()
    assert (first["count"], first["pages"], first["page"]) == (7, 3, 1)
    assert first["previous"] is None and "page=2" in first["next"]
    last = client.get("/api/v1/vendors", {"page_size": 3, "page": 3}).json()
    assert [v["name"] for v in last["results"]] == ["Vendor 6"]
    assert last["next"] is None
    body = assert_error(client.get("/api/v1/vendors", {"page_size": 3, "page": 4}), 404, "not_found")
    assert "3 pages" in body["message"]
    assert_error(client.get("/api/v1/vendors", {"page_size": 101}), 422, "validation_error")


def test_vendor_list_filters_searches_and_sorts_like_the_page(api_as, procurement_user):
    compute = Layer.objects.get(code="compute")
    VendorFactory(name="Alpha Cloud", kind="hyperscaler", hq_jurisdiction="Ireland", layers=[compute])
    VendorFactory(name="Beta Metal", kind="bare_metal", hq_jurisdiction="Norway")
    VendorFactory(name="Gamma Cloud", kind="neocloud", hq_jurisdiction="Norway", status="prospect")
    client = api_as(procurement_user)

    def names(**params):
        return [v["name"] for v in client.get("/api/v1/vendors", params).json()["results"]]

    assert names(q="cloud") == ["Alpha Cloud", "Gamma Cloud"]
    assert names(kind="bare_metal") == ["Beta Metal"]
    assert names(jurisdiction="Norway", sort="-name") == ["Gamma Cloud", "Beta Metal"]
    assert names(layer="compute") == ["Alpha Cloud"]
    assert names(status="prospect") == ["Gamma Cloud"]
    bad = assert_error(client.get("/api/v1/vendors", {"jurisdiction": "Atlantis"}), 422, "validation_error")
    assert "jurisdiction" in bad["errors"]
    assert_error(client.get("/api/v1/vendors", {"sort": "owner"}), 422, "validation_error")


@pytest.mark.parametrize("rows", [10, 500])
def test_vendor_list_query_count_does_not_grow_with_rows(
    api_as, procurement_user, rows, django_assert_max_num_queries
):
    compute = Layer.objects.get(code="compute")
    host = VendorFactory(name="Host")
    for vendor in VendorFactory.create_batch(rows, runs_on=host, owner=procurement_user):
        vendor.layers.add(compute)
    client = api_as(procurement_user)
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/vendors", {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows + 1, 100)


def test_vendor_detail_and_a_missing_vendor(api_as, procurement_user):
    vendor = VendorFactory(name="Acme GPU", owner=procurement_user)
    client = api_as(procurement_user)
    body = client.get(f"/api/v1/vendors/{vendor.pk}").json()
    assert body["name"] == "Acme GPU"
    assert body["owner"]["username"] == procurement_user.username
    assert body["url"].endswith(f"/vendors/{vendor.pk}/")
    assert_error(client.get(f"/api/v1/vendors/{vendor.pk + 100}"), 404, "not_found")


# Writing ----------------------------------------------------------------------------------


def test_procurement_adds_a_vendor_through_the_service_with_its_audit_event(api_as, procurement_user):
    response = api_as(procurement_user).post("/api/v1/vendors", NEW_VENDOR)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["layers"] == ["compute", "storage"]
    assert body["processing_regions"] == ["Oslo", "Stavanger"]
    assert body["status"] == "prospect"
    vendor = Vendor.objects.get(name="Nordlys Compute")
    event = AuditEvent.objects.get(action="vendor.create")
    assert (event.actor_id, event.object_id) == (procurement_user.pk, str(vendor.pk))


@pytest.mark.parametrize("role_fixture", ["legal_user", "auditor_user", "platform_user"])
def test_other_roles_cannot_add_vendors(api_as, request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = api_as(user).post("/api/v1/vendors", NEW_VENDOR)
    assert_error(response, 403, "permission_denied")
    assert not Vendor.objects.exists()


def test_vendor_validation_gives_field_errors_with_the_forms_messages(api_as, procurement_user):
    VendorFactory(name="Nordlys Compute")
    client = api_as(procurement_user)
    body = assert_error(client.post("/api/v1/vendors", NEW_VENDOR), 422, "validation_error")
    assert "already exists" in body["errors"]["name"][0]
    body = assert_error(
        client.post("/api/v1/vendors", {**NEW_VENDOR, "name": "Other", "layers": ["quantum"]}),
        422,
        "validation_error",
    )
    assert "quantum" in body["errors"]["layers"][0]
    body = assert_error(client.post("/api/v1/vendors", {"name": "Only a name"}), 422, "validation_error")
    assert {"kind", "hq_jurisdiction"} <= set(body["errors"])
    body = assert_error(
        client.post("/api/v1/vendors", {**NEW_VENDOR, "nmae": "typo"}), 422, "validation_error"
    )
    assert "nmae" in body["errors"]
    assert AuditEvent.objects.filter(action="vendor.create").count() == 0


def test_patch_changes_only_the_fields_sent_and_audits_them(api_as, procurement_user):
    vendor = VendorFactory(name="Acme GPU", notes="old", status="active")
    response = api_as(procurement_user).patch(f"/api/v1/vendors/{vendor.pk}", {"notes": "new notes"})
    assert response.status_code == 200, response.content
    vendor.refresh_from_db()
    assert (vendor.name, vendor.notes, vendor.status) == ("Acme GPU", "new notes", "active")
    event = AuditEvent.objects.get(action="vendor.update")
    assert event.changes == {"notes": ["old", "new notes"]}


def test_a_refused_status_move_says_which_moves_are_allowed(api_as, procurement_user):
    vendor = VendorFactory(status="retired")
    body = assert_error(
        api_as(procurement_user).patch(f"/api/v1/vendors/{vendor.pk}", {"status": "exiting"}),
        422,
        "validation_error",
    )
    assert "cannot move from Retired to Exiting" in body["errors"]["status"][0]
    assert "Prospect" in body["errors"]["status"][0]


def test_patching_an_invisible_vendor_is_404_and_a_wrong_role_is_403(api_as, procurement_user, legal_user):
    vendor = VendorFactory()
    assert_error(api_as(procurement_user).patch("/api/v1/vendors/999999", {"notes": "x"}), 404, "not_found")
    assert_error(
        api_as(legal_user).patch(f"/api/v1/vendors/{vendor.pk}", {"notes": "x"}), 403, "permission_denied"
    )


# Contracts --------------------------------------------------------------------------------

NEW_CONTRACT = {
    "reference": "NC-2026-01",
    "title": "H100 reservation",
    "start_date": "2026-01-01",
    "end_date": "2028-12-31",
    "committed_spend": "2500000.00",
    "currency": "EUR",
}


def test_procurement_adds_a_contract_with_the_notice_deadline_computed(api_as, procurement_user):
    vendor = VendorFactory()
    response = api_as(procurement_user).post("/api/v1/contracts", {**NEW_CONTRACT, "vendor": vendor.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["notice_deadline"] == "2028-10-02"
    assert body["committed_spend"] == "2500000.00"
    assert body["exit_rights_missing"] == len(body["exit_rights"]) > 0
    assert {item["status"] for item in body["exit_rights"]} == {"missing"}
    assert AuditEvent.objects.filter(action="contract.create").count() == 1


def test_contract_validation_is_the_forms(api_as, procurement_user):
    vendor = VendorFactory()
    client = api_as(procurement_user)
    short = {**NEW_CONTRACT, "vendor": vendor.pk, "end_date": "2026-02-01"}
    body = assert_error(client.post("/api/v1/contracts", short), 422, "validation_error")
    assert "longer than the contract term" in body["errors"]["notice_period_days"][0]
    body = assert_error(
        client.post("/api/v1/contracts", {**NEW_CONTRACT, "vendor": vendor.pk, "currency": "XXQ"}),
        422,
        "validation_error",
    )
    assert "currency" in body["errors"]
    body = assert_error(
        client.post("/api/v1/contracts", {**NEW_CONTRACT, "vendor": 987654}), 422, "validation_error"
    )
    assert "vendor" in body["errors"]
    body = assert_error(
        client.post("/api/v1/contracts", {**NEW_CONTRACT, "vendor": vendor.pk, "start_date": 0}),
        422,
        "validation_error",
    )
    assert "start_date" in body["errors"]
    assert not Contract.objects.exists()


def test_contract_list_filters_and_sorts(api_as, finance_user):
    soon = ContractFactory(reference="A-1", end_date=date(2027, 3, 1), currency="EUR")
    ContractFactory(reference="B-2", end_date=date(2029, 3, 1))
    client = api_as(finance_user)
    refs = [c["reference"] for c in client.get("/api/v1/contracts", {"sort": "-end"}).json()["results"]]
    assert refs == ["B-2", "A-1"]
    body = client.get("/api/v1/contracts", {"currency": "EUR", "missing_exit_rights": "true"}).json()
    assert [c["id"] for c in body["results"]] == [soon.pk]
    assert_error(client.get("/api/v1/contracts", {"missing_exit_rights": "maybe"}), 422, "validation_error")


def test_contract_update_and_detail_with_capacity_lines(api_as, procurement_user):
    contract = ContractFactory(status="draft", title="Old")
    CapacityLineFactory(contract=contract, count=64)
    client = api_as(procurement_user)
    body = client.patch(f"/api/v1/contracts/{contract.pk}", {"title": "New", "status": "active"}).json()
    assert (body["title"], body["status"]) == ("New", "active")
    assert body["capacity_lines"][0]["count"] == 64
    assert AuditEvent.objects.filter(action="contract.update").count() == 1
    refused = client.patch(f"/api/v1/contracts/{contract.pk}", {"status": "draft"})
    assert (
        "cannot move from Active to Draft"
        in assert_error(refused, 422, "validation_error")["errors"]["status"][0]
    )


def test_legal_records_an_exit_right_and_procurement_may_not(api_as, legal_user, procurement_user):
    contract = ContractFactory()
    path = f"/api/v1/contracts/{contract.pk}/exit-rights/termination-for-convenience"
    clause = {"status": "present", "reference": "§14.2", "text": "Either party may end with 90 days notice."}
    assert_error(api_as(procurement_user).put(path, clause), 403, "permission_denied")
    response = api_as(legal_user).put(path, clause)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "present" and response.json()["recorded"]
    assert ExitRightClause.objects.get().reference == "§14.2"
    assert AuditEvent.objects.filter(action="contract.clause_create").count() == 1


def test_a_covered_exit_right_needs_its_reference_and_an_unknown_kind_is_404(api_as, legal_user):
    contract = ContractFactory()
    client = api_as(legal_user)
    path = f"/api/v1/contracts/{contract.pk}/exit-rights/termination-for-convenience"
    body = assert_error(client.put(path, {"status": "negotiated"}), 422, "validation_error")
    assert "clause reference" in body["errors"]["reference"][0]
    assert_error(
        client.put(f"/api/v1/contracts/{contract.pk}/exit-rights/no-such-kind", {"status": "missing"}),
        404,
        "not_found",
    )


def test_capacity_lines_are_added_and_removed_with_audit_events(api_as, procurement_user):
    contract = ContractFactory()
    client = api_as(procurement_user)
    line = {"accelerator_model": "NVIDIA H200", "count": 128, "region": "eu-north", "band": "burst"}
    response = client.post(f"/api/v1/contracts/{contract.pk}/capacity-lines", line)
    assert response.status_code == 201, response.content
    line_id = response.json()["id"]
    assert client.delete(f"/api/v1/contracts/{contract.pk}/capacity-lines/{line_id}").status_code == 204
    assert not CapacityLine.objects.exists()
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions[-2:] == ["contract.capacity_line_add", "contract.capacity_line_remove"]
    assert_error(client.delete(f"/api/v1/contracts/{contract.pk}/capacity-lines/{line_id}"), 404, "not_found")
    assert_error(
        client.post(f"/api/v1/contracts/{contract.pk}/capacity-lines", {**line, "count": 0}),
        422,
        "validation_error",
    )


def test_sorting_by_computed_figures_matches_the_figures_shown(api_as, procurement_user):
    busy, quiet = VendorFactory(name="Busy"), VendorFactory(name="Quiet")
    ContractFactory.create_batch(2, vendor=busy)
    covered = ContractFactory(vendor=quiet, reference="COVERED")
    cover_all_exit_rights(covered)
    client = api_as(procurement_user)
    vendors = client.get("/api/v1/vendors", {"sort": "-contracts"}).json()["results"]
    assert [(v["name"], v["contract_count"]) for v in vendors] == [("Busy", 2), ("Quiet", 1)]
    shown = client.get("/api/v1/vendors", {"sort": "name"}).json()["results"]
    assert [(v["name"], v["contract_count"]) for v in shown] == [("Busy", 2), ("Quiet", 1)]
    contracts = client.get("/api/v1/contracts", {"sort": "missing"}).json()["results"]
    assert contracts[0]["reference"] == "COVERED" and contracts[0]["exit_rights_missing"] == 0
    assert contracts[-1]["exit_rights_missing"] > 0


def test_decimal_money_round_trips_as_a_string(api_as, procurement_user):
    contract = ContractFactory(committed_spend=Decimal("1234567.89"))
    body = api_as(procurement_user).get(f"/api/v1/contracts/{contract.pk}").json()
    assert body["committed_spend"] == "1234567.89"
