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


def test_the_whole_signoff_flow_with_separate_people(
    browser, live_server, sign_in, procurement_user, legal_user, finance_user, platform_user, password
):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    detail = f"{live_server.url}/evaluations/{evaluation.pk}/"

    contexts = []

    def as_user(user):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        sign_in(page, user)
        return page

    def sign_off(user, decision, comment=""):
        page = as_user(user)
        page.goto(f"{live_server.url}/evaluations/inbox/")
        page.get_by_role("link", name="Review and sign").click()
        page.get_by_label(decision, exact=False).first.check()
        if comment:
            page.get_by_label("Comment").fill(comment)
        page.get_by_label("Your password").fill(password)
        page.get_by_role("button", name="Sign", exact=True).click()
        expect(page.get_by_text("Signed:")).to_be_visible()

    try:
        _walk_the_flow(as_user, sign_off, detail, procurement_user, legal_user, finance_user, platform_user)
    finally:
        for context in contexts:
            context.close()


def _walk_the_flow(as_user, sign_off, detail, procurement_user, legal_user, finance_user, platform_user):
    author = as_user(procurement_user)
    author.goto(detail)
    author.get_by_role("button", name="Submit for sign-off").click()
    expect(author.get_by_text("Submitted for sign-off by")).to_be_visible()

    sign_off(legal_user, "Request changes", "Attach the signed capacity schedule, please.")

    author.goto(detail)
    expect(author.locator(".badge.status-draft").first).to_be_visible()
    expect(author.get_by_text("signatures void")).to_be_visible()
    author.get_by_role("link", name="Score", exact=True).click()
    author.locator("label[for='id_capacity-score_5']").click()
    author.get_by_role("button", name="Save scores").click()
    author.get_by_role("button", name="Submit for sign-off").click()
    expect(author.get_by_text("Round 2")).to_be_visible()

    sign_off(legal_user, "Approve —")
    sign_off(finance_user, "Approve with conditions", "Review the spend after the first quarter.")
    sign_off(platform_user, "Approve —")

    author.goto(detail)
    expect(author.locator(".badge.status-approved").first).to_be_visible()
    expect(author.get_by_text("Conditions of the approval")).to_be_visible()
    expect(
        author.get_by_text("Finance: Review the spend after the first quarter.", exact=True)
    ).to_be_visible()
