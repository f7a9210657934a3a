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
from tests.procurement.factories import PASSWORD, user_with_role

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
    with pytest.raises(ValidationError):
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
    token = page.context["form"].initial["request_token"]
    url = reverse("dora:submission-sign", args=[submission.pk])
    data = {"role": "legal", "decision": "approve", "password": "wrong", "request_token": token}
    refused = client.post(url, data)
    assert refused.status_code == 200 and b"password is not right" in refused.content
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
