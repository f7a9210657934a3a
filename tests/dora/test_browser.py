"""In Chromium, on the demo data: the register and its lint, the package downloaded and its CSVs
opened, and a package generated for submission and signed."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dora import definitions
from procurement import demo
from resilience import demo as resilience_demo
from vendors import demo as vendors_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_register(db):
    demo.seed_users()
    resilience_demo.seed(vendors_demo.seed())
    from dora import demo as dora_demo

    dora_demo.seed()


def _sign_in(page, base_url: str, username: str):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_the_register_lints_clean_and_its_package_opens_with_the_esas_headers(
    page, live_server, demo_register, tmp_path
):
    _sign_in(page, live_server.url, "audrey")
    page.get_by_role("link", name="DORA register").click()
    expect(page.get_by_role("heading", name="DORA register of information")).to_be_visible()
    expect(page.get_by_text("Meridian Digital Bank AG").first).to_be_visible()
    page.get_by_role("link", name="Lint:").click()
    expect(page.locator("#blocking-count")).to_have_text("0")
    expect(page.get_by_text("Nothing blocks the package.")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the package").click()
    download = info.value
    assert "_DORA010100_DORA_" in download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    for template in definitions.templates().values():
        rows = list(csv.reader(io.StringIO(files[f"reports/{template.file}"].decode())))
        assert rows[0] == template.headers
    services = [r[3] for r in csv.reader(io.StringIO(files["reports/b_07.01.csv"].decode()))][1:]
    assert set(services) <= set(definitions.codelists()["LISTANNEXIII"])


def test_a_package_is_generated_for_submission_and_signed_by_the_routed_roles(
    page, live_server, demo_register, tmp_path
):
    _sign_in(page, live_server.url, "priya")
    page.goto(live_server.url + reverse("dora:register") + "?ref_date=2026-12-31")
    page.get_by_role("button", name="Generate for submission").click()
    expect(page.locator("#submission-status")).to_have_text("Awaiting sign-off")
    sha = page.locator("#submission-sha256").inner_text()
    detail = page.url
    context = page.context
    context.clear_cookies()
    for username, role in (("lena", "Legal"), ("felix", "Finance"), ("sofia", "Security & compliance")):
        _sign_in(page, live_server.url, username)
        page.goto(detail)
        # One role each: the form names it rather than offering a choice, as on evaluations.
        expect(page.get_by_text(f"Signing as {role}")).to_be_visible()
        page.get_by_label("Approve for submission").check()
        page.get_by_label("Your password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign", exact=True).click()
        expect(page.get_by_text("bound to the package's SHA-256").first).to_be_visible()
        context.clear_cookies()
    _sign_in(page, live_server.url, "audrey")
    page.goto(detail)
    expect(page.locator("#submission-status")).to_have_text("Approved for submission")
    assert page.locator("#submission-sha256").inner_text() == sha
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the package").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    page.get_by_role("link", name="Verify a copy").click()
    page.get_by_label("Package (ZIP)").set_input_files(str(path))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verdict")).to_contain_text("Genuine")
    expect(page.locator("#verdict")).to_contain_text(sha)
