"""In Chromium, as the issue's "done when" says: procurement sends the default questionnaire; the
printed link opens in a fresh browser context (no session, JavaScript off), which saves a draft,
attaches a PDF, submits and sees the read-only copy; procurement accepts an answer into an
evaluation and finds it in the evaluation's PDF. The portal's pages are checked with axe-core."""

import re
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from questionnaires.models import AnswerFile, Questionnaire
from scorecards.models import Evidence
from tests.hardening.test_browser import _axe_violations
from tests.scorecards.factories import EvaluationFactory
from tests.vendors.factories import VendorFactory

from .factories import PDF, answers_by_code, template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def test_send_answer_in_the_portal_without_a_session_and_accept_into_an_evaluation(
    browser, page, live_server, sign_in, procurement_user, tmp_path
):
    template()
    vendor = VendorFactory(name="Fjord GPU Cloud", processing_regions=["eu-north"])
    evaluation = EvaluationFactory(vendor=vendor, author=procurement_user, title="Fjord capacity 2027")
    mail.outbox = []

    # Procurement sends the default questionnaire.
    sign_in(page, procurement_user)
    page.goto(live_server.url + reverse("questionnaires:send") + f"?vendor={vendor.pk}")
    page.get_by_label("Title").fill("Due diligence 2027")
    page.get_by_label("Due date").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    page.get_by_label("Vendor contacts").fill("Mira Solberg <mira@fjord.example>")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Questionnaire sent to 1 contact")
    questionnaire = Questionnaire.objects.get()
    assert any("/portal/qp_" in m.body for m in mail.outbox)  # the invitation carries a link

    # The printed link: shown once to procurement, to hand over.
    page.get_by_role("button", name="Show a new link").click()
    link = page.get_by_label("Portal link").input_value()
    assert re.search(r"/portal/qp_[\w-]+/$", link)
    path = link.split("/portal/", 1)[1]

    # A fresh context: no cookies, no session, no JavaScript.
    vendor_context = browser.new_context(java_script_enabled=False)
    portal = vendor_context.new_page()
    portal.goto(f"{live_server.url}/portal/{path}")
    expect(portal.get_by_role("heading", name="Due diligence 2027")).to_be_visible()
    assert not [c for c in vendor_context.cookies() if "session" in c["name"]]
    by_code = answers_by_code(questionnaire)

    def named(code):
        return portal.locator(f"[name=q{by_code[code].question_id}]")

    named("1.1").fill("128")
    portal.get_by_role("button", name="Save draft").click()
    expect(named("1.1")).to_have_value("128")
    pdf = tmp_path / "iso27001.pdf"
    pdf.write_bytes(PDF)
    named("4.3").set_input_files(str(pdf))
    portal.get_by_role("button", name="Save draft").click()
    expect(portal.get_by_text("iso27001.pdf")).to_be_visible()
    assert AnswerFile.objects.filter(original_name="iso27001.pdf").exists()
    named("1.2").fill("30")
    named("2.1").fill("eu-north")
    portal.get_by_label("ISO/IEC 27001").check()
    named("5.1").fill("0")
    named("5.3").fill("15")
    named("5.4").fill("240")
    portal.get_by_role("button", name="Submit answers").click()
    expect(portal.get_by_role("status")).to_contain_text("read-only copy")
    expect(portal.get_by_text("128 GPUs")).to_be_visible()
    assert portal.locator("form").count() == 0
    vendor_context.close()

    # Procurement accepts 1.1 into the draft evaluation.
    page.goto(live_server.url + reverse("questionnaires:detail", args=[questionnaire.pk]))
    answer = by_code["1.1"]
    card = page.locator(f"#answer-{answer.pk}")
    card.get_by_label("Accept").check()
    card.get_by_label("Add as evidence to").select_option(str(evaluation.pk))
    card.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("accepted and added as evidence")
    assert Evidence.objects.filter(score__evaluation=evaluation, score__dimension__kind="capacity").exists()
    response = page.request.get(live_server.url + reverse("scorecards:record-preview", args=[evaluation.pk]))
    assert response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.body())
    assert "128 GPUs" in text and "question 1.1" in text


def test_the_portal_pages_have_no_serious_accessibility_violation(
    browser, live_server, procurement_user, page, sign_in
):
    from questionnaires import portal as portal_services

    from .factories import send, token_of

    questionnaire = send(procurement_user)
    token = token_of(procurement_user, questionnaire.recipients.get())
    context = browser.new_context()
    visitor = context.new_page()
    problems = {}
    visitor.goto(f"{live_server.url}/portal/{token}/")
    problems["portal form"] = _axe_violations(visitor)
    visitor.goto(f"{live_server.url}/portal/qp_not-a-token/")
    problems["invalid link"] = _axe_violations(visitor)
    by_code = answers_by_code(questionnaire)
    values = {
        "1.1": "256",
        "1.2": "30",
        "2.1": "eu-west",
        "4.1": ["ISO/IEC 27001"],
        "5.1": "0",
        "5.3": "15",
        "5.4": "120",
    }
    portal_services.portal_save(
        recipient=questionnaire.recipients.get(),
        values={by_code[c].question_id: v for c, v in values.items()},
        submit=True,
    )
    visitor.goto(f"{live_server.url}/portal/{token}/")
    problems["submitted copy"] = _axe_violations(visitor)
    context.close()
    sign_in(page, procurement_user)
    for name, path in {
        "list": reverse("questionnaires:list"),
        "send": reverse("questionnaires:send"),
        "review": reverse("questionnaires:detail", args=[questionnaire.pk]),
        "answer": reverse("questionnaires:answer-detail", args=[questionnaire.pk, by_code["1.1"].pk]),
    }.items():
        page.goto(live_server.url + path)
        problems[name] = _axe_violations(page)
    found = {name: issues for name, issues in problems.items() if issues}
    assert not found, "\n".join(f"{name}: {issue}" for name, issues in found.items() for issue in issues)
