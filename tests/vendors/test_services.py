from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import AuditEvent
from vendors import services
from vendors.models import (
    CapacityLine,
    Contract,
    ContractDocument,
    ExitRightClause,
    ExitRightKind,
    Layer,
    Vendor,
)

from .factories import PDF_BYTES, CapacityLineFactory, ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _events(action=None):
    events = AuditEvent.objects.order_by("sequence")
    return list(events.filter(action=action) if action else events)


def _new_vendor(actor, **overrides):
    fields = {"name": "Nimbus Scale", "kind": Vendor.Kind.HYPERSCALER, "hq_jurisdiction": "United States"}
    return services.vendor_create(actor=actor, **{**fields, **overrides})


def _new_contract(actor, vendor, **overrides):
    fields = {
        "vendor": vendor,
        "reference": "NS-1",
        "title": "GPU reservation",
        "start_date": date(2026, 1, 1),
        "end_date": date(2027, 1, 1),
        "notice_period_days": 60,
        "committed_spend": Decimal("1250000.50"),
        "currency": "EUR",
    }
    return services.contract_create(actor=actor, **{**fields, **overrides})


# Vendors ----------------------------------------------------------------------------------


def test_vendor_create_writes_one_audit_event_with_the_new_values(procurement_user):
    compute = Layer.objects.get(code="compute")
    vendor = _new_vendor(procurement_user, layers=[compute], processing_regions=["us-east", "Tokyo"])
    [event] = _events()
    assert event.action == "vendor.create"
    assert event.actor == procurement_user
    assert event.object_id == str(vendor.pk)
    assert event.changes["name"] == [None, "Nimbus Scale"]
    assert event.changes["layers"] == [None, [compute.pk]]
    assert event.changes["processing_regions"] == [None, ["us-east", "Tokyo"]]


def test_vendor_names_are_unique_ignoring_case(procurement_user):
    _new_vendor(procurement_user)
    with pytest.raises(ValidationError) as error:
        _new_vendor(procurement_user, name="NIMBUS scale")
    assert "already exists" in str(error.value)
    assert Vendor.objects.count() == 1
    assert len(_events()) == 1


def test_vendor_update_records_before_and_after_of_changed_fields_only(procurement_user):
    vendor = _new_vendor(procurement_user)
    services.vendor_update(
        actor=procurement_user, vendor=vendor, status=Vendor.Status.ACTIVE, notes="Primary"
    )
    event = _events("vendor.update")[0]
    assert event.changes == {"notes": ["", "Primary"], "status": ["prospect", "active"]}


def test_vendor_update_without_a_change_writes_no_event(procurement_user):
    vendor = _new_vendor(procurement_user)
    services.vendor_update(actor=procurement_user, vendor=vendor, name="Nimbus Scale")
    assert _events("vendor.update") == []


def test_vendor_update_refuses_a_status_the_table_does_not_allow(procurement_user):
    vendor = _new_vendor(procurement_user)  # prospect
    with pytest.raises(services.InvalidTransition, match="Prospect to Exiting"):
        services.vendor_update(actor=procurement_user, vendor=vendor, status=Vendor.Status.EXITING)
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.PROSPECT


def test_a_vendor_cannot_run_on_itself_through_its_hosts(procurement_user):
    host = _new_vendor(procurement_user)
    tenant = _new_vendor(procurement_user, name="Helix", runs_on=host)
    with pytest.raises(ValidationError, match="cannot run on itself"):
        services.vendor_update(actor=procurement_user, vendor=host, runs_on=tenant)


def test_vendor_delete_without_references_deletes_and_audits(procurement_user):
    vendor = _new_vendor(procurement_user)
    pk = vendor.pk
    services.vendor_delete(actor=procurement_user, vendor=vendor)
    assert not Vendor.objects.filter(pk=pk).exists()
    [event] = _events("vendor.delete")
    assert event.object_id == str(pk)
    assert event.changes["name"] == ["Nimbus Scale", None]


def test_vendor_delete_with_contracts_is_refused_and_suggests_archiving(procurement_user):
    contract = ContractFactory()
    with pytest.raises(services.VendorInUse) as error:
        services.vendor_delete(actor=procurement_user, vendor=contract.vendor)
    assert "cannot be deleted: 1 contract still refers to it" in str(error.value)
    assert "Retired" in str(error.value)
    assert Vendor.objects.filter(pk=contract.vendor_id).exists()
    assert _events("vendor.delete") == []


def test_vendor_delete_of_a_host_is_refused_while_vendors_run_on_it(procurement_user):
    host = VendorFactory()
    VendorFactory(runs_on=host)
    with pytest.raises(services.VendorInUse, match="1 vendor still refers"):
        services.vendor_delete(actor=procurement_user, vendor=host)


# Contracts --------------------------------------------------------------------------------


def test_contract_create_computes_the_notice_deadline_and_audits(procurement_user):
    vendor = VendorFactory()
    contract = _new_contract(procurement_user, vendor)
    assert contract.notice_deadline == date(2026, 11, 2)
    assert contract.committed_spend == Decimal("1250000.50")
    [event] = _events("contract.create")
    assert event.changes["committed_spend"] == [None, "1250000.50"]
    assert event.changes["notice_deadline"] == [None, "2026-11-02"]


def test_contract_end_before_start_is_a_validation_error(procurement_user):
    with pytest.raises(ValidationError) as error:
        _new_contract(
            procurement_user, VendorFactory(), start_date=date(2027, 1, 1), end_date=date(2026, 1, 1)
        )
    assert "end_date" in error.value.message_dict
    assert not Contract.objects.exists()


def test_contract_currency_must_be_an_iso_code(procurement_user):
    with pytest.raises(ValidationError) as error:
        _new_contract(procurement_user, VendorFactory(), currency="EURO")
    assert "currency" in error.value.message_dict


def test_contract_references_are_unique_per_vendor_ignoring_case(procurement_user):
    vendor = VendorFactory()
    _new_contract(procurement_user, vendor)
    with pytest.raises(ValidationError):
        _new_contract(procurement_user, vendor, reference="ns-1")
    _new_contract(procurement_user, VendorFactory(), reference="ns-1")  # another vendor may reuse it


def test_contract_update_moves_the_notice_deadline_with_the_end_date(procurement_user):
    contract = _new_contract(procurement_user, VendorFactory())
    services.contract_update(actor=procurement_user, contract=contract, end_date=date(2027, 6, 30))
    contract.refresh_from_db()
    assert contract.notice_deadline == date(2027, 5, 1)
    [event] = _events("contract.update")
    assert event.changes["notice_deadline"] == ["2026-11-02", "2027-05-01"]
    assert event.changes["end_date"] == ["2027-01-01", "2027-06-30"]


def test_a_terminated_contract_cannot_be_reactivated(procurement_user):
    contract = ContractFactory(status=Contract.Status.TERMINATED)
    with pytest.raises(services.InvalidTransition):
        services.contract_update(actor=procurement_user, contract=contract, status=Contract.Status.ACTIVE)


def test_contract_delete_is_refused_once_documents_are_attached(procurement_user):
    contract = ContractFactory()
    services.contract_document_add(
        actor=procurement_user,
        contract=contract,
        uploaded=SimpleUploadedFile("msa.pdf", PDF_BYTES),
        max_bytes=1024 * 1024,
    )
    with pytest.raises(services.ContractInUse, match="terminated"):
        services.contract_delete(actor=procurement_user, contract=contract)
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_contract_delete_removes_lines_and_clauses_and_audits(procurement_user):
    contract = ContractFactory()
    CapacityLineFactory(contract=contract)
    services.contract_delete(actor=procurement_user, contract=contract)
    assert not CapacityLine.objects.exists()
    assert len(_events("contract.delete")) == 1


# Capacity lines, clauses, documents --------------------------------------------------------


def test_capacity_lines_are_added_and_removed_with_an_event_on_the_contract(procurement_user):
    contract = ContractFactory()
    line = services.capacity_line_add(
        actor=procurement_user,
        contract=contract,
        accelerator_model="H100",
        count=8,
        region="eu",
        band="burst",
    )
    services.capacity_line_remove(actor=procurement_user, line=line)
    added, removed = _events("contract.capacity_line_add"), _events("contract.capacity_line_remove")
    assert len(added) == len(removed) == 1
    assert added[0].object_id == removed[0].object_id == str(contract.pk)
    assert added[0].changes[f"capacity line {line.pk} count"] == [None, 8]
    assert removed[0].changes[f"capacity line {line.pk} count"] == [8, None]
    assert not CapacityLine.objects.exists()


def test_a_capacity_line_needs_a_positive_count(procurement_user):
    with pytest.raises(ValidationError):
        services.capacity_line_add(
            actor=procurement_user,
            contract=ContractFactory(),
            accelerator_model="H100",
            count=0,
            region="eu",
            band="burst",
        )
    assert not AuditEvent.objects.exists()


def test_clause_set_creates_then_updates_with_one_event_each(legal_user):
    contract = ContractFactory()
    kind = ExitRightKind.objects.get(code="data-portability")
    services.clause_set(actor=legal_user, contract=contract, kind=kind, status="missing")
    services.clause_set(actor=legal_user, contract=contract, kind=kind, status="negotiated", reference="§9")
    created, updated = _events("contract.clause_create"), _events("contract.clause_update")
    assert len(created) == len(updated) == 1
    label = "Data and model-artifact portability"
    assert updated[0].changes == {
        f"{label}: status": ["missing", "negotiated"],
        f"{label}: reference": ["", "§9"],
    }
    assert ExitRightClause.objects.get().status == "negotiated"


def test_document_add_stores_the_pdf_under_a_hashed_name_and_audits(procurement_user):
    contract = ContractFactory()
    document = services.contract_document_add(
        actor=procurement_user,
        contract=contract,
        uploaded=SimpleUploadedFile("../../etc/MSA signed.pdf", PDF_BYTES),
        max_bytes=1024 * 1024,
    )
    assert document.original_name == "MSA signed.pdf"
    assert document.file.name == f"contracts/{contract.pk}/{document.sha256}.pdf"
    assert default_storage.exists(document.file.name)
    assert len(_events("contract.document_add")) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"<html>not a pdf</html>", "does not start like a PDF"),
        (PDF_BYTES + b"x" * 2048, "larger than"),
    ],
)
def test_document_add_refuses_what_is_not_a_small_pdf(procurement_user, content, message):
    with pytest.raises(services.DocumentRejected, match=message):
        services.contract_document_add(
            actor=procurement_user,
            contract=ContractFactory(),
            uploaded=SimpleUploadedFile("contract.pdf", content),
            max_bytes=1024,
        )
    assert not ContractDocument.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_same_document_is_not_attached_twice(procurement_user):
    contract = ContractFactory()
    for expected in (None, services.DocumentRejected):
        upload = SimpleUploadedFile("msa.pdf", PDF_BYTES)
        if expected:
            with pytest.raises(expected, match="already attached"):
                services.contract_document_add(
                    actor=procurement_user, contract=contract, uploaded=upload, max_bytes=4096
                )
        else:
            services.contract_document_add(
                actor=procurement_user, contract=contract, uploaded=upload, max_bytes=4096
            )
    assert ContractDocument.objects.count() == 1


# Imports ----------------------------------------------------------------------------------


def test_vendors_import_writes_every_row_or_none(procurement_user):
    good = {"name": "A", "kind": "neocloud", "hq_jurisdiction": "Norway"}
    with pytest.raises(ValidationError):
        services.vendors_import(actor=procurement_user, rows=[good, {**good, "name": "a"}])
    assert not Vendor.objects.exists()
    assert not AuditEvent.objects.exists()
    services.vendors_import(actor=procurement_user, rows=[good, {**good, "name": "B"}])
    assert Vendor.objects.count() == 2
    assert len(_events("vendor.create")) == 2


def test_a_failed_document_write_leaves_no_file_behind(procurement_user, monkeypatch, settings):
    contract = ContractFactory()

    def broken_record(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services.audit, "record", broken_record)
    with pytest.raises(RuntimeError):
        services.contract_document_add(
            actor=procurement_user,
            contract=contract,
            uploaded=SimpleUploadedFile("msa.pdf", PDF_BYTES),
            max_bytes=4096,
        )
    assert not ContractDocument.objects.exists()
    folder = settings.MEDIA_ROOT / "contracts" / str(contract.pk)
    assert not folder.exists() or not any(folder.iterdir())
