"""Signing needs a fresh strong authentication, and the signature says which (issue 19).

The signer gives the strongest factor they have: the authenticator app's code (or a recovery code)
once they enrolled one, a passkey or a fresh IdP sign-in confirmed within REAUTHENTICATION_SECONDS,
else their password. Wrong codes are throttled and audited like wrong passwords.
"""

import time
import uuid

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.socialaccount.models import SocialAccount
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from procurement import signin
from procurement.models import AuditEvent
from scorecards import signoff
from scorecards.models import Signature
from scorecards.records.content import _signoff_part
from tests.procurement.factories import PASSWORD, user_with_role

from .factories import all_scores, evaluation_with_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(procurement_user):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def enrol_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_page(client, evaluation, **fields):
    data = {"role": "legal", "decision": "approve", "comment": "", "request_token": str(uuid.uuid4())}
    return client.post(reverse("scorecards:evaluation-sign", args=[evaluation.pk]), data | fields)


def test_a_signer_with_an_authenticator_app_signs_with_its_code(client, legal_user, submitted):
    secret = enrol_totp(legal_user)
    client.force_login(legal_user)
    page = client.get(reverse("scorecards:evaluation-sign", args=[submitted.pk])).content.decode()
    assert 'name="code"' in page and 'name="password"' not in page
    # The password is no longer enough.
    refused = sign_page(client, submitted, password=PASSWORD)
    assert refused.status_code == 422 and not Signature.objects.exists()
    wrong = sign_page(client, submitted, code="123456")
    assert wrong.status_code == 422 and "That code is not right" in wrong.content.decode()
    response = sign_page(client, submitted, code=current_code(secret))
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.authenticated_by == "totp"
    assert signature.get_authenticated_by_display() == "TOTP"
    event = AuditEvent.objects.get(action="signoff.sign")
    assert event.changes["authenticated_by"] == [None, "totp"]
    detail = client.get(reverse("scorecards:evaluation-detail", args=[submitted.pk])).content.decode()
    assert 'authenticated by <span class="signature-authentication">TOTP</span>' in detail


def test_the_same_code_does_not_sign_twice(legal_user, finance_user, submitted):
    secret = enrol_totp(legal_user)
    code = current_code(secret)
    outcome, method = signin.fresh_authentication(None, legal_user, code=code, purpose="test")
    assert (outcome, method) == (signin.Reauthentication.CONFIRMED, "totp")
    outcome, _ = signin.fresh_authentication(None, legal_user, code=code, purpose="test")
    assert outcome is signin.Reauthentication.NOT_CONFIRMED


def test_a_recovery_code_signs_once(client, legal_user, submitted):
    enrol_totp(legal_user)
    codes = RecoveryCodes.activate(legal_user).get_unused_codes()
    client.force_login(legal_user)
    assert sign_page(client, submitted, code=codes[0]).status_code == 302
    assert Signature.objects.get().authenticated_by == "recovery_code"
    assert codes[0] not in RecoveryCodes(Authenticator.objects.get(type="recovery_codes")).get_unused_codes()


def test_wrong_codes_are_audited_and_count_towards_the_sign_in_lockout(
    client, legal_user, submitted, axes_on
):
    secret = enrol_totp(legal_user)
    client.force_login(legal_user)
    for _ in range(2):
        assert sign_page(client, submitted, code="000000").status_code == 422
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == (legal_user.username, 2)
    events = AuditEvent.objects.filter(action="auth.mfa_failed")
    assert events.count() == 2
    assert events.first().changes == {"purpose": "sign-off", "locked_out": False}
    assert "000000" not in events.first().canonical
    sign_page(client, submitted, code="000001")  # the third: locked
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1
    locked = sign_page(client, submitted, code=current_code(secret))
    assert locked.status_code == 422  # our page with a message, not axes' lockout page
    assert "Too many wrong codes" in locked.content.decode()
    assert not Signature.objects.exists()
    client.logout()
    assert (
        client.post(
            reverse("account_login"), {"login": legal_user.username, "password": PASSWORD}
        ).status_code
        == 429
    )


def _request_for(user):
    request = RequestFactory().post("/")
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request.user = user
    return request


def test_a_passkey_only_signer_signs_after_confirming_the_passkey(legal_user, submitted):
    passkey = Authenticator.objects.create(user=legal_user, type="webauthn", data={"name": "Laptop"})
    request = _request_for(legal_user)
    assert signin.required_method(legal_user) == "passkey"
    with pytest.raises(signoff.ReauthenticationFailed, match="passkey"):
        signoff.signoff_record(
            actor=legal_user,
            evaluation=submitted,
            role="legal",
            decision="approve",
            password=PASSWORD,
            request_token=uuid.uuid4(),
            request=request,
        )
    record_authentication(request, legal_user, "mfa", id=passkey.pk, type="webauthn", reauthenticated=True)
    signature = signoff.signoff_record(
        actor=legal_user,
        evaluation=submitted,
        role="legal",
        decision="approve",
        request_token=uuid.uuid4(),
        request=request,
    )
    assert signature.authenticated_by == "passkey"


def test_a_passkey_confirmation_goes_stale(legal_user, settings):
    passkey = Authenticator.objects.create(user=legal_user, type="webauthn", data={"name": "Laptop"})
    request = _request_for(legal_user)
    record_authentication(request, legal_user, "mfa", id=passkey.pk, type="webauthn", reauthenticated=True)
    assert signin.recent_passkey(request, legal_user)
    records = request.session["account_authentication_methods"]
    records[-1]["at"] -= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1
    assert not signin.recent_passkey(request, legal_user)


def test_an_sso_signer_signs_after_a_fresh_sign_in_at_the_idp(submitted):
    signer = user_with_role("legal", username="sam.sso")
    signer.set_unusable_password()
    signer.save()
    SocialAccount.objects.create(user=signer, provider="sso", uid="sam-1")
    request = _request_for(signer)
    assert signin.required_method(signer) == "sso"
    with pytest.raises(signoff.ReauthenticationFailed, match="identity provider"):
        signoff.signoff_record(
            actor=signer,
            evaluation=submitted,
            role="legal",
            decision="approve",
            request_token=uuid.uuid4(),
            request=request,
        )
    record_authentication(request, signer, "socialaccount", provider="sso", uid="sam-1")
    signature = signoff.signoff_record(
        actor=signer,
        evaluation=submitted,
        role="legal",
        decision="approve",
        request_token=uuid.uuid4(),
        request=request,
    )
    assert signature.authenticated_by == "sso"


def test_the_sign_page_of_an_sso_signer_asks_for_a_fresh_idp_sign_in(client, submitted):
    signer = user_with_role("legal", username="sam.sso")
    signer.set_unusable_password()
    signer.save()
    SocialAccount.objects.create(user=signer, provider="sso", uid="sam-1")
    client.force_login(signer)
    page = client.get(reverse("scorecards:evaluation-sign", args=[submitted.pk])).content.decode()
    assert "sign in again at your identity provider first" in page
    assert 'name="password"' not in page and 'name="code"' not in page


def test_a_password_signer_is_recorded_as_such_and_the_record_says_how(legal_user, finance_user, submitted):
    signoff.signoff_record(
        actor=legal_user,
        evaluation=submitted,
        role="legal",
        decision="approve",
        password=PASSWORD,
        request_token=uuid.uuid4(),
    )
    secret = enrol_totp(finance_user)
    signoff.signoff_record(
        actor=finance_user,
        evaluation=submitted,
        role="finance",
        decision="approve",
        code=current_code(secret),
        request_token=uuid.uuid4(),
    )
    submitted.refresh_from_db()
    signatures = _signoff_part(submitted)["signatures"]
    assert {s["role"]: s["authenticated_by"] for s in signatures} == {"Legal": "password", "Finance": "TOTP"}
