import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_through_the_form_shows_the_dashboard(page, live_server, legal_user, sign_in):
    sign_in(page, legal_user)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Legal", exact=True)).to_be_visible()


def test_wrong_password_shows_a_clear_message(page, live_server, legal_user):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(legal_user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
