"""The register page shows derived fields with their sources; overrides need a reason and are
audited; the record forms sit beside vendors, contracts and workloads."""

import io
import zipfile

import pytest
from django.urls import reverse

from dora.models import ContractRecord, FunctionRecord, Override, VendorRecord
from procurement.models import AuditEvent
from resilience.models import Workload
from vendors.models import Contract, Vendor


def test_the_register_page_shows_each_derived_field_with_its_source(client, auditor_user, demo_register):
    client.force_login(auditor_user)
    response = client.get(reverse("dora:register"), {"ref_date": "2026-12-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Meridian Digital Bank AG" in body
    assert "Exit-rights register:" in body  # the exit plan's source
    assert "Loss scenario of Helix GPU Cloud" in body  # substitutability's source
    assert "overridden" in body  # the audits entered by hand say so
    assert "Lint: 0 blocking" in body


def test_the_register_page_download_is_the_package(client, auditor_user, demo_register):
    client.force_login(auditor_user)
    response = client.get(reverse("dora:package-download"), {"ref_date": "2026-12-31"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "_DORA010100_DORA_2026-12-31_" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert any(n.endswith("reports/b_07.01.csv") for n in archive.namelist())


def test_an_override_needs_a_reason_takes_a_listed_value_and_is_audited(
    client, procurement_user, demo_register
):
    client.force_login(procurement_user)
    contract = Contract.objects.get(reference="FT-MSA-2026")
    url = reverse("dora:override", args=[contract.pk])
    refused = client.post(
        url, {"exit_plan-field": "exit_plan", "exit_plan-value": "eba_BT:x28", "exit_plan-reason": ""}
    )
    assert (
        refused.status_code == 200
        and not Override.objects.filter(contract=contract, field="exit_plan").exists()
    )
    wrong = client.post(
        url, {"exit_plan-field": "exit_plan", "exit_plan-value": "yes!", "exit_plan-reason": "x"}
    )
    assert (
        wrong.status_code == 200
        and not Override.objects.filter(contract=contract, field="exit_plan").exists()
    )
    done = client.post(
        url,
        {
            "exit_plan-field": "exit_plan",
            "exit_plan-value": "eba_BT:x28",
            "exit_plan-reason": "Exit plan EP-7 approved.",
        },
    )
    assert done.status_code == 302
    override = Override.objects.get(contract=contract, field="exit_plan")
    assert override.by == procurement_user and override.reason == "Exit plan EP-7 approved."
    event = AuditEvent.objects.filter(action="dora.override", object_id=str(contract.pk)).latest("sequence")
    assert event.changes["reason"][1] == "Exit plan EP-7 approved."
    page = client.get(reverse("dora:contract-record", args=[contract.pk])).content.decode()
    assert "Exit plan EP-7 approved." in page


def test_recording_a_contract_vendor_and_function(client, procurement_user, demo_register):
    client.force_login(procurement_user)
    vendor = Vendor.objects.get(name="雲海コンピュート")
    response = client.post(
        reverse("dora:vendor-record", args=[vendor.pk]),
        {"lei": "5493001KJTIIGC8Y1R17", "person_type": "eba_CT:x212", "country": "JP"},
    )
    assert response.status_code == 200 and b"check digits" in response.content
    assert not VendorRecord.objects.filter(vendor=vendor).exists()
    response = client.post(
        reverse("dora:vendor-record", args=[vendor.pk]),
        {
            "lei": "5493001KJTIIGC8Y1R12",
            "person_type": "eba_CT:x212",
            "country": "JP",
            "latin_name": "Unkai Compute",
        },
    )
    assert response.status_code == 302
    assert VendorRecord.objects.get(vendor=vendor).latin_name == "Unkai Compute"
    assert AuditEvent.objects.filter(action="dora.vendor_record.create").exists()

    contract = Contract.objects.get(reference="NS-2025-017")
    record = ContractRecord.objects.get(contract=contract)
    data = {
        "arrangement_type": "eba_CO:x1",
        "ict_service_type": "eba_TA:S19",
        "signing_entity": record.signing_entity_id,
        "entities": [record.signing_entity_id],
        "governing_law_country": "IE",
        "provision_country": "US",
        "stores_data": "on",
        "storage_countries": ["US", "IE"],
        "processing_countries": ["US"],
        "data_sensitiveness": "eba_ZZ:x793",
        "reliance": "eba_ZZ:x797",
        "discontinuing_impact": "eba_ZZ:x793",
    }
    assert client.post(reverse("dora:contract-record", args=[contract.pk]), data).status_code == 302
    record.refresh_from_db()
    assert record.ict_service_type == "eba_TA:S19" and record.storage_countries == ["US", "IE"]
    bad = client.post(reverse("dora:contract-record", args=[contract.pk]), data | {"storage_countries": []})
    assert bad.status_code == 200
    record.refresh_from_db()
    assert record.storage_countries == ["US", "IE"]

    workload = Workload.objects.get(name="Foundation model pre-training")
    response = client.post(
        reverse("dora:function-record", args=[workload.pk]),
        {
            "identifier": "F9",
            "entity": record.signing_entity_id,
            "licensed_activity": "eba_TA:x168",
            "critical": "eba_BT:x29",
            "assessed_on": "2026-10-01",
            "discontinuing_impact": "eba_ZZ:x791",
        },
    )
    assert response.status_code == 302
    assert FunctionRecord.objects.get(workload=workload).identifier == "F9"


@pytest.mark.parametrize("url_name", ["dora:register", "dora:lint"])
def test_register_pages_hold_their_query_count(
    client, auditor_user, demo_register, django_assert_max_num_queries, url_name
):
    client.force_login(auditor_user)
    with django_assert_max_num_queries(40):
        assert client.get(reverse(url_name)).status_code == 200


def test_an_override_recorded_with_an_old_code_reads_as_the_taxonomys(demo_register, admin):
    """b_07.01.0110 took eba_ZZ:x23/x24 before the codes were checked against the taxonomy;
    overrides are never edited, so an old one is read as the code it meant."""
    from django.utils import timezone

    from dora.evidence import contract_evidence

    contract = Contract.objects.filter(dora_record__isnull=False).first()
    Override.objects.create(
        contract=contract,
        field="alternatives",
        value="eba_ZZ:x24",
        reason="Recorded long ago.",
        by=admin,
        at=timezone.now(),
    )
    evidence = contract_evidence([contract], {})[contract.pk]
    assert evidence.value("alternatives") == "eba_BT:x29"
