"""Workloads, dependencies and concentration findings through the API: the pages' rules."""

import pytest

from procurement.models import AuditEvent
from resilience.models import Dependency, Workload
from tests.resilience.factories import WorkloadFactory, compute
from tests.vendors.factories import VendorFactory

from .conftest import assert_error

pytestmark = pytest.mark.django_db

NEW_WORKLOAD = {"name": "Chat inference", "tier": "hot_inference", "rpo_minutes": 5, "rto_minutes": 30}


def test_platform_registers_a_workload_with_its_audit_event(api_as, platform_user):
    response = api_as(platform_user).post(
        "/api/v1/workloads", {**NEW_WORKLOAD, "owner": platform_user.username}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["criticality"] == "medium" and body["rehearsal_due"] == "never"
    assert body["owner"]["username"] == platform_user.username
    assert AuditEvent.objects.get(action="workload.create").actor_id == platform_user.pk


@pytest.mark.parametrize("role_fixture", ["legal_user", "finance_user", "auditor_user"])
def test_roles_without_workload_rights_are_refused(api_as, request, role_fixture):
    response = api_as(request.getfixturevalue(role_fixture)).post("/api/v1/workloads", NEW_WORKLOAD)
    assert_error(response, 403, "permission_denied")
    assert not Workload.objects.exists()


def test_workload_validation_and_unknown_owner(api_as, platform_user):
    WorkloadFactory(name="Chat inference")
    client = api_as(platform_user)
    body = assert_error(client.post("/api/v1/workloads", NEW_WORKLOAD), 422, "validation_error")
    # The model's case-insensitive constraint, as the page reports it: about the whole form.
    assert "already exists" in body["errors"]["non_field_errors"][0]
    assert "already exists" in body["message"]
    body = assert_error(
        client.post("/api/v1/workloads", {**NEW_WORKLOAD, "name": "Other", "owner": "nobody"}),
        422,
        "validation_error",
    )
    assert "nobody" in body["errors"]["owner"][0]
    body = assert_error(
        client.post("/api/v1/workloads", {**NEW_WORKLOAD, "name": "Other", "rto_minutes": "30"}),
        422,
        "validation_error",
    )
    assert "rto_minutes" in body["errors"]


def test_workload_patch_audits_only_what_changed(api_as, procurement_user):
    workload = WorkloadFactory(rto_minutes=60)
    response = api_as(procurement_user).patch(f"/api/v1/workloads/{workload.pk}", {"rto_minutes": 45})
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.get(action="workload.update").changes == {"rto_minutes": [60, 45]}


def test_workload_list_filters_and_detail_shows_dependencies(api_as, auditor_user):
    vendor = VendorFactory(name="Nordlys")
    chat = WorkloadFactory(name="Chat", criticality="critical")
    WorkloadFactory(name="Batch", criticality="low")
    compute(chat, vendor, "committed", "64")
    client = api_as(auditor_user)
    body = client.get("/api/v1/workloads", {"vendor": vendor.pk}).json()
    assert [w["name"] for w in body["results"]] == ["Chat"]
    assert body["results"][0]["dependency_count"] == 1
    names = [w["name"] for w in client.get("/api/v1/workloads", {"sort": "-name"}).json()["results"]]
    assert names == ["Chat", "Batch"]
    detail = client.get(f"/api/v1/workloads/{chat.pk}").json()
    assert detail["dependencies"][0]["vendor"]["name"] == "Nordlys"
    assert detail["dependencies"][0]["layer"] == "compute"
    assert detail["dependencies"][0]["amount"] == "64.00"


@pytest.mark.parametrize("rows", [10, 500])
def test_workload_list_query_count_does_not_grow_with_rows(
    api_as, auditor_user, rows, django_assert_max_num_queries
):
    vendor = VendorFactory()
    for workload in WorkloadFactory.create_batch(rows):
        compute(workload, vendor, "committed", "8")
    client = api_as(auditor_user)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/workloads", {"page_size": 100})
    assert len(response.json()["results"]) == min(rows, 100)


def test_dependencies_are_added_changed_and_removed_through_the_services(api_as, platform_user):
    workload = WorkloadFactory()
    vendor = VendorFactory()
    client = api_as(platform_user)
    base = f"/api/v1/workloads/{workload.pk}/dependencies"
    response = client.post(
        base, {"vendor": vendor.pk, "layer": "compute", "band": "committed", "amount": "32"}
    )
    assert response.status_code == 201, response.content
    dep_id = response.json()["id"]
    changed = client.patch(f"{base}/{dep_id}", {"amount": "48.5"})
    assert changed.status_code == 200 and changed.json()["amount"] == "48.50"
    assert [d["id"] for d in client.get(base).json()] == [dep_id]
    assert client.delete(f"{base}/{dep_id}").status_code == 204
    assert not Dependency.objects.exists()
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions[-3:] == ["dependency.create", "dependency.update", "dependency.delete"]


def test_dependency_rules_of_the_model_come_back_as_field_errors(api_as, platform_user):
    workload = WorkloadFactory()
    vendor = VendorFactory()
    client = api_as(platform_user)
    base = f"/api/v1/workloads/{workload.pk}/dependencies"
    no_band = assert_error(
        client.post(base, {"vendor": vendor.pk, "layer": "compute", "amount": "8"}), 422, "validation_error"
    )
    assert "band" in no_band["errors"]
    share = assert_error(
        client.post(base, {"vendor": vendor.pk, "layer": "storage", "amount": "150"}), 422, "validation_error"
    )
    assert "percent" in share["errors"]["amount"][0]
    assert_error(
        client.post(base, {"vendor": vendor.pk, "layer": "nope", "amount": "1"}), 422, "validation_error"
    )
    assert_error(api_as(platform_user).get("/api/v1/workloads/987654/dependencies"), 404, "not_found")


def test_a_dependency_of_another_workload_is_not_found(api_as, platform_user):
    mine, other = WorkloadFactory(), WorkloadFactory()
    dep = compute(other, VendorFactory(), "committed", "8")
    response = api_as(platform_user).patch(
        f"/api/v1/workloads/{mine.pk}/dependencies/{dep.pk}", {"amount": "1"}
    )
    assert_error(response, 404, "not_found")


def test_concentration_findings_are_listed_and_filtered(api_as, finance_user):
    vendor = VendorFactory(name="Solo")
    workload = WorkloadFactory(name="Critical chat", criticality="critical")
    for band in ("committed", "burst", "emergency"):
        compute(workload, vendor, band, "8")
    client = api_as(finance_user)
    body = client.get("/api/v1/concentration/findings").json()
    kinds = {f["kind"] for f in body["results"]}
    assert "bands_on_one_vendor" in kinds
    only = client.get("/api/v1/concentration/findings", {"kind": "bands_on_one_vendor"}).json()
    assert {f["kind"] for f in only["results"]} == {"bands_on_one_vendor"}
    assert only["results"][0]["vendor_ids"] == [vendor.pk]
    assert client.get("/api/v1/concentration/findings", {"workload": workload.pk}).json()["count"] >= 1
    assert_error(client.get("/api/v1/concentration/findings", {"workload": 987654}), 422, "validation_error")
