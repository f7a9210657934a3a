"""Decision record pages: download by every reader, preview, retry after a failure, verification."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from scorecards.models import DecisionRecord, DecisionRecordFailure, Evaluation
from scorecards.records import pdf
from tests.scorecards.test_records import issued, pdf_text, scored_evaluation

pytestmark = pytest.mark.django_db

READER_ROLES = [
    "procurement_user",
    "legal_user",
    "finance_user",
    "security_user",
    "platform_user",
    "auditor_user",
    "admin",
]


@pytest.fixture
def record(django_capture_on_commit_callbacks) -> DecisionRecord:
    return issued(scored_evaluation(), django_capture_on_commit_callbacks)


def url(name: str, evaluation_id: int) -> str:
    return reverse(f"scorecards:{name}", args=[evaluation_id])


@pytest.mark.parametrize("role", READER_ROLES)
def test_every_role_that_sees_the_evaluation_downloads_the_stored_record(client, request, role, record):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url("record-download", record.evaluation_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="decision-record-{record.number}.pdf"' in response["Content-Disposition"]
    assert hashlib.sha256(response.content).hexdigest() == record.sha256


def test_downloads_serve_the_same_bytes_every_time_without_rendering(
    client, auditor_user, record, monkeypatch
):
    client.force_login(auditor_user)

    def no_rendering(*args, **kwargs):
        raise AssertionError("a download must never render")

    monkeypatch.setattr(pdf, "render", no_rendering)
    first = client.get(url("record-download", record.evaluation_id))
    second = client.get(url("record-download", record.evaluation_id))
    assert first.content == second.content
    assert first["ETag"] == second["ETag"] == f'"{record.sha256}"'
    assert DecisionRecord.objects.get(pk=record.pk).sha256 == record.sha256
    cached = client.get(
        url("record-download", record.evaluation_id), headers={"If-None-Match": first["ETag"]}
    )
    assert cached.status_code == 304


def test_people_without_a_role_and_anonymous_visitors_get_nothing(client, no_role_user, record):
    response = client.get(url("record-download", record.evaluation_id))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(no_role_user)
    for name in ["record-download", "record-status", "record-preview"]:
        assert client.get(url(name, record.evaluation_id)).status_code == 404
    assert client.post(url("record-retry", record.evaluation_id)).status_code == 404
    assert client.get(reverse("scorecards:record-verify")).status_code == 403


def test_an_unknown_evaluation_is_a_404(client, auditor_user):
    client.force_login(auditor_user)
    assert client.get(url("record-download", 999999)).status_code == 404


def test_the_status_page_shows_the_record_and_its_proof(client, auditor_user, record):
    client.force_login(auditor_user)
    response = client.get(url("record-status", record.evaluation_id))
    body = response.content.decode()
    assert response.status_code == 200
    assert record.number in body and record.sha256 in body and record.fingerprint in body
    assert url("record-download", record.evaluation_id) in body
    assert "Retry" not in body


def test_the_status_panel_is_an_htmx_fragment(client, auditor_user, record):
    client.force_login(auditor_user)
    response = client.get(url("record-status", record.evaluation_id), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card record-panel" id="record-panel"')
    assert "<html" not in body


def test_a_draft_offers_a_preview_marked_draft(client, legal_user):
    evaluation = scored_evaluation()
    client.force_login(legal_user)
    body = client.get(url("record-status", evaluation.pk)).content.decode()
    assert "Preview PDF (A4)" in body and "Preview PDF (Letter)" in body
    response = client.get(url("record-preview", evaluation.pk) + "?size=letter")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "DRAFT" in pdf_text(response.content)
    assert not DecisionRecord.objects.exists()


def test_downloading_before_the_decision_points_to_the_preview(client, legal_user):
    evaluation = scored_evaluation()
    client.force_login(legal_user)
    response = client.get(url("record-download", evaluation.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("record-status", evaluation.pk)
    assert "a draft preview is available instead" in response.content.decode()


def test_a_decided_evaluation_previews_its_record_instead(client, legal_user, record):
    client.force_login(legal_user)
    response = client.get(url("record-preview", record.evaluation_id))
    assert response.status_code == 302
    assert response["Location"] == url("record-download", record.evaluation_id)


def test_a_preview_failure_is_a_message_not_a_500(client, legal_user, monkeypatch):
    evaluation = scored_evaluation()

    def broken(html, **kwargs):
        raise pdf.RenderError("OSError: no fonts")

    monkeypatch.setattr(pdf, "render", broken)
    client.force_login(legal_user)
    response = client.get(url("record-preview", evaluation.pk), follow=True)
    assert response.status_code == 200
    assert "The preview could not be rendered" in response.content.decode()


def _decide_with_broken_renderer(monkeypatch, django_capture_on_commit_callbacks) -> Evaluation:
    from tests.scorecards.test_records import decide

    evaluation = scored_evaluation()

    def broken(html, **kwargs):
        raise pdf.RenderError("MemoryError: out of memory while laying out")

    monkeypatch.setattr(pdf, "render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation)
    monkeypatch.undo()
    return evaluation


def test_a_render_failure_shows_a_clear_message_and_a_retry_that_issues_the_record(
    client, procurement_user, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = _decide_with_broken_renderer(monkeypatch, django_capture_on_commit_callbacks)
    client.force_login(procurement_user)
    body = client.get(url("record-status", evaluation.pk)).content.decode()
    assert "The decision record could not be issued." in body
    assert "MemoryError" in body
    assert "Retry issuing the record" in body

    response = client.post(url("record-retry", evaluation.pk), follow=True)
    assert response.status_code == 200
    record = DecisionRecord.objects.get(evaluation=evaluation)
    body = response.content.decode()
    assert f"Decision record {record.number} is issued." in body
    assert record.issued_by == procurement_user


def test_a_retry_that_fails_again_says_so(
    client, procurement_user, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = _decide_with_broken_renderer(monkeypatch, django_capture_on_commit_callbacks)

    def broken(html, **kwargs):
        raise pdf.RenderError("MemoryError: still out of memory")

    monkeypatch.setattr(pdf, "render", broken)
    client.force_login(procurement_user)
    response = client.post(url("record-retry", evaluation.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "could not be rendered" in body and "Retry issuing the record" in body
    assert not DecisionRecord.objects.exists()
    assert DecisionRecordFailure.objects.filter(evaluation=evaluation).count() == 2


def test_auditors_read_but_do_not_retry(
    client, auditor_user, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = _decide_with_broken_renderer(monkeypatch, django_capture_on_commit_callbacks)
    client.force_login(auditor_user)
    body = client.get(url("record-status", evaluation.pk)).content.decode()
    assert "could not be issued" in body and "Retry issuing" not in body
    assert client.post(url("record-retry", evaluation.pk)).status_code == 403
    assert not DecisionRecord.objects.exists()


def test_retry_only_accepts_post(client, procurement_user, record):
    client.force_login(procurement_user)
    assert client.get(url("record-retry", record.evaluation_id)).status_code == 405


def test_retry_on_an_issued_record_changes_nothing(client, procurement_user, record):
    client.force_login(procurement_user)
    client.post(url("record-retry", record.evaluation_id))
    assert DecisionRecord.objects.get().sha256 == record.sha256


def test_a_decided_evaluation_without_a_record_yet_offers_to_issue_it(client, procurement_user):
    evaluation = scored_evaluation()
    Evaluation.objects.filter(pk=evaluation.pk).update(status="approved", decided_at=timezone.now())
    client.force_login(procurement_user)
    body = client.get(url("record-status", evaluation.pk)).content.decode()
    assert "Issue the record now" in body


# Verification page ------------------------------------------------------------------------------


def _verify(client, data: bytes, name="record.pdf", htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post(reverse("scorecards:record-verify"), {"file": upload}, headers=headers)


def test_the_verification_page_explains_the_fingerprint(client, auditor_user):
    client.force_login(auditor_user)
    body = client.get(reverse("scorecards:record-verify")).content.decode()
    assert "SHA-256 of the PDF file" in body
    assert "the fingerprint is the SHA-256 of the record's <em>content</em>" in body


def test_the_verification_page_accepts_the_record(client, auditor_user, record):
    client.force_login(auditor_user)
    body = _verify(client, bytes(record.pdf)).content.decode()
    assert f"Genuine: this is decision record {record.number}, exactly as issued." in body
    assert record.evaluation.title in body


def test_the_verification_page_rejects_a_modified_copy(client, auditor_user, record):
    client.force_login(auditor_user)
    response = _verify(client, bytes(record.pdf) + b"\n%tampered\n", htmx=True)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="verify-result"')
    assert f"claims to be decision record {record.number}" in body
    assert record.evaluation.title in body
    assert "Genuine" not in body


def test_the_verification_page_escapes_what_the_file_claims(client, auditor_user):
    client.force_login(auditor_user)
    forged = pdf.html_to_pdf(
        '<head><meta name="computeregisterfingerprint" content="<script>alert(1)</script>"></head><p>x</p>'
    )
    body = _verify(client, forged, name="<b>x</b>.pdf").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<b>x</b>" not in body


def test_the_verification_page_needs_a_file(client, auditor_user):
    client.force_login(auditor_user)
    response = client.post(reverse("scorecards:record-verify"), {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_verification_refuses_oversized_files(client, auditor_user, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(auditor_user)
    body = _verify(client, b"%PDF-" + b"0" * 2048).content.decode()
    assert "larger than" in body


def test_the_evaluation_page_panel_loads_the_record_state_and_links_there_without_javascript(
    rf, auditor_user
):
    from django.template.loader import render_to_string

    evaluation = scored_evaluation()
    html = render_to_string("scorecards/record/_evaluation_panel.html", {"evaluation": evaluation})
    status_url = url("record-status", evaluation.pk)
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="load"' in html
    assert f'href="{status_url}"' in html and "Preview the decision record (draft)" in html


def test_the_verification_page_lists_the_latest_records_and_those_still_missing(client, auditor_user, record):
    stuck = scored_evaluation(title="Decided while the renderer was down")
    Evaluation.objects.filter(pk=stuck.pk).update(status="approved", decided_at=timezone.now())
    client.force_login(auditor_user)
    body = client.get(reverse("scorecards:record-verify")).content.decode()
    assert f"{record.number} (PDF)" in body and url("record-download", record.evaluation_id) in body
    assert "Decided, but no record issued yet" in body and "Decided while the renderer was down" in body


def test_the_dashboard_points_readers_to_the_records(client, auditor_user, no_role_user):
    client.force_login(auditor_user)
    body = client.get(reverse("home")).content.decode()
    assert "Decision records" in body and reverse("scorecards:record-verify") in body
    client.force_login(no_role_user)
    assert "Latest records, and verification of a copy" not in client.get(reverse("home")).content.decode()
