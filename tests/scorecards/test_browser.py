import pytest
from playwright.sync_api import expect

from .factories import RATIONALE, all_scores, evaluation_with_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scoring_updates_the_live_total_and_gate_then_saves(page, live_server, sign_in, procurement_user):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(3))
    sign_in(page, procurement_user)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/scores/")
    total = page.get_by_test_id("weighted-total")
    expect(total).to_have_text("50.0")

    page.locator("label[for='id_capacity-score_5']").click()
    expect(total).to_have_text("62.5")  # no reload: the summary was swapped in place
    expect(page.get_by_test_id("gate-status")).to_contain_text("All hard gates passed")

    page.locator("label[for='id_compliance-score_2']").click()
    expect(total).to_have_text("57.5")
    expect(page.get_by_test_id("gate-status")).to_contain_text("Compliance scored 2, needs at least 3")

    page.get_by_label("Rationale").nth(3).fill(RATIONALE + " Compliance evidence is still missing.")
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_role("heading", name=evaluation.title)).to_be_visible()
    expect(page.get_by_text("Scores saved.")).to_be_visible()
    expect(page.get_by_test_id("weighted-total")).to_have_text("57.5")
    expect(page.get_by_text("Blocked by a hard gate")).to_be_visible()
