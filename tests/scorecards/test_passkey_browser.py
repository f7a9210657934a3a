"""A signer adds a passkey (Chromium's virtual authenticator stands in for the security key),
confirms it before signing, and the signature says "passkey"."""

import pytest
from playwright.sync_api import expect

from procurement.models import AuditEvent
from scorecards import signoff
from scorecards.models import Signature
from tests.procurement.factories import PASSWORD

from .factories import all_scores, evaluation_with_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def virtual_authenticator(page):
    """A platform authenticator that says yes: WebAuthn through Chrome's DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_a_signer_adds_a_passkey_and_signs_after_confirming_it(
    page, live_server, virtual_authenticator, procurement_user, legal_user, finance_user
):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(legal_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()  # the first factor brings them
    assert AuditEvent.objects.filter(action="auth.mfa_added", changes__kind="webauthn").exists()

    sign_page = f"{live_server.url}/evaluations/{evaluation.pk}/sign/"
    page.goto(sign_page)
    expect(page.get_by_text("confirm it is you with your passkey first")).to_be_visible()
    page.get_by_role("link", name="Confirm with a passkey instead").click()
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(sign_page)
    expect(page.get_by_text("Confirmed with your passkey.")).to_be_visible()
    page.get_by_label("Approve —").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Signed: I approve this evaluation as the legal reviewer.")).to_be_visible()
    expect(page.locator(".signature-authentication", has_text="passkey")).to_be_visible()
    assert Signature.objects.get(signer=legal_user).authenticated_by == "passkey"
