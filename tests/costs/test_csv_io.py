"""CSV export and import of offers: the round trip, the dry-run preview with each row's errors,
the confirm step writing every offer in one transaction (one audit event each), and hostile files
refused with a clear message and nothing written."""

import codecs
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from costs import csv_io, services
from costs.models import Offer, OfferLine
from procurement.models import AuditEvent
from tests.vendors.factories import ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(csv_io.OFFER_COLUMNS)


def _row(vendor="Nimbus GPU", offer="Reserved block", **overrides) -> str:
    values = {
        "vendor": vendor,
        "offer": offer,
        "contract": "",
        "BillingCurrency": "USD",
        "valid_until": "2027-03-31",
        "storage_rate_per_gb_month": "0.02",
        "egress_rate_per_gb": "0.05",
        "exit_egress_rate_per_gb": "0.09",
        "queue_wait_hours": "48",
        "switching_engineer_days": "20",
        "engineer_day_rate": "900",
        "parallel_run_weeks": "2",
        "loss_probability": "5",
        "notes": "",
        "band": "committed",
        "accelerator_class": "H100 80GB",
        "region": "eu-west",
        "CommitmentDiscountQuantity": "64",
        "PricingUnit": "GPU-hour",
        "ListUnitPrice": "3.20",
        "ContractedUnitPrice": "2.60",
        "effective_unit_price": "2.45",
        "commitment_term_months": "12",
        "expected_utilisation_percent": "85",
    }
    values.update(overrides)
    return ",".join(values[c] for c in csv_io.OFFER_COLUMNS)


def _file(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def _upload(client, text: str | bytes, name="offers.csv"):
    body = text.encode() if isinstance(text, str) else text
    return client.post(reverse("costs:offer-import"), {"file": SimpleUploadedFile(name, body)})


def _burst(**overrides):
    return _row(
        band="burst",
        CommitmentDiscountQuantity="16",
        effective_unit_price="4.10",
        ContractedUnitPrice="4.10",
        commitment_term_months="",
        expected_utilisation_percent="",
        **overrides,
    )


@pytest.fixture
def vendor():
    return VendorFactory(name="Nimbus GPU")


def test_rows_of_one_offer_preview_as_one_new_offer_with_its_lines(vendor):
    preview = csv_io.preview_offers(_file(_row(), _burst()))
    assert preview.is_valid, [r.errors for r in preview.rows]
    assert len(preview.offers) == 1
    offer = preview.offers[0]
    assert offer["offer"] is None and offer["vendor"] == vendor
    assert offer["billing_currency"] == "USD" and offer["queue_wait_hours"] == Decimal("48")
    assert [line["band"] for line in offer["lines"]] == ["committed", "burst"]
    assert offer["lines"][0]["quantity"] == 64
    assert offer["lines"][1]["expected_utilisation_percent"] is None


def test_import_writes_every_offer_in_one_step_with_one_audit_event_each(client, procurement_user, vendor):
    client.force_login(procurement_user)
    text = _file(
        _row(),
        _burst(),
        _row(offer="Spot pool", band="emergency", commitment_term_months="", expected_utilisation_percent=""),
    )
    response = _upload(client, text)
    assert response.status_code == 200
    assert response.context["preview"].is_valid
    assert not Offer.objects.exists()  # a dry run
    confirm = client.post(reverse("costs:offer-import"), {"payload": response.context["payload"]})
    assert confirm.status_code == 302
    assert sorted(Offer.objects.values_list("name", flat=True)) == ["Reserved block", "Spot pool"]
    assert OfferLine.objects.count() == 3
    assert AuditEvent.objects.filter(action="costs.offer.create").count() == 2


def test_an_offer_of_the_same_vendor_and_name_is_updated_and_its_lines_replaced(procurement_user, vendor):
    line = {
        "band": "committed",
        "accelerator_class": "A100",
        "quantity": 8,
        "contracted_unit_price": Decimal("2"),
        "effective_unit_price": Decimal("2"),
        "commitment_term_months": 12,
        "expected_utilisation_percent": Decimal("90"),
    }
    offer = services.offer_create(
        actor=procurement_user, vendor=vendor, name="Reserved block", billing_currency="EUR", lines=[line]
    )
    preview = csv_io.preview_offers(_file(_row(), _burst()))
    assert preview.is_valid
    assert preview.rows[0].label == "Reserved block (update)"
    services.offers_import(actor=procurement_user, offers=preview.offers)
    offer.refresh_from_db()
    assert offer.billing_currency == "USD"
    assert sorted(offer.lines.values_list("accelerator_class", "quantity")) == [
        ("H100 80GB", 16),
        ("H100 80GB", 64),
    ]
    assert AuditEvent.objects.filter(action="costs.offer.update", object_id=str(offer.pk)).count() == 1


def test_export_reads_back_as_the_same_offers(client, procurement_user, vendor):
    contract = ContractFactory(vendor=vendor, reference="NG-2026-01")
    client.force_login(procurement_user)
    text = _file(_row(contract="NG-2026-01", notes="=cmd()"), _burst(contract="NG-2026-01", notes="=cmd()"))
    services.offers_import(actor=procurement_user, offers=csv_io.preview_offers(text).offers)
    response = client.get(reverse("costs:offer-export"))
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    header, first = exported.splitlines()[:2]
    assert header.split(",") == csv_io.OFFER_COLUMNS
    assert "'=cmd()" in first  # a spreadsheet does not run it
    assert ",2.45," in first and ",GPU-hour," in first
    preview = csv_io.preview_offers(exported)
    assert preview.is_valid, [r.errors for r in preview.rows]
    assert preview.offers[0]["offer"] == Offer.objects.get()
    assert preview.offers[0]["contract"] == contract
    assert preview.offers[0]["notes"] == "=cmd()"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CommitmentDiscountQuantity": "-4"}, "at least one GPU"),
        ({"BillingCurrency": "XYZ"}, "not an active ISO 4217 currency code"),
        ({"expected_utilisation_percent": "140"}, "cannot be used more than fully"),
        ({"effective_unit_price": "-1"}, "cannot be negative"),
        ({"loss_probability": "250"}, "loss_probability"),
        ({"band": "whenever"}, "band"),
        ({"commitment_term_months": ""}, "commitment term"),
        ({"PricingUnit": "GB-month"}, "per GPU-hour"),
        ({"vendor": "Nobody Inc"}, "no vendor named"),
        ({"contract": "NOPE-1"}, "no contract with the reference"),
        ({"valid_until": "2027-13-45"}, "valid_until"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason_and_nothing_is_written(
    client, procurement_user, vendor, overrides, message
):
    client.force_login(procurement_user)
    response = _upload(client, _file(_row(offer="Fine"), _row(**overrides)))
    preview = response.context["preview"]
    assert not preview.is_valid
    assert not preview.rows[0].errors
    assert any(message in error for error in preview.rows[1].errors), preview.rows[1].errors
    assert not Offer.objects.exists()


def test_rows_of_one_offer_must_agree_on_its_terms(vendor):
    preview = csv_io.preview_offers(_file(_row(), _burst(BillingCurrency="EUR")))
    assert not preview.is_valid
    assert "differ from line 2" in preview.rows[1].errors[0]
    assert "BillingCurrency" in preview.rows[1].errors[0]


def test_a_confirm_of_an_invalid_file_writes_nothing(client, procurement_user, vendor):
    client.force_login(procurement_user)
    payload = csv_io.sign_payload(_file(_row(CommitmentDiscountQuantity="0")))
    response = client.post(reverse("costs:offer-import"), {"payload": payload})
    assert response.status_code == 200
    assert not Offer.objects.exists()


def test_an_altered_payload_is_refused(client, procurement_user, vendor):
    client.force_login(procurement_user)
    response = client.post(reverse("costs:offer-import"), {"payload": "tampered:abc"}, follow=True)
    assert "expired or was altered" in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (codecs.BOM_UTF16_LE + _file(_row()).encode("utf-16-le"), "UTF-16"),
        (_file(_row()).encode().replace(b"Nimbus", b"Nim\x00bus"), "NUL bytes"),
        (b"vendor,offer\n", "Missing columns"),
        (HEADER.encode() + b",surprise\n", "Unknown columns"),
        (HEADER.encode() + b"\n", "no rows"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(client, procurement_user, vendor, body, message):
    client.force_login(procurement_user)
    response = _upload(client, body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Offer.objects.exists()


def test_a_huge_file_is_refused(client, procurement_user, vendor, monkeypatch):
    from vendors import forms as vendor_forms

    monkeypatch.setattr(vendor_forms, "MAX_IMPORT_BYTES", 1024)
    client.force_login(procurement_user)
    response = _upload(client, _file(*[_row(offer=f"Offer {n}") for n in range(40)]))
    assert "larger than" in response.content.decode()
    assert not Offer.objects.exists()


def test_too_many_rows_are_refused_before_reading_them_all(vendor, monkeypatch):
    from vendors import csv_io as vendor_csv

    monkeypatch.setattr(vendor_csv, "MAX_ROWS", 3)
    preview = csv_io.preview_offers(_file(*[_row(offer=f"Offer {n}") for n in range(5)]))
    assert not preview.is_valid
    assert "more than 3 rows" in preview.file_errors[0]


def test_only_procurement_imports_and_readers_export(client, legal_user):
    client.force_login(legal_user)
    assert client.get(reverse("costs:offer-import")).status_code == 403
    assert client.get(reverse("costs:offer-export")).status_code == 200
    client.logout()
    assert client.get(reverse("costs:offer-export")).status_code == 302


@pytest.mark.parametrize("count", [2, 40])
def test_the_export_holds_its_query_count(client, auditor_user, django_assert_max_num_queries, count):
    from tests.costs.factories import OfferLineFactory

    for _ in range(count):
        OfferLineFactory(offer=OfferLineFactory().offer)
    client.force_login(auditor_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("costs:offer-export"))
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 2 * count
