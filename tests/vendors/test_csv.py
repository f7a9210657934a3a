import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import AuditEvent
from vendors import csv_io
from vendors.models import Contract, Layer, Vendor

from .factories import ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db

VENDORS_CSV = """name,legal_entity,kind,hq_jurisdiction,processing_regions,layers,runs_on,status,owner,notes
Helix GPU Cloud,"Helix GPU Cloud, Inc.",Neocloud,United States,us-east; us-west,compute; orchestration,Nimbus Scale,active,,Runs on Nimbus
雲海コンピュート,雲海コンピュート株式会社,neocloud,Japan,Tokyo,Compute,,prospect,pat.procurement,
"""


def _rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _upload(client, url, text, name="import.csv"):
    return client.post(url, {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")})


# Export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd"])
def test_export_escapes_cells_a_spreadsheet_would_run_as_formulas(client, auditor_user, value):
    VendorFactory(name="Evil", notes=value)
    client.force_login(auditor_user)
    [_header, row] = _rows(client.get(reverse("vendors:vendor-export")))
    assert row[csv_io.VENDOR_COLUMNS.index("notes")] == "'" + value


def test_vendor_export_follows_the_list_filters(client, auditor_user):
    compute = Layer.objects.get(code="compute")
    VendorFactory(name="Alpha", kind="hyperscaler", layers=[compute])
    VendorFactory(name="Beta", kind="colocation")
    client.force_login(auditor_user)
    response = client.get(reverse("vendors:vendor-export"), {"kind": "hyperscaler"})
    assert response["Content-Disposition"].startswith('attachment; filename="vendors-')
    header, *rows = _rows(response)
    assert header == csv_io.VENDOR_COLUMNS
    assert [r[0] for r in rows] == ["Alpha"]
    assert rows[0][csv_io.VENDOR_COLUMNS.index("layers")] == "compute"


def test_contract_export_writes_decimal_money_and_iso_dates(client, auditor_user):
    ContractFactory(reference="NS-1", committed_spend="1234567.80", currency="EUR")
    client.force_login(auditor_user)
    header, row = _rows(client.get(reverse("vendors:contract-export")))
    record = dict(zip(header, row, strict=True))
    assert record["committed_spend"] == "1234567.80"
    assert record["currency"] == "EUR"
    assert record["end_date"] == "2027-12-31"
    assert record["notice_deadline"] == "2027-10-02"


# Import -----------------------------------------------------------------------------------


def test_vendor_import_previews_without_writing_then_confirms(client, procurement_user):
    VendorFactory(name="Nimbus Scale", kind="hyperscaler")
    client.force_login(procurement_user)
    url = reverse("vendors:vendor-import")
    preview = _upload(client, url, VENDORS_CSV)
    assert preview.status_code == 200
    assert preview.context["preview"].is_valid
    assert Vendor.objects.count() == 1 and not AuditEvent.objects.exists()
    confirmed = client.post(url, {"payload": preview.context["payload"]})
    assert confirmed.status_code == 302
    helix = Vendor.objects.get(name="Helix GPU Cloud")
    assert helix.runs_on.name == "Nimbus Scale"
    assert helix.processing_regions == ["us-east", "us-west"]
    assert sorted(layer.code for layer in helix.layers.all()) == ["compute", "orchestration"]
    assert Vendor.objects.get(name="雲海コンピュート").owner == procurement_user
    assert AuditEvent.objects.filter(action="vendor.create").count() == 2


def test_vendor_import_with_one_bad_row_shows_each_rows_errors_and_writes_nothing(client, procurement_user):
    VendorFactory(name="Existing")
    text = (
        "name,kind,hq_jurisdiction,layers,status\n"
        "Fine,neocloud,Norway,compute,active\n"
        "existing,neocloud,Norway,,\n"
        "Odd,spaceship,Norway,quantum,\n"
        "fine,neocloud,Norway,,\n"
    )
    client.force_login(procurement_user)
    url = reverse("vendors:vendor-import")
    preview = _upload(client, url, text).context["preview"]
    assert not preview.is_valid
    errors = {row.line: " ".join(row.errors) for row in preview.rows}
    assert errors[2] == ""
    assert "already exists" in errors[3]
    assert "Kind" in errors[4] and "unknown quantum" in errors[4]
    assert "also on line 2" in errors[5]
    assert Vendor.objects.count() == 1


def test_a_tampered_or_invalid_confirmation_writes_nothing(client, procurement_user):
    client.force_login(procurement_user)
    url = reverse("vendors:vendor-import")
    response = client.post(url, {"payload": "forged"}, follow=True)
    assert "expired or was altered" in response.content.decode()
    bad = csv_io.sign_payload("name,kind,hq_jurisdiction\nX,bogus,Y\n", "vendors")
    response = client.post(url, {"payload": bad})
    assert response.status_code == 200 and not response.context["preview"].is_valid
    assert not Vendor.objects.exists()


def test_a_payload_signed_for_contracts_is_refused_by_the_vendor_import(client, procurement_user):
    client.force_login(procurement_user)
    payload = csv_io.sign_payload("name,kind,hq_jurisdiction\nX,other,Y\n", "contracts")
    client.post(reverse("vendors:vendor-import"), {"payload": payload})
    assert not Vendor.objects.exists()


def test_import_rejects_a_file_with_unknown_columns_or_not_utf8(client, procurement_user):
    client.force_login(procurement_user)
    url = reverse("vendors:vendor-import")
    preview = _upload(client, url, "name,kind,hq_jurisdiction,colour\nX,other,Y,red\n").context["preview"]
    assert "Unknown columns: colour" in preview.file_errors[0]
    response = client.post(url, {"file": SimpleUploadedFile("x.csv", "name\nÉ\n".encode("latin-1"))})
    assert "not UTF-8" in response.content.decode()


def test_contract_import_round_trips_an_export(client, procurement_user):
    vendor = VendorFactory(name="Nimbus Scale")
    ContractFactory(vendor=vendor, reference="NS-1", title="=cmd|' /C calc'!A0", committed_spend="99.50")
    client.force_login(procurement_user)
    exported = b"".join(client.get(reverse("vendors:contract-export")).streaming_content).decode()
    Contract.objects.all().delete()
    url = reverse("vendors:contract-import")
    preview = _upload(client, url, exported.lstrip("\ufeff"))
    assert preview.context["preview"].is_valid, [r.errors for r in preview.context["preview"].rows]
    client.post(url, {"payload": preview.context["payload"]})
    contract = Contract.objects.get()
    assert contract.title == "=cmd|' /C calc'!A0"  # unescaped again
    assert str(contract.committed_spend) == "99.50"
    assert AuditEvent.objects.filter(action="contract.create").count() == 1


def test_contract_import_reports_unknown_vendors_and_bad_dates(client, procurement_user):
    VendorFactory(name="Nimbus Scale")
    text = (
        "vendor,reference,title,start_date,end_date,committed_spend,currency\n"
        "Nobody,R1,T,2026-01-01,2027-01-01,10,USD\n"
        "nimbus scale,R2,T,2027-01-01,2026-01-01,10,USD\n"
        "Nimbus Scale,R3,T,2026-01-01,2027-01-01,ten,EURO\n"
    )
    client.force_login(procurement_user)
    preview = _upload(client, reverse("vendors:contract-import"), text).context["preview"]
    errors = [" ".join(row.errors) for row in preview.rows]
    assert "no vendor named “Nobody”" in errors[0]
    assert "after the start date" in errors[1]
    assert "Committed spend" in errors[2] and "Currency" in errors[2]
    assert not Contract.objects.exists()
