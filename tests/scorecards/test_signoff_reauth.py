"""The password asked for again before signing goes through axes: throttled, logged, audited."""

import logging
import uuid

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from procurement.models import AuditEvent
from scorecards import signoff
from scorecards.models import Signature
from tests.procurement.factories import PASSWORD

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


def sign(client, evaluation, password, **extra):
    data = {
        "role": "legal",
        "decision": "approve",
        "comment": "",
        "password": password,
        "request_token": str(uuid.uuid4()),
    }
    return client.post(reverse("scorecards:evaluation-sign", args=[evaluation.pk]), data, **extra)


def test_wrong_passwords_before_signing_count_towards_the_sign_in_lockout(
    client, legal_user, submitted, axes_on
):
    client.force_login(legal_user)
    for _ in range(2):
        assert sign(client, submitted, "guess").status_code == 422
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == (legal_user.username, 2)
    # The third wrong password reaches the limit: even the right one is refused afterwards.
    sign(client, submitted, "guess")
    locked = sign(client, submitted, PASSWORD)
    assert locked.status_code == 422
    assert "Too many wrong passwords" in locked.content.decode()
    assert not Signature.objects.exists()
    # The lock is the sign-in lock too.
    client.logout()
    refused = client.post(reverse("account_login"), {"login": legal_user.username, "password": PASSWORD})
    assert refused.status_code == 429


def test_a_locked_out_signer_sees_the_sign_page_with_a_message_not_an_error_page(
    client, legal_user, submitted, axes_on
):
    client.force_login(legal_user)
    for _ in range(3):
        response = sign(client, submitted, "guess")
    page = response.content.decode()
    assert response.status_code == 422
    assert "Too many wrong passwords" in page and 'name="password"' in page


def test_a_failed_reauthentication_is_audited_without_the_password(client, legal_user, submitted):
    client.force_login(legal_user)
    sign(client, submitted, "hunter2-typed-wrong")
    event = AuditEvent.objects.get(action="auth.reauth_failed")
    assert (event.actor_id, event.object_id, event.object_label) == (
        legal_user.pk,
        str(legal_user.pk),
        legal_user.username,
    )
    assert event.changes == {"purpose": "sign-off", "locked_out": False}
    assert "hunter2" not in event.canonical


def test_the_lockout_reached_while_signing_is_audited_as_locked_out(client, legal_user, submitted, axes_on):
    client.force_login(legal_user)
    for _ in range(3):
        sign(client, submitted, "guess")
    flags = list(
        AuditEvent.objects.filter(action="auth.reauth_failed")
        .order_by("sequence")
        .values_list("changes__locked_out", flat=True)
    )
    assert flags == [False, False, True]
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert (lockout.object_id, lockout.actor_id) == (str(legal_user.pk), legal_user.pk)


def test_a_failed_reauthentication_is_logged_as_denied(client, legal_user, submitted, caplog):
    client.force_login(legal_user)
    with caplog.at_level(logging.WARNING, logger="procurement.denied"):
        sign(client, submitted, "guess")
    (record,) = [r for r in caplog.records if r.name == "procurement.denied"]
    assert (record.status, record.user) == (401, legal_user.username)
    assert "re-authentication" in record.getMessage() and "guess" not in record.getMessage()


def test_the_right_password_below_the_limit_still_signs(client, legal_user, submitted, axes_on):
    client.force_login(legal_user)
    sign(client, submitted, "guess")
    assert sign(client, submitted, PASSWORD).status_code == 302
    assert Signature.objects.get().signer == legal_user
