"""An auditor downloads a decision record in Chromium, then proves it genuine and a copy altered."""

import hashlib

import pytest
from playwright.sync_api import expect

from scorecards import records
from tests.scorecards.test_records import decide, scored_evaluation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_auditor_downloads_the_record_and_verifies_it(page, live_server, sign_in, auditor_user, tmp_path):
    evaluation = scored_evaluation(title="Tokyo inference pilot · 雲海コンピュート")
    decide(evaluation)  # outside a test transaction: the record is issued when it commits
    record = records.existing_record(evaluation.pk)
    assert record is not None

    sign_in(page, auditor_user)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/record/")
    expect(page.get_by_text(record.sha256)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download {record.number} (PDF)").click()
    downloaded = tmp_path / "record.pdf"
    download_info.value.save_as(downloaded)
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == record.sha256

    page.get_by_role("link", name="Verify a copy").click()
    page.get_by_label("PDF file to check").set_input_files(downloaded)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-result")).to_contain_text(
        f"Genuine: this is decision record {record.number}"
    )
    expect(page.locator("#verify-result")).to_contain_text(evaluation.title)

    altered = tmp_path / "altered.pdf"
    altered.write_bytes(downloaded.read_bytes() + b"\n% annotated by someone\n")
    page.get_by_label("PDF file to check").set_input_files(altered)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-result")).to_contain_text(f"claims to be decision record {record.number}")
    expect(page.locator("#verify-result")).not_to_contain_text("Genuine")
