"""Two-factor authentication (allauth.mfa): the policy, enrolment, audit, throttling, tokens."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from procurement import api_tokens, policies
from procurement.models import AuditEvent
from tests.procurement.factories import PASSWORD, admin_user, user_with_role

pytestmark = pytest.mark.django_db


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize(
    ("policy", "role", "must"),
    [
        ("none", "legal", False),
        ("signers", "legal", True),
        ("signers", "finance", True),
        ("signers", "security", True),
        ("signers", "platform", True),
        ("signers", "procurement", False),
        ("signers", "auditor", False),
        ("all", "procurement", True),
        ("all", "auditor", True),
        ("all", None, True),
        ("nonsense", "auditor", True),  # a typo must not switch the policy off
    ],
)
def test_who_must_have_a_second_factor(settings, policy, role, must):
    settings.TWO_FACTOR_REQUIRED = policy
    assert policies.must_use_second_factor(user_with_role(role)) is must


def test_admins_are_signers_for_the_policy(settings):
    settings.TWO_FACTOR_REQUIRED = "signers"
    assert policies.must_use_second_factor(admin_user())


def test_whoever_must_enrol_is_sent_to_enrolment_until_they_do(client, settings, legal_user):
    settings.TWO_FACTOR_REQUIRED = "signers"
    response = client.post(reverse("account_login"), {"login": legal_user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("mfa_index")
    enrol = client.get(reverse("mfa_index"))
    assert enrol.status_code == 200
    assert "Your role needs two-factor authentication" in enrol.content.decode()
    TOTP.activate(legal_user, generate_totp_secret())
    assert client.get(reverse("home")).status_code == 200
    # Signing out is never in the way.
    assert client.post(reverse("account_logout")).status_code == 302


def test_others_are_not_sent_anywhere(client, settings, procurement_user):
    settings.TWO_FACTOR_REQUIRED = "signers"
    client.force_login(procurement_user)
    assert client.get(reverse("home")).status_code == 200


def test_enrolling_and_removing_an_authenticator_app_is_audited(
    client, legal_user, django_capture_on_commit_callbacks
):
    client.post(reverse("account_login"), {"login": legal_user.username, "password": PASSWORD})
    # Adding a factor asks for the password again first.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):  # allauth announces it after commit
        activated = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert activated.status_code == 302
    added = AuditEvent.objects.filter(action="auth.mfa_added", actor_id=legal_user.pk)
    assert sorted(e.changes["kind"] for e in added) == ["recovery_codes", "totp"]
    assert secret not in "".join(e.canonical for e in added)
    deactivated = client.post(reverse("mfa_deactivate_totp"))
    assert deactivated.status_code == 302, deactivated.content.decode()[-1500:]
    assert deactivated["Location"] == reverse("mfa_index"), deactivated["Location"]
    removed = AuditEvent.objects.filter(action="auth.mfa_removed", actor_id=legal_user.pk)
    assert sorted(e.changes["kind"] for e in removed) == ["recovery_codes", "totp"]
    assert not Authenticator.objects.exists()


def test_the_last_factor_stays_while_the_policy_asks_for_one(client, settings, legal_user):
    settings.TWO_FACTOR_REQUIRED = "signers"
    TOTP.activate(legal_user, generate_totp_secret())
    client.post(reverse("account_login"), {"login": legal_user.username, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=legal_user, type="totp").exists()


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def test_wrong_codes_at_sign_in_are_counted_audited_and_locked_out(client, legal_user, axes_on):
    TOTP.activate(legal_user, generate_totp_secret())
    login = {"login": legal_user.username, "password": PASSWORD}
    assert client.post(reverse("account_login"), login)["Location"] == reverse("mfa_authenticate")
    for _ in range(2):
        assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert AccessAttempt.objects.get().failures_since_start == 2
    failed = AuditEvent.objects.filter(action="auth.mfa_failed")
    assert [e.changes["purpose"] for e in failed] == ["sign-in", "sign-in"]
    assert all(e.object_id == str(legal_user.pk) and e.actor_id is None for e in failed)
    locked = client.post(reverse("mfa_authenticate"), {"code": "000001"})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1
    # Not even the right code passes while the lock lasts...
    secret = Authenticator.objects.get(type="totp").wrap().instance.data["secret"]
    assert client.post(reverse("mfa_authenticate"), {"code": code_for(secret)}).status_code == 429
    assert client.get(reverse("home")).status_code == 302
    # ...and the password alone meets the lock too.
    assert Client().post(reverse("account_login"), login).status_code == 429


def test_a_read_write_token_needs_a_second_factor_when_the_policy_asks(settings, legal_user):
    settings.TWO_FACTOR_REQUIRED = "signers"
    with pytest.raises(api_tokens.TokenError, match="two-factor"):
        api_tokens.api_token_create(actor=legal_user, name="erp", read_only=False)
    assert api_tokens.api_token_create(actor=legal_user, name="report", read_only=True).secret
    TOTP.activate(legal_user, generate_totp_secret())
    assert api_tokens.api_token_create(actor=legal_user, name="erp", read_only=False).secret


def test_the_profile_page_says_why_a_read_write_token_is_refused(client, settings, legal_user):
    settings.TWO_FACTOR_REQUIRED = "all"
    TOTP.activate(legal_user, generate_totp_secret())
    Authenticator.objects.filter(user=legal_user).delete()  # removed in the admin, say
    client.force_login(legal_user)
    # Sent to enrol first, like every page but the two-factor ones.
    assert client.post(reverse("profile"), {"name": "erp", "access": "write"}).status_code == 302


def test_someone_elses_passkey_is_not_found(client, legal_user, finance_user):
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    theirs = Authenticator.objects.create(user=finance_user, type="webauthn", data={"name": "Phone"})
    mine = Authenticator.objects.create(user=legal_user, type="webauthn", data={"name": "Laptop"})
    client.force_login(legal_user)
    session = client.session
    request = RequestFactory().get("/")
    request.session, request.user = session, legal_user
    record_authentication(request, legal_user, "password", reauthenticated=True)
    session.save()
    assert client.get(reverse("mfa_edit_webauthn", args=[mine.pk])).status_code == 200
    assert client.get(reverse("mfa_edit_webauthn", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("mfa_remove_webauthn", args=[theirs.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=theirs.pk).exists()


def test_an_admin_removing_a_lost_authenticator_is_audited(client, legal_user):
    staff = admin_user()
    totp = TOTP.activate(legal_user, generate_totp_secret()).instance
    client.force_login(staff)
    path = reverse("admin:mfa_authenticator_delete", args=[totp.pk])
    assert client.post(path, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    event = AuditEvent.objects.get(action="auth.mfa_removed")
    assert (event.actor_id, event.object_id) == (staff.pk, str(legal_user.pk))
    assert event.changes == {"kind": "totp", "authenticator": totp.pk, "by": "admin"}


def test_the_admins_policy_overrides_the_setting_from_the_next_sign_in(client, settings, legal_user):
    from procurement.models import SignInPolicy

    settings.TWO_FACTOR_REQUIRED = "none"
    staff = admin_user()
    client.force_login(staff)
    page = reverse("admin:procurement_signinpolicy_add")
    assert client.post(page, {"two_factor_required": "signers"}).status_code == 302
    assert SignInPolicy.objects.get().two_factor_required == "signers"
    event = AuditEvent.objects.get(action="sign_in_policy.create")
    assert event.changes == {"two_factor_required": [None, "signers"]}
    signer = Client()
    signed_in = signer.post(reverse("account_login"), {"login": legal_user.username, "password": PASSWORD})
    assert signed_in["Location"] == reverse("mfa_index")
    assert signer.get(reverse("home"))["Location"] == reverse("mfa_index")
    with pytest.raises(api_tokens.TokenError):
        api_tokens.api_token_create(actor=legal_user, name="erp", read_only=False)
