"""In Chromium: the interactive API docs work under the strict CSP, and a token is made on the profile."""

import pytest
from django.contrib.auth.models import Group

from procurement import policies
from procurement.models import ApiToken

from .conftest import ApiClient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    # A transactional test's flush empties the role groups the migration created.
    for role in policies.ROLES:
        Group.objects.get_or_create(name=role)


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def test_the_docs_run_a_request_with_the_session_under_the_csp(page, live_server, sign_in, procurement_user):
    errors = _console_errors(page)
    outside: list[str] = []
    page.on("request", lambda r: r.url.startswith(live_server.url) or outside.append(r.url))
    sign_in(page, procurement_user)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/me").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    body = page.locator(".live-responses-table .response-col_description .microlight").first
    body.wait_for()
    assert procurement_user.username in body.inner_text()
    assert page.locator(".opblock").count() > 20
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    assert outside == []


def test_a_person_creates_a_token_on_the_profile_page_and_it_works(page, live_server, sign_in, legal_user):
    errors = _console_errors(page)
    sign_in(page, legal_user)
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Name").fill("GRC export")
    page.get_by_label("Read only").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token-secret").input_value()
    assert secret.startswith("crt_")
    assert page.get_by_text("it will not be shown again").is_visible()
    assert ApiClient(secret).get("/api/v1/me").json()["username"] == legal_user.username

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke GRC export").click()
    page.get_by_text("Revoked").wait_for()
    assert ApiToken.objects.get().revoked_at is not None
    assert not [e for e in errors if "Content Security Policy" in e]
