"""Every file upload the pages offer refuses, clearly, a file that lies about its type, an empty
file and one over the size limit; nothing is stored and nothing written.

The upload forms are found in the pages' HTML (any form with a file input), so a new upload
form is covered as soon as its page is in the access table.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from scorecards.records import pdf
from tests.vendors.factories import PDF_BYTES

from .expectations import PAGES
from .forms_found import forms_in
from .matrix import rolled_back, unexpected_writes, watching_writes
from .test_hostile_input import PREFERRED
from .world import build_world

pytestmark = pytest.mark.django_db

LIMIT = 4096  # bytes, for the test: the size limit is MAX_UPLOAD_BYTES
# Files every upload form must refuse, whatever it accepts.
CASES = {
    "an executable named .pdf": ("contract.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
    "a web page named .png": ("chart.png", b"<html><script>alert(1)</script></html>"),
    "an empty PDF": ("empty.pdf", b""),
    "an oversized PDF": ("huge.pdf", PDF_BYTES + b"%" * (LIMIT + 1)),
}
REFUSAL_WORDS = ("empty", "larger", "limit", "not a pdf", "only pdf", "not start like", "png", "csv", "file")


def _upload_forms(world):
    """(page name, action path, signed-in client, form) for every form with a file input."""
    clients = {}
    seen = {}
    for name, spec in PAGES.items():
        if not spec.get or not (spec.get - {"anonymous"}):
            continue
        # The people who upload: procurement (documents, evidence, imports), legal, then admins.
        principal = next(p for p in ["procurement", "legal", "admin", *PREFERRED] if p in spec.get)
        if principal not in clients:
            clients[principal] = Client()
            clients[principal].force_login(world.users[principal])
        client = clients[principal]
        path = reverse(name, kwargs=spec.args(world) if spec.args else {})
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_in(response.content.decode(), path):
            if form.file_fields and form.action not in seen:
                seen[form.action] = (name, form.action, client, form)
    return list(seen.values())


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_every_upload_form_refuses_disguised_empty_and_oversized_files(settings, monkeypatch):
    monkeypatch.setattr(pdf, "render", lambda html, **kwargs: pdf.Rendered(PDF_BYTES, 1))
    world = build_world()
    settings.MAX_UPLOAD_BYTES = LIMIT
    forms = _upload_forms(world)
    actions = {action for _, action, _, _ in forms}
    # Contract documents, evidence, both CSV imports and the decision-record check at least.
    assert len(forms) >= 5, actions
    media = Path(settings.MEDIA_ROOT)
    failures = []
    for page, action, client, form in forms:
        for case, (filename, content) in CASES.items():
            if action.endswith("/import/") and case == "an oversized PDF":
                continue  # imports have their own limit, tested below with a CSV
            data = {name: value for name, value in form.fields.items() if name not in form.file_fields}
            for field_name in form.file_fields:
                data[field_name] = SimpleUploadedFile(filename, content)
            before = _stored_files(media)
            with rolled_back(), watching_writes() as tables:
                response = client.post(action, data)
            where = f"{case} posted to {action} (from {page})"
            text = response.content.decode(errors="replace").lower()
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            elif response.status_code in (302, 303):
                failures.append(f"{where}: accepted (redirect to {response['Location']})")
            elif not any(word in text for word in REFUSAL_WORDS) or (
                "invalid-feedback" not in text and "alert" not in text
            ):
                failures.append(f"{where}: refused without a visible reason")
            written = [
                t
                for t in unexpected_writes(tables)
                if t != "procurement_auditevent" or "verify" not in action
            ]
            if written:
                failures.append(f"{where}: wrote to {written}")
            if _stored_files(media) != before:
                failures.append(f"{where}: stored a file")
    assert not failures, "\n".join(failures)


def test_a_csv_import_over_its_limit_is_refused(client, procurement_user, monkeypatch):
    from vendors import forms as vendor_forms

    monkeypatch.setattr(vendor_forms, "MAX_IMPORT_BYTES", 64)
    client.force_login(procurement_user)
    body = b"name,kind,hq_jurisdiction\n" + b"Fjord GPU,neocloud,Norway\n" * 10
    response = client.post(reverse("vendors:vendor-import"), {"file": SimpleUploadedFile("v.csv", body)})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
