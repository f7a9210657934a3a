"""In Chromium: accessibility (axe-core) of every main page, the main flows without JavaScript,
sign-off by keyboard alone, and the README's screenshots taken against the demo data.

axe-core comes from npm into tests/hardening/node_modules (`npm ci --prefix tests/hardening`,
which .ci/run does); it is evaluated in the page through the DevTools protocol, so the strict CSP
stays on. `SCREENSHOTS=1 pytest tests/hardening/test_browser.py -k screenshots` rewrites
docs/screenshots/*.png.
"""

import os
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from procurement import demo, policies
from resilience.models import Workload
from scorecards import signoff
from scorecards.models import Evaluation, Signature
from scorecards.records import pdf
from tests.procurement.factories import user_with_role
from tests.scorecards.factories import all_scores, evaluation_with_contract
from tests.vendors.factories import PDF_BYTES, ContractFactory
from vendors.models import Contract, Vendor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BLOCKING = {"serious", "critical"}


def _sign_in(page, base_url: str, username: str, password: str):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _axe_violations(page) -> list[str]:
    if not AXE.exists():
        # `make test` installs it with npm; CI must run these, a developer without npm may not.
        message = f"axe-core is not installed: run `npm ci --prefix tests/hardening` ({AXE} is missing)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes'][:3]]}: "
        + v["nodes"][0].get("failureSummary", "").replace("\n", " ")
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def _main_pages() -> dict[str, str]:
    """The main screens, on the demo data: name -> path."""
    vendor = Vendor.objects.filter(contracts__isnull=False).order_by("pk").first()
    contract = Contract.objects.filter(vendor=vendor).order_by("pk").first()
    decided = Evaluation.objects.filter(status="approved").order_by("pk").first()
    workload = Workload.objects.order_by("pk").first()
    compared = Evaluation.objects.order_by("pk").values_list("pk", flat=True)[:3]
    return {
        "dashboard": reverse("home"),
        "vendors": reverse("vendors:vendor-list"),
        "vendor": reverse("vendors:vendor-detail", args=[vendor.pk]),
        "vendor-form": reverse("vendors:vendor-create"),
        "contracts": reverse("vendors:contract-list"),
        "contract": reverse("vendors:contract-detail", args=[contract.pk]),
        "evaluations": reverse("scorecards:evaluation-list"),
        "evaluation": reverse("scorecards:evaluation-detail", args=[decided.pk]),
        "comparison": reverse("scorecards:evaluation-compare")
        + "?"
        + "&".join(f"ids={pk}" for pk in compared),
        "inbox": reverse("scorecards:signoff-inbox"),
        "record": reverse("scorecards:record-status", args=[decided.pk]),
        "workloads": reverse("resilience:workload-list"),
        "workload": reverse("resilience:workload-detail", args=[workload.pk]),
        "concentration": reverse("resilience:concentration"),
        "audit-log": reverse("audit:event-list"),
        "profile": reverse("profile"),
        "dora-register": reverse("dora:register"),
        "dora-lint": reverse("dora:lint"),
        "dora-contract": reverse("dora:contract-record", args=[contract.pk]),
    }


@pytest.fixture
def demo_data(db, monkeypatch):
    if os.environ.get("SCREENSHOTS") != "1":
        # The demo's decision records are rendered by the PDF tests; a stub keeps this quick. Its
        # bytes differ per record, as real ones do (each record's hash is unique).
        monkeypatch.setattr(
            pdf, "render", lambda html, **kwargs: pdf.Rendered(PDF_BYTES + f"% {hash(html)}\n".encode(), 1)
        )
    demo.seed()


def test_every_main_page_has_no_serious_accessibility_violation(page, live_server, demo_data):
    page.goto(f"{live_server.url}/login/")
    problems = {"login": _axe_violations(page)}
    _sign_in(page, live_server.url, "admin", demo.DEMO_PASSWORD)
    for name, path in _main_pages().items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")  # panels loaded with htmx are checked too
        problems[name] = _axe_violations(page)
    found = {name: issues for name, issues in problems.items() if issues}
    assert not found, "\n".join(f"{name}: {issue}" for name, issues in found.items() for issue in issues)


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="SCREENSHOTS=1 rewrites docs/screenshots")
def test_screenshots_of_the_main_screens_for_the_readme(browser, live_server, demo_data):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
    page = context.new_page()
    _sign_in(page, live_server.url, "priya", demo.DEMO_PASSWORD)
    pages = _main_pages()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ["dashboard", "vendors", "contract", "evaluation", "comparison", "concentration"]:
        page.goto(live_server.url + pages[name])
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SCREENSHOTS / f"{name}.png")
    context.close()


# Without JavaScript -------------------------------------------------------------------------


@pytest.fixture
def no_js(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_a_vendor_is_created_without_javascript(no_js, live_server, procurement_user, password):
    _sign_in(no_js, live_server.url, procurement_user.username, password)
    no_js.goto(live_server.url + reverse("vendors:vendor-create"))
    no_js.locator("input[name=name]").fill("Fjord GPU Cloud")
    no_js.locator("select[name=kind]").select_option("neocloud")
    no_js.locator("input[name=hq_jurisdiction]").fill("Norway")
    no_js.get_by_role("button", name="Add vendor").click()
    expect(no_js.get_by_role("heading", name="Fjord GPU Cloud")).to_be_visible()
    assert Vendor.objects.filter(name="Fjord GPU Cloud").exists()


def test_an_evaluation_is_scored_without_javascript(no_js, live_server, procurement_user, password):
    evaluation = evaluation_with_contract(author=procurement_user)
    _sign_in(no_js, live_server.url, procurement_user.username, password)
    no_js.goto(live_server.url + reverse("scorecards:evaluation-scores", args=[evaluation.pk]))
    for section in no_js.locator("section.card").all():
        section.locator("label.btn", has_text="4").first.click()
        section.get_by_label("Rationale").fill(
            "Written evidence from the vendor's capacity review in October."
        )
    no_js.get_by_role("button", name="Save scores").click()
    no_js.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.weighted_total is not None and float(evaluation.weighted_total) == pytest.approx(
        75, abs=1
    )


@pytest.fixture
def submitted(procurement_user):
    evaluation = evaluation_with_contract(
        contract=ContractFactory(), author=procurement_user, scores=all_scores(4)
    )
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    return evaluation


def test_an_evaluation_is_signed_without_javascript(no_js, live_server, submitted, password):
    legal = user_with_role(policies.LEGAL, username="lou.legal")
    _sign_in(no_js, live_server.url, legal.username, password)
    no_js.goto(live_server.url + reverse("scorecards:evaluation-sign", args=[submitted.pk]))
    no_js.get_by_label("Approve —", exact=False).first.check()
    no_js.get_by_label("Your password").fill(password)
    no_js.get_by_role("button", name="Sign", exact=True).click()
    no_js.wait_for_load_state()
    assert Signature.objects.filter(signer=legal, decision="approve").count() == 1


# Keyboard only --------------------------------------------------------------------------------


def _tab_to(page, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies `predicate_js` (a JS expression on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({predicate_js}); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate_js}")


def test_sign_off_can_be_completed_with_the_keyboard_only(page, live_server, submitted, password):
    finance = user_with_role(policies.FINANCE, username="fin.keyboard")
    _sign_in(page, live_server.url, finance.username, password)
    page.goto(live_server.url + reverse("scorecards:evaluation-detail", args=[submitted.pk]))
    _tab_to(page, "el.textContent.trim() === 'Review and sign'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign/")
    _tab_to(page, "el.type === 'radio'")
    page.keyboard.press("Space")  # the first decision: approve
    _tab_to(page, "el.type === 'password'")
    page.keyboard.type(password)
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Sign'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/evaluations/{submitted.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Signed")
    # The history panel loads with htmx: let it finish before the live server stops.
    page.wait_for_load_state("networkidle")
    signature = Signature.objects.get(signer=finance)
    assert (signature.role, signature.decision) == ("finance", "approve")
    # The request token makes a replay harmless; one signature, whatever the keyboard did.
    assert Signature.objects.filter(request_token__isnull=False, signer=finance).count() == 1
    assert uuid.UUID(str(signature.request_token))
