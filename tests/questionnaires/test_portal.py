"""The portal: a token opens one questionnaire and nothing else; drafts, files, submit, read-only."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from procurement.models import AuditEvent
from questionnaires import services, tokens
from questionnaires.models import AccessLink, AnswerFile, Questionnaire, Recipient

from .factories import PDF, answers_by_code, field, office_file, portal_path, required_values, send, token_of

pytestmark = pytest.mark.django_db

INVALID = "This link does not open a questionnaire"


def test_the_token_opens_its_questionnaire_without_an_account_or_a_session(client, token, questionnaire):
    response = client.get(portal_path(token))
    assert response.status_code == 200
    assert questionnaire.title in response.content.decode()
    assert "sessionid" not in response.cookies and "__Host-sessionid" not in response.cookies
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"  # the token never leaves for another site


def test_only_the_hash_of_a_token_is_stored(token):
    link = AccessLink.objects.get(digest=tokens.digest_of(token))
    assert token not in repr(list(AccessLink.objects.values()))
    assert link.digest != token and len(link.digest) == 64


def _refused(client, token):
    response = client.get(portal_path(token))
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    return response.content


def test_a_wrong_token_an_expired_one_and_a_revoked_one_get_the_same_page(
    client, procurement_user, questionnaire, recipient, token
):
    wrong = _refused(client, tokens.new_token())
    other = send(procurement_user, title="Another")
    expired_token = token_of(procurement_user, other.recipients.get())
    Recipient.objects.filter(pk=other.recipients.get().pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = _refused(client, expired_token)
    services.recipient_revoke(actor=procurement_user, recipient=recipient)
    revoked = _refused(client, token)
    assert wrong == expired == revoked  # nothing tells them apart
    assert b"Due diligence" not in wrong


def test_another_questionnaires_token_reaches_only_that_one(client, procurement_user, questionnaire, token):
    other = send(procurement_user, title="Second questionnaire")
    other_token = token_of(procurement_user, other.recipients.get())
    page = client.get(portal_path(other_token)).content.decode()
    assert "Second questionnaire" in page and f"/portal/{token}" not in page
    # A file of the first questionnaire cannot be removed through the second one's token.
    client.post(
        portal_path(token),
        {"action": "save", field(questionnaire, "4.3"): SimpleUploadedFile("c.pdf", PDF)},
    )
    attached = AnswerFile.objects.get()
    response = client.post(f"/portal/{other_token}/files/{attached.pk}/remove/")
    assert response.status_code == 404 and "not attached to this questionnaire" in response.content.decode()
    assert AnswerFile.objects.filter(pk=attached.pk).exists()


@pytest.mark.parametrize("value", ["", "qp_", "x" * 500, "qp_" + "A" * 200, "../../etc/passwd", "%00"])
def test_malformed_tokens_are_refused(client, value):
    response = client.get(f"/portal/{value}/") if "/" not in value else client.get("/portal/..%2F..%2Fetc/")
    assert response.status_code == 404


def test_a_token_grants_nothing_outside_the_portal(client, token, procurement_user):
    client.get(portal_path(token))
    for path in ["/", "/vendors/", "/questionnaires/", f"/questionnaires/{1}/", "/evaluations/", "/profile/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_opening_is_audited_once_with_the_contact_named(client, token, recipient):
    client.get(portal_path(token))
    client.get(portal_path(token))
    events = AuditEvent.objects.filter(action="questionnaire.portal_open")
    assert events.count() == 1
    event = events.get()
    assert event.actor_id is None and event.actor_name == recipient.label


def test_a_draft_is_saved_and_shown_again(client, token, questionnaire):
    data = {"action": "save", field(questionnaire, "1.1"): "128", field(questionnaire, "1.4"): "yes"}
    response = client.post(portal_path(token), data)
    assert response.status_code == 302
    answers = answers_by_code(questionnaire)
    assert answers["1.1"].value == "128" and answers["1.4"].value is True
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.OPEN
    page = client.get(portal_path(token)).content.decode()
    assert 'value="128"' in page
    assert AuditEvent.objects.filter(action="questionnaire.portal_save").count() == 1


def test_every_answer_type_is_stored_in_its_shape(client, token, questionnaire):
    data = {
        "action": "save",
        field(questionnaire, "1.1"): "1.50",
        field(questionnaire, "1.5"): "Monthly",
        field(questionnaire, "4.1"): ["ISO/IEC 27001", "BSI C5"],
        field(questionnaire, "1.7"): "2027-03-01",
        field(questionnaire, "1.6"): "  New racks in Q2  ",
        field(questionnaire, "2.2"): "no",
    }
    assert client.post(portal_path(token), data).status_code == 302
    a = answers_by_code(questionnaire)
    assert (a["1.1"].value, a["1.5"].value, a["4.1"].value) == ("1.5", "Monthly", ["ISO/IEC 27001", "BSI C5"])
    assert (a["1.7"].value, a["1.6"].value, a["2.2"].value) == ("2027-03-01", "New racks in Q2", False)


@pytest.mark.parametrize(
    "code,value",
    [
        ("1.1", "-3"),
        ("1.1", "NaN"),
        ("1.1", "1e309"),
        ("1.1", "9" * 30),
        ("1.7", "2026-02-30"),
        ("1.7", "0001-01-01"),
        ("1.5", "Hourly"),
        ("4.1", "Nope"),
        ("1.4", "maybe"),
        ("1.6", "x" * 5001),
        ("1.6", "nul\x00inside"),
    ],
)
def test_invalid_answers_are_refused_with_a_message_and_nothing_is_written(
    client, token, questionnaire, code, value
):
    before = AuditEvent.objects.count()
    response = client.post(portal_path(token), {"action": "save", field(questionnaire, code): value})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert answers_by_code(questionnaire)[code].value is None
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("kind", ["pdf", "docx", "xlsx", "pptx", "odt", "ods"])
def test_pdf_and_office_files_are_accepted_by_their_content(client, token, questionnaire, kind):
    content = PDF if kind == "pdf" else office_file(kind)
    upload = SimpleUploadedFile(f"report.{kind}", content, content_type="application/octet-stream")
    response = client.post(portal_path(token), {"action": "save", field(questionnaire, "4.3"): upload})
    assert response.status_code == 302
    attached = AnswerFile.objects.get()
    assert attached.extension == kind and attached.file.name.endswith(f".{kind}")
    assert attached.original_name == f"report.{kind}"


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, "not a file type we accept"),
        ("report.docx", b"PK\x03\x04garbage-not-a-zip", "not a file type we accept"),
        ("report.docx", b"", "empty"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "not a file type we accept"),
    ],
)
def test_files_that_lie_or_are_empty_are_refused(client, token, questionnaire, name, content, reason):
    response = client.post(
        portal_path(token), {"action": "save", field(questionnaire, "4.3"): SimpleUploadedFile(name, content)}
    )
    page = response.content.decode()
    assert response.status_code == 200 and (reason in page or "The submitted file is empty" in page)
    assert not AnswerFile.objects.exists()


def test_a_zip_that_is_not_an_office_file_is_refused(client, token, questionnaire):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    response = client.post(
        portal_path(token),
        {"action": "save", field(questionnaire, "4.3"): SimpleUploadedFile("x.xlsx", buffer.getvalue())},
    )
    assert "not a file type we accept" in response.content.decode()
    assert not AnswerFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, token, questionnaire, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", PDF + b"%" * 2000)
    response = client.post(portal_path(token), {"action": "save", field(questionnaire, "4.3"): upload})
    assert "larger than the limit of 1.0" in response.content.decode()
    assert not AnswerFile.objects.exists()


def test_an_attached_file_can_be_removed_before_submitting(client, token, questionnaire):
    client.post(
        portal_path(token), {"action": "save", field(questionnaire, "4.3"): SimpleUploadedFile("c.pdf", PDF)}
    )
    attached = AnswerFile.objects.get()
    assert client.post(f"/portal/{token}/files/{attached.pk}/remove/").status_code == 302
    assert not AnswerFile.objects.exists()
    assert AuditEvent.objects.filter(action="questionnaire.portal_file_remove").count() == 1


def test_submitting_needs_every_required_answer(client, token, questionnaire):
    response = client.post(portal_path(token), {"action": "submit", field(questionnaire, "1.1"): "10"})
    assert response.status_code == 200
    assert "Answer every required question before submitting" in response.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.OPEN
    assert answers_by_code(questionnaire)["1.1"].value is None  # the refused submit wrote nothing


def test_after_submitting_the_contact_sees_exactly_what_was_sent_read_only(
    client, token, questionnaire, procurement_user, django_capture_on_commit_callbacks
):
    data = {"action": "submit", **required_values(questionnaire)}
    data[field(questionnaire, "4.3")] = SimpleUploadedFile("iso.pdf", PDF)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(portal_path(token), data).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.SUBMITTED
    submission = questionnaire.submissions.get()
    assert '"256"' in submission.content and "iso.pdf" in submission.content
    page = client.get(portal_path(token)).content.decode()
    assert "read-only copy" in page and "256" in page and "iso.pdf" in page and submission.sha256 in page
    assert "<form" not in page
    # A later post changes nothing.
    client.post(portal_path(token), {"action": "save", field(questionnaire, "1.1"): "999"})
    assert answers_by_code(questionnaire)["1.1"].value == "256"
    from django.core import mail

    assert any(procurement_user.email in m.to and "submitted" in m.subject for m in mail.outbox)


def test_the_portal_is_rate_limited_per_token(client, token, settings):
    settings.PORTAL_RATE_PER_TOKEN = 3
    statuses = [client.get(portal_path(token)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_the_portal_is_rate_limited_per_address_whatever_the_token(client, settings):
    settings.PORTAL_RATE_PER_ADDRESS = 4
    statuses = [client.get(portal_path(tokens.new_token())).status_code for _ in range(6)]
    assert statuses == [404, 404, 404, 404, 429, 429]
    other_address = Client(REMOTE_ADDR="192.0.2.99")
    assert other_address.get(portal_path(tokens.new_token())).status_code == 404


def test_a_revoked_contact_is_refused_at_once_even_mid_draft(
    client, token, questionnaire, procurement_user, recipient
):
    client.post(portal_path(token), {"action": "save", field(questionnaire, "1.1"): "10"})
    services.recipient_revoke(actor=procurement_user, recipient=recipient)
    response = client.post(portal_path(token), {"action": "save", field(questionnaire, "1.1"): "20"})
    assert response.status_code == 404
    assert answers_by_code(questionnaire)["1.1"].value == "10"


def test_the_token_never_reaches_the_log_of_refusals(client, caplog):
    secret = tokens.new_token()
    with caplog.at_level("WARNING", logger="procurement.denied"):
        client.get(portal_path(secret))
    denied = [r for r in caplog.records if r.name == "procurement.denied"]
    assert denied and all(secret not in r.getMessage() for r in denied)


def test_no_log_line_carries_a_portal_token():
    import logging

    from procurement.middleware import RedactPortalTokens

    secret = tokens.new_token()
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/portal/{secret}/",), None
    )
    RedactPortalTokens().filter(record)
    assert secret not in record.getMessage() and "/portal/<token>/" in record.getMessage()
