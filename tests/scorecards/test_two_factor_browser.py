"""Issue 19 in the browser: a signer enrols an authenticator app, signs with its code, and the
signature says "TOTP" on the evaluation and in the decision record's PDF."""

import subprocess
import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from scorecards import records, signoff
from scorecards.models import Signature
from tests.procurement.factories import PASSWORD

from .factories import all_scores, evaluation_with_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def totp_code(secret: str) -> str:
    """What the person's authenticator app shows now (allauth's own RFC 6238 helper), never in a
    window's last seconds: the code must still be current when the server reads it."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def pdf_text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def test_a_signer_enrols_totp_signs_with_the_code_and_the_record_says_totp(
    page,
    live_server,
    sign_in,
    settings,
    procurement_user,
    legal_user,
    finance_user,
    security_user,
    platform_user,
):
    settings.TWO_FACTOR_REQUIRED = "signers"
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    # The other sign-offs first (with a password: no second factor yet); legal's decides.
    others = {"finance": finance_user, "security": security_user, "platform": platform_user}
    required = evaluation.rounds.get(outcome="open").requirements.values_list("role", flat=True)
    for role in sorted(set(required) - {"legal"}):
        signoff.signoff_record(
            actor=others[role],
            evaluation=evaluation,
            role=role,
            decision="approve",
            password=PASSWORD,
            request_token=uuid.uuid4(),
        )

    # Signing in, a signer is sent to enrol a second factor.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(legal_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/")
    expect(page.get_by_text("Your role needs two-factor authentication")).to_be_visible()

    page.get_by_role("link", name="Activate").click()
    # Adding a factor asks for the password again.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()

    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/sign/")
    expect(page.get_by_label("Your password")).to_have_count(0)
    page.get_by_label("Approve —").check()
    page.get_by_label("Authenticator code").fill("000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.get_by_label("Approve —").check()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_text("Signed: I approve this evaluation as the legal reviewer.")).to_be_visible()
    expect(page.locator(".signature-authentication", has_text="TOTP")).to_be_visible()
    assert Signature.objects.get(signer=legal_user).authenticated_by == "totp"

    record = records.existing_record(evaluation.pk)
    assert record is not None  # issued when the deciding signature committed
    download = page.request.get(f"{live_server.url}/evaluations/{evaluation.pk}/record/download/")
    assert download.ok
    text = pdf_text(download.body())
    assert "authenticated by TOTP" in text
    assert "authenticated by password" in text  # finance's
