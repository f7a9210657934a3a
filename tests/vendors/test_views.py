from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

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

from .factories import PDF_BYTES, CapacityLineFactory, ClauseFactory, ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _vendor_form(**overrides):
    data = {
        "name": "Forgeline Tensor",
        "legal_entity": "Forgeline Tensor Corp.",
        "kind": "neocloud",
        "hq_jurisdiction": "United States",
        "processing_regions": "us-central, us-south",
        "layers": [Layer.objects.get(code="compute").pk],
        "status": "prospect",
        "notes": "",
    }
    return {**data, **overrides}


def _contract_form(**overrides):
    data = {
        "reference": "FT-1",
        "title": "H200 order form",
        "status": "draft",
        "start_date": "2026-01-01",
        "end_date": "2028-12-31",
        "notice_period_days": "180",
        "committed_spend": "27750000.00",
        "currency": "USD",
    }
    return {**data, **overrides}


# Vendors ----------------------------------------------------------------------------------


def test_procurement_creates_a_vendor_through_the_form(client, procurement_user):
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-create"), _vendor_form())
    vendor = Vendor.objects.get()
    assert response.status_code == 302
    assert response["Location"] == vendor.get_absolute_url()
    assert vendor.processing_regions == ["us-central", "us-south"]
    assert [layer.code for layer in vendor.layers.all()] == ["compute"]
    assert AuditEvent.objects.filter(action="vendor.create", actor=procurement_user).count() == 1


def test_a_duplicate_vendor_name_in_another_case_is_a_form_error(client, procurement_user):
    VendorFactory(name="Forgeline Tensor")
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-create"), _vendor_form(name="FORGELINE tensor"))
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["name"][0]
    assert Vendor.objects.count() == 1


def test_vendor_form_offers_only_the_statuses_the_current_one_may_move_to(client, procurement_user):
    vendor = VendorFactory(status=Vendor.Status.PROSPECT)
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-edit", args=[vendor.pk]), _vendor_form(status="exiting"))
    assert response.status_code == 200
    assert "status" in response.context["form"].errors


def test_vendor_edit_saves_through_the_service(client, procurement_user):
    vendor = VendorFactory(name="Old name")
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-edit", args=[vendor.pk]), _vendor_form(status="active"))
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.name == "Forgeline Tensor"
    event = AuditEvent.objects.get(action="vendor.update")
    assert event.changes["name"] == ["Old name", "Forgeline Tensor"]


def test_a_rejected_edit_keeps_the_saved_name_in_the_page_title(client, procurement_user):
    VendorFactory(name="Taken")
    vendor = VendorFactory(name="Original")
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-edit", args=[vendor.pk]), _vendor_form(name="taken"))
    assert "<title>Edit Original" in response.content.decode()
    assert "already exists" in response.context["form"].errors["name"][0]


def test_deleting_a_vendor_with_contracts_is_refused_with_a_message_to_archive(client, procurement_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-delete", args=[contract.vendor_id]), follow=True)
    assert Vendor.objects.filter(pk=contract.vendor_id).exists()
    text = response.content.decode()
    assert "cannot be deleted" in text and "Retired" in text


def test_deleting_an_unused_vendor_returns_to_the_list(client, procurement_user):
    vendor = VendorFactory()
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:vendor-delete", args=[vendor.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("vendors:vendor-list")
    assert not Vendor.objects.exists()


def test_vendor_list_filters_searches_and_sorts(client, auditor_user):
    storage = Layer.objects.get(code="storage")
    VendorFactory(name="Alpha Cloud", kind="hyperscaler", hq_jurisdiction="Ireland", layers=[storage])
    VendorFactory(name="Beta Metal", kind="bare_metal", hq_jurisdiction="Norway", status="retired")
    VendorFactory(name="Gamma Cloud", kind="hyperscaler", hq_jurisdiction="Norway")
    client.force_login(auditor_user)
    url = reverse("vendors:vendor-list")

    def names(**query):
        return [v.name for v in client.get(url, query).context["page_obj"].object_list]

    assert names() == ["Alpha Cloud", "Beta Metal", "Gamma Cloud"]
    assert names(kind="hyperscaler", sort="-name") == ["Gamma Cloud", "Alpha Cloud"]
    assert names(q="cloud", jurisdiction="Norway") == ["Gamma Cloud"]
    assert names(layer="storage") == ["Alpha Cloud"]
    assert names(status="retired") == ["Beta Metal"]


def test_vendor_list_paginates(client, auditor_user):
    VendorFactory.create_batch(30)
    client.force_login(auditor_user)
    page2 = client.get(reverse("vendors:vendor-list"), {"page": 2}).context["page_obj"]
    assert page2.number == 2 and len(page2.object_list) == 5


def test_htmx_list_request_returns_only_the_results_fragment(client, auditor_user):
    VendorFactory(name="Alpha Cloud")
    client.force_login(auditor_user)
    response = client.get(reverse("vendors:vendor-list"), {"q": "alpha"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="vendor-results">')
    assert "Alpha Cloud" in body and "<html" not in body


# Contracts --------------------------------------------------------------------------------


def test_procurement_creates_a_contract_from_the_vendor(client, procurement_user):
    vendor = VendorFactory()
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:contract-create", args=[vendor.pk]), _contract_form())
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert contract.vendor == vendor
    assert contract.notice_deadline == date(2028, 7, 4)


def test_contract_end_before_start_is_a_form_error(client, procurement_user):
    vendor = VendorFactory()
    client.force_login(procurement_user)
    response = client.post(
        reverse("vendors:contract-create", args=[vendor.pk]), _contract_form(end_date="2025-12-31")
    )
    assert response.status_code == 200
    assert "after the start date" in response.context["form"].errors["end_date"][0]
    assert not Contract.objects.exists()


def test_contract_money_needs_a_valid_amount_and_currency(client, procurement_user):
    vendor = VendorFactory()
    client.force_login(procurement_user)
    response = client.post(
        reverse("vendors:contract-create", args=[vendor.pk]),
        _contract_form(committed_spend="12,5 million", currency="XXX"),
    )
    errors = response.context["form"].errors
    assert "committed_spend" in errors and "currency" in errors


def test_contract_list_filters_by_currency_and_missing_exit_rights(client, finance_user):
    complete = ContractFactory(currency="EUR")
    for kind in ExitRightKind.objects.filter(is_active=True):
        ClauseFactory(contract=complete, kind=kind, status="present", reference="§1")
    gap = ContractFactory(currency="USD")
    client.force_login(finance_user)
    url = reverse("vendors:contract-list")

    def refs(**query):
        return [c.reference for c in client.get(url, query).context["page_obj"].object_list]

    assert refs(currency="EUR") == [complete.reference]
    assert refs(missing_exit_rights="true") == [gap.reference]
    assert refs(missing_exit_rights="false") == [complete.reference]


def test_contract_page_shows_every_active_exit_right_and_flags_the_missing(client, finance_user):
    contract = ContractFactory()
    kind = ExitRightKind.objects.get(code="ramp-down")
    ClauseFactory(contract=contract, kind=kind, status="negotiated", reference="§5.4")
    client.force_login(finance_user)
    response = client.get(contract.get_absolute_url())
    checklist = response.context["checklist"]
    assert [item.kind.code for item in checklist] == list(
        ExitRightKind.objects.filter(is_active=True).values_list("code", flat=True)
    )
    assert sum(item.is_missing for item in checklist) == len(checklist) - 1
    body = response.content.decode()
    assert body.count("Missing (not recorded)") == len(checklist) - 1
    assert f"{len(checklist) - 1} missing" in body
    assert 'hx-get="/audit/history/vendors.contract/' in body  # the history panel


def test_a_new_exit_right_kind_added_in_the_admin_appears_on_every_checklist(client, legal_user):
    contract = ContractFactory()
    ExitRightKind.objects.create(code="audit-rights", name="Audit rights", position=99)
    client.force_login(legal_user)
    codes = [item.kind.code for item in client.get(contract.get_absolute_url()).context["checklist"]]
    assert codes[-1] == "audit-rights"


# Capacity lines (htmx inline) --------------------------------------------------------------


def test_capacity_line_add_with_htmx_returns_the_updated_section(client, procurement_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    data = {
        "line-accelerator_model": "NVIDIA B200",
        "line-count": "16",
        "line-region": "eu",
        "line-band": "burst",
    }
    response = client.post(reverse("vendors:capacity-line-add", args=[contract.pk]), data, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="capacity-lines"')
    assert "NVIDIA B200" in body
    assert CapacityLine.objects.get().count == 16


def test_capacity_line_add_with_bad_input_shows_errors_in_the_fragment(client, procurement_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    data = {"line-accelerator_model": "", "line-count": "0", "line-region": "eu", "line-band": "burst"}
    response = client.post(reverse("vendors:capacity-line-add", args=[contract.pk]), data, **HTMX)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not CapacityLine.objects.exists()


def test_capacity_line_add_without_javascript_redirects_to_the_contract(client, procurement_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    data = {
        "line-accelerator_model": "H100",
        "line-count": "8",
        "line-region": "eu",
        "line-band": "committed",
    }
    response = client.post(reverse("vendors:capacity-line-add", args=[contract.pk]), data)
    assert response.status_code == 302
    assert response["Location"].startswith(contract.get_absolute_url())


def test_capacity_line_of_another_contract_cannot_be_removed_by_guessing_its_id(client, procurement_user):
    contract, other_line = ContractFactory(), CapacityLineFactory()
    client.force_login(procurement_user)
    response = client.post(reverse("vendors:capacity-line-remove", args=[contract.pk, other_line.pk]))
    assert response.status_code == 404
    assert CapacityLine.objects.filter(pk=other_line.pk).exists()


# Exit-rights clauses (htmx inline, legal) ----------------------------------------------------


def test_legal_opens_the_inline_clause_editor(client, legal_user):
    contract = ContractFactory()
    client.force_login(legal_user)
    response = client.get(reverse("vendors:clause-edit", args=[contract.pk, "ramp-down"]), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<tr id="exit-right-ramp-down"')
    assert 'name="clause-ramp-down-status"' in body


def test_legal_marks_a_clause_negotiated_inline(client, legal_user):
    contract = ContractFactory()
    client.force_login(legal_user)
    data = {"clause-ramp-down-status": "negotiated", "clause-ramp-down-reference": "§5.4"}
    response = client.post(reverse("vendors:clause-edit", args=[contract.pk, "ramp-down"]), data, **HTMX)
    body = response.content.decode()
    assert 'id="exit-right-ramp-down"' in body and "Negotiated" in body
    assert 'id="exit-rights-summary" hx-swap-oob="true"' in body
    clause = ExitRightClause.objects.get()
    assert (clause.status, clause.reference) == ("negotiated", "§5.4")
    assert AuditEvent.objects.filter(action="contract.clause_create", actor=legal_user).count() == 1


def test_a_negotiated_clause_needs_its_reference(client, legal_user):
    contract = ContractFactory()
    client.force_login(legal_user)
    data = {"clause-ramp-down-status": "negotiated"}
    response = client.post(reverse("vendors:clause-edit", args=[contract.pk, "ramp-down"]), data, **HTMX)
    assert "Give the clause reference" in response.content.decode()
    assert not ExitRightClause.objects.exists()


def test_clause_edit_works_without_javascript(client, legal_user):
    contract = ContractFactory()
    client.force_login(legal_user)
    url = reverse("vendors:clause-edit", args=[contract.pk, "ramp-down"])
    assert "<html" in client.get(url).content.decode()
    response = client.post(url, {"clause-ramp-down-status": "present", "clause-ramp-down-reference": "§2"})
    assert response.status_code == 302
    assert response["Location"] == f"{contract.get_absolute_url()}#exit-right-ramp-down"


def test_a_retired_kind_keeps_recorded_clauses_editable_but_takes_no_new_ones(client, legal_user):
    recorded, fresh = ContractFactory(), ContractFactory()
    kind = ExitRightKind.objects.get(code="ramp-down")
    ClauseFactory(contract=recorded, kind=kind, status="present", reference="§5")
    kind.is_active = False
    kind.save()
    client.force_login(legal_user)
    assert client.get(reverse("vendors:clause-edit", args=[recorded.pk, "ramp-down"])).status_code == 200
    assert client.get(reverse("vendors:clause-edit", args=[fresh.pk, "ramp-down"])).status_code == 404
    checklist = client.get(recorded.get_absolute_url()).context["checklist"]
    assert kind in [item.kind for item in checklist]  # a retired kind still shows where recorded


def test_clause_of_an_unknown_kind_is_404(client, legal_user):
    contract = ContractFactory()
    client.force_login(legal_user)
    assert client.get(reverse("vendors:clause-edit", args=[contract.pk, "no-such-kind"])).status_code == 404


# Documents --------------------------------------------------------------------------------


def _upload(client, contract, name="msa.pdf", content=PDF_BYTES):
    return client.post(
        reverse("vendors:document-upload", args=[contract.pk]),
        {"doc-file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def test_a_pdf_is_uploaded_and_downloaded_as_an_attachment(client, procurement_user, auditor_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    assert _upload(client, contract, name="Signed MSA.pdf").status_code == 302
    document = ContractDocument.objects.get()
    client.force_login(auditor_user)
    response = client.get(reverse("vendors:document-download", args=[contract.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Signed MSA.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(client, procurement_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    response = _upload(client, contract, name="invoice.pdf", content=b"MZ\x90\x00 executable")
    assert response.status_code == 200
    assert "Only PDF documents" in response.content.decode()
    assert not ContractDocument.objects.exists()


def test_an_empty_or_oversized_upload_is_refused(client, procurement_user, settings):
    settings.MAX_UPLOAD_BYTES = 100
    contract = ContractFactory()
    client.force_login(procurement_user)
    assert "The file is empty" in _upload(client, contract, content=b"").content.decode()
    assert "larger than" in _upload(client, contract, content=PDF_BYTES + b" " * 200).content.decode()
    assert not ContractDocument.objects.exists()


def test_a_document_is_not_served_through_another_contracts_url(client, procurement_user):
    contract, other = ContractFactory(), ContractFactory()
    document = services.contract_document_add(
        actor=procurement_user,
        contract=other,
        uploaded=SimpleUploadedFile("x.pdf", PDF_BYTES),
        max_bytes=4096,
    )
    client.force_login(procurement_user)
    response = client.get(reverse("vendors:document-download", args=[contract.pk, document.pk]))
    assert response.status_code == 404


# Plain behaviours of HTTP ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["capacity-line-add", "document-upload"])
def test_get_on_a_post_only_url_is_405(client, procurement_user, name):
    contract = ContractFactory()
    client.force_login(procurement_user)
    assert client.get(reverse(f"vendors:{name}", args=[contract.pk])).status_code == 405


def test_get_on_capacity_line_remove_is_405(client, procurement_user):
    line = CapacityLineFactory()
    client.force_login(procurement_user)
    url = reverse("vendors:capacity-line-remove", args=[line.contract_id, line.pk])
    assert client.get(url).status_code == 405
    assert CapacityLine.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client):
    vendor = VendorFactory()
    for url in (reverse("vendors:vendor-list"), vendor.get_absolute_url(), reverse("vendors:contract-list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
