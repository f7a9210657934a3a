"""A package generated for submission is a decision: policy-routed sign-off, signatures bound to
its SHA-256, stored with its hash, audited, and verifiable."""

import hashlib
import io
import uuid
import zipfile
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dora import services
from dora.models import FinancialEntity, Submission
from dora.verification import package_verify
from procurement import policies
from procurement.models import AuditEvent
from scorecards.services import ScorecardError
from tests.procurement.factories import PASSWORD, user_with_role
from tests.scorecards.test_signoff_strong_auth import current_code, enrol_totp

REF = date(2026, 12, 31)


@pytest.fixture
def author(demo_register):
    return user_with_role(policies.PROCUREMENT, username="rita.registrar")


@pytest.fixture
def submission(author):
    return services.submission_create(actor=author, ref_date=REF)


def _sign(user, submission, role, decision="approve", comment="", password=PASSWORD):
    return services.submission_sign(
        actor=user,
        submission=Submission.objects.get(pk=submission.pk),
        role=role,
        decision=decision,
        comment=comment,
        password=password,
        request_token=uuid.uuid4(),
    )


def test_generating_stores_the_package_with_its_hash_and_routes_it_by_policy(submission, author):
    assert submission.status == Submission.Status.AWAITING
    assert hashlib.sha256(bytes(submission.package)).hexdigest() == submission.sha256
    roles = sorted(r.role for r in submission.requirements.all())
    # Legal and finance always; security because the register holds highly sensitive data.
    assert {"legal", "finance", "security"} <= set(roles)
    event = AuditEvent.objects.filter(action="dora.submission.create").get()
    assert event.changes["sha256"][1] == submission.sha256


def test_generating_is_refused_while_the_lint_blocks(author):
    FinancialEntity.objects.update(maintains_register=False)
    with pytest.raises(services.RegisterError, match="blocking"):
        services.submission_create(actor=author, ref_date=REF)
    assert not Submission.objects.exists()
    with pytest.raises(ValidationError):
        services.submission_create(actor=author, ref_date=date(2026, 6, 30))


def test_every_required_role_approves_and_the_signatures_are_bound_to_the_hash(submission):
    for n, requirement in enumerate(submission.requirements.order_by("pk"), start=1):
        signer = user_with_role(requirement.role, username=f"s{n}.{requirement.role}")
        signature = _sign(signer, submission, requirement.role)
        assert signature.package_sha256 == submission.sha256
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED and submission.decided_at
    assert AuditEvent.objects.filter(action="dora.submission.approve", object_id=str(submission.pk)).exists()
    result = package_verify(bytes(submission.package))
    assert result.verdict == "genuine" and len(result.signatures) == submission.requirements.count()


def test_the_author_cannot_sign_and_one_person_signs_for_one_role(submission, author):
    author.groups.add(Group.objects.get(name=policies.LEGAL))
    author = type(author).objects.get(pk=author.pk)
    with pytest.raises(services.SeparationOfDutiesViolation):
        _sign(author, submission, policies.LEGAL)
    both = user_with_role(policies.LEGAL, username="two.hats")
    both.groups.add(Group.objects.get(name=policies.FINANCE))
    _sign(both, submission, policies.LEGAL)
    both = type(both).objects.get(pk=both.pk)
    with pytest.raises(services.SeparationOfDutiesViolation):
        _sign(both, submission, policies.FINANCE)


def test_signing_needs_the_password_again_and_the_role(submission):
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    with pytest.raises(services.ReauthenticationFailed):
        _sign(legal, submission, policies.LEGAL, password="wrong")
    with pytest.raises(services.NotAllowed):
        _sign(legal, submission, policies.FINANCE)
    assert not submission.signatures.exists()


def test_a_rejection_needs_a_reason_and_closes_the_package(submission):
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    with pytest.raises(ScorecardError, match="Explain your decision"):
        _sign(legal, submission, policies.LEGAL, decision="reject")
    _sign(legal, submission, policies.LEGAL, decision="reject", comment="B_07.01 audit dates are stale.")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REJECTED
    finance = user_with_role(policies.FINANCE, username="fay.finance")
    with pytest.raises(services.RegisterError, match="not awaiting"):
        _sign(finance, submission, policies.FINANCE)


def test_a_package_whose_stored_bytes_changed_cannot_be_signed(submission):
    Submission.objects.filter(pk=submission.pk).update(package=b"PK tampered")
    with pytest.raises(services.RegisterError, match="SHA-256"):
        _sign(user_with_role(policies.LEGAL, username="lena.legal"), submission, policies.LEGAL)
    assert package_verify(bytes(submission.package)).verdict == "damaged"


def test_a_changed_copy_is_not_genuine_and_a_stranger_is_unknown(submission):
    original = bytes(submission.package)
    folder = submission.filename.removesuffix(".zip")
    changed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("b_02.01.csv"):
                data = data.replace(b"EUR", b"USD")
            target.writestr(info, data)
    result = package_verify(changed.getvalue())
    assert result.verdict == "modified" and result.submission.pk == submission.pk
    assert folder in result.headline
    assert package_verify(b"not a zip").verdict == "unreadable"
    stranger = io.BytesIO()
    with zipfile.ZipFile(stranger, "w") as archive:
        archive.writestr("other/reports/report.json", b"{}")
    assert package_verify(stranger.getvalue()).verdict == "unknown"


def test_signing_through_the_page(client, submission):
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    client.force_login(legal)
    page = client.get(reverse("dora:submission-detail", args=[submission.pk]))
    assert page.status_code == 200 and submission.sha256.encode() in page.content
    token = page.context["form"].fields["request_token"].initial
    url = reverse("dora:submission-sign", args=[submission.pk])
    data = {"role": "legal", "decision": "approve", "password": "wrong", "request_token": token}
    refused = client.post(url, data)
    assert refused.status_code == 422 and b"password is not right" in refused.content
    assert client.post(url, data | {"password": PASSWORD}).status_code == 302
    assert submission.signatures.get().signer == legal


def test_verifying_through_the_page(client, submission, auditor_user):
    client.force_login(auditor_user)
    upload = SimpleUploadedFile(
        submission.filename, bytes(submission.package), content_type="application/zip"
    )
    response = client.post(reverse("dora:verify"), {"package": upload})
    assert response.status_code == 200 and b"Genuine" in response.content
    download = client.get(reverse("dora:submission-download", args=[submission.pk]))
    assert download.content == bytes(submission.package)
    assert download["X-Package-SHA256"] == submission.sha256


# Signed exactly like an evaluation: fresh strong authentication, shared rules (issue 19) --------


def _sign_page(client, submission, **fields):
    data = {"role": "legal", "decision": "approve", "comment": "", "request_token": str(uuid.uuid4())}
    return client.post(reverse("dora:submission-sign", args=[submission.pk]), data | fields)


def _nothing_signed(submission):
    assert not submission.signatures.exists()
    assert not AuditEvent.objects.filter(action="dora.submission.sign").exists()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.AWAITING


def test_a_wrong_password_is_refused_with_a_message_and_nothing_is_written(client, submission):
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    client.force_login(legal)
    refused = _sign_page(client, submission, password="not-it")
    assert refused.status_code == 422
    assert "That password is not right" in refused.content.decode()
    _nothing_signed(submission)
    assert AuditEvent.objects.filter(action="auth.reauth_failed").count() == 1


def test_a_signer_with_an_authenticator_app_must_give_its_code(client, submission):
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    secret = enrol_totp(legal)
    client.force_login(legal)
    page = client.get(reverse("dora:submission-detail", args=[submission.pk])).content.decode()
    assert 'name="code"' in page and 'name="password"' not in page
    # The password alone no longer signs: the form asks for the code.
    missing = _sign_page(client, submission, password=PASSWORD)
    assert missing.status_code == 422 and "This field is required" in missing.content.decode()
    with pytest.raises(services.ReauthenticationFailed, match="code is not right"):
        services.submission_sign(
            actor=legal,
            submission=submission,
            role=policies.LEGAL,
            decision="approve",
            password=PASSWORD,
            request_token=uuid.uuid4(),
        )
    wrong = _sign_page(client, submission, code="000000")
    assert wrong.status_code == 422 and "That code is not right" in wrong.content.decode()
    _nothing_signed(submission)
    assert _sign_page(client, submission, code=current_code(secret)).status_code == 302
    signature = submission.signatures.get()
    assert signature.authenticated_by == "totp"
    event = AuditEvent.objects.get(action="dora.submission.sign")
    assert event.changes["authenticated_by"] == [None, "totp"]
    detail = client.get(reverse("dora:submission-detail", args=[submission.pk])).content.decode()
    assert 'authenticated by <span class="signature-authentication">TOTP</span>' in detail


def test_a_good_password_signature_records_how_the_signer_was_authenticated(client, submission):
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    client.force_login(legal)
    assert _sign_page(client, submission, password=PASSWORD).status_code == 302
    signature = submission.signatures.get()
    assert (signature.signer, signature.authenticated_by) == (legal, "password")
    assert signature.package_sha256 == submission.sha256


def test_a_signer_cannot_sign_twice(client, submission):
    both = user_with_role(policies.LEGAL, username="two.hats")
    both.groups.add(Group.objects.get(name=policies.FINANCE))
    client.force_login(both)
    assert _sign_page(client, submission, password=PASSWORD).status_code == 302
    again = _sign_page(client, submission, role="finance", password=PASSWORD)
    assert again.status_code == 422
    assert "You already signed this package as Legal" in again.content.decode()
    assert submission.signatures.count() == 1
    assert AuditEvent.objects.filter(action="dora.submission.sign").count() == 1


def test_whoever_generated_the_package_cannot_sign_it(client, submission, author):
    author.groups.add(Group.objects.get(name=policies.LEGAL))
    client.force_login(author)
    page = client.get(reverse("dora:submission-detail", args=[submission.pk]))
    assert page.context["form"] is None
    refused = _sign_page(client, submission, password=PASSWORD)
    assert refused.status_code == 422
    assert "You generated this package: someone else must sign it off." in refused.content.decode()
    _nothing_signed(submission)


def test_a_role_already_signed_is_refused_by_the_shared_rule(submission):
    assert submission.requirements.filter(role=policies.LEGAL).count() == 1  # the demo policies
    _sign(user_with_role(policies.LEGAL, username="lena.legal"), submission, policies.LEGAL)
    with pytest.raises(services.InvalidTransition, match="Legal has already signed this package off"):
        _sign(user_with_role(policies.LEGAL, username="leo.legal"), submission, policies.LEGAL)
    assert submission.signatures.count() == 1
