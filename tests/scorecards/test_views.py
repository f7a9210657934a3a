import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from procurement import policies
from procurement.models import AuditEvent
from scorecards.models import Evaluation, Evidence
from tests.procurement.factories import user_with_role
from tests.resilience.factories import WorkloadFactory, compute
from tests.vendors.factories import (
    PDF_BYTES,
    CapacityLineFactory,
    ContractFactory,
    VendorFactory,
    cover_all_exit_rights,
)
from vendors.models import ExitRightClause, ExitRightKind

from .factories import RATIONALE, EvaluationFactory, all_scores, default_template, evaluation_with_contract

pytestmark = pytest.mark.django_db

READERS = [
    "procurement_user",
    "legal_user",
    "finance_user",
    "security_user",
    "platform_user",
    "auditor_user",
    "admin",
]
NON_AUTHORS = ["legal_user", "finance_user", "security_user", "platform_user", "auditor_user"]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(procurement_user):
    return evaluation_with_contract(author=procurement_user, scores=all_scores(3))


def score_form_data(evaluation, **scores) -> dict:
    data = {}
    for score in evaluation.scores.select_related("dimension"):
        kind = score.dimension.kind
        value = scores.get(kind, score.score)
        data[f"{kind}-score"] = "" if value is None else str(value)
        data[f"{kind}-rationale"] = RATIONALE if value is not None else ""
        data[f"{kind}-links"] = ""
    return data


# Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["evaluation-list", "template-list", "evaluation-create"])
def test_anonymous_users_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(f"scorecards:{url_name}"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("reader", READERS)
def test_every_role_reads_evaluations_and_their_comparison(client, request, draft, reader):
    client.force_login(request.getfixturevalue(reader))
    other = EvaluationFactory(scores=all_scores(4))
    assert client.get(reverse("scorecards:evaluation-list")).status_code == 200
    assert client.get(reverse("scorecards:evaluation-detail", args=[draft.pk])).status_code == 200
    assert (
        client.get(reverse("scorecards:evaluation-compare") + f"?ids={draft.pk},{other.pk}").status_code
        == 200
    )


def test_a_user_without_a_role_sees_nothing(client, no_role_user, draft):
    client.force_login(no_role_user)
    assert client.get(reverse("scorecards:evaluation-list")).status_code == 403
    assert client.get(reverse("scorecards:evaluation-detail", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize("user", NON_AUTHORS)
def test_only_procurement_may_create_or_score(client, request, draft, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("scorecards:evaluation-create")).status_code == 403
    assert client.get(reverse("scorecards:evaluation-scores", args=[draft.pk])).status_code == 403
    response = client.post(
        reverse("scorecards:evaluation-scores", args=[draft.pk]), score_form_data(draft, capacity=5)
    )
    assert response.status_code == 403
    assert client.post(reverse("scorecards:evaluation-edit", args=[draft.pk]), {}).status_code == 403
    assert draft.scores.get(dimension__kind="capacity").score == 3


def test_a_procurement_user_who_is_not_the_author_cannot_score(client, draft):
    client.force_login(user_with_role(policies.PROCUREMENT))
    assert client.get(reverse("scorecards:evaluation-scores", args=[draft.pk])).status_code == 403


@pytest.mark.parametrize("url_name", ["evaluation-scores-preview", "evidence-delete"])
def test_post_only_urls_answer_405_to_get(client, procurement_user, draft, url_name):
    client.force_login(procurement_user)
    assert client.get(reverse(f"scorecards:{url_name}", args=[draft.pk])).status_code == 405


# Create and edit ------------------------------------------------------------------------


def test_procurement_creates_an_evaluation_and_lands_on_the_scoring_form(client, procurement_user):
    contract = ContractFactory()
    client.force_login(procurement_user)
    response = client.post(
        reverse("scorecards:evaluation-create"),
        {
            "vendor": contract.vendor.pk,
            "contract": contract.pk,
            "template": default_template().pk,
            "title": "Inference capacity for the EU launch",
            "purpose": "Serve EU customers from EU regions.",
            "tier": "hot_inference",
            "data_sensitivity": "regulated",
            "commitment_amount": "1200000",
            "commitment_currency": "eur",
        },
    )
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scorecards:evaluation-scores", args=[evaluation.pk])
    assert evaluation.author == procurement_user and evaluation.commitment_currency == "EUR"


def test_choosing_a_contract_of_another_vendor_is_a_form_error(client, procurement_user):
    client.force_login(procurement_user)
    response = client.post(
        reverse("scorecards:evaluation-create"),
        {
            "vendor": VendorFactory().pk,
            "contract": ContractFactory().pk,
            "template": default_template().pk,
            "title": "T",
            "purpose": "P",
            "tier": "hot_inference",
            "data_sensitivity": "internal",
            "commitment_amount": "1",
            "commitment_currency": "USD",
        },
    )
    assert response.status_code == 200
    assert "belongs to another vendor" in response.content.decode()
    assert not Evaluation.objects.exists()


# Scoring form and live total --------------------------------------------------------------


def test_the_scoring_form_shows_labelled_levels_questions_and_contract_context(client, procurement_user):
    contract = ContractFactory()
    CapacityLineFactory(contract=contract, accelerator_model="NVIDIA H200 141GB", count=256)
    cover_all_exit_rights(contract)
    ExitRightClause.objects.filter(contract=contract, kind__code="ramp-down").update(status="missing")
    evaluation = evaluation_with_contract(contract=contract, author=procurement_user)
    client.force_login(procurement_user)
    html = client.get(reverse("scorecards:evaluation-scores", args=[evaluation.pk])).content.decode()
    for label in ["1 · Unacceptable", "3 · Adequate", "5 · Excellent", "hard gate: at least 3"]:
        assert label in html
    assert "256 × NVIDIA H200 141GB" in html
    ramp_down = ExitRightKind.objects.get(code="ramp-down").name
    assert html.count(ramp_down) == 2  # beside portability and beside commercial flexibility
    assert "1 of 9 missing" in html


def test_the_htmx_preview_returns_only_the_summary_with_the_new_total(client, procurement_user, draft):
    client.force_login(procurement_user)
    url = reverse("scorecards:evaluation-scores-preview", args=[draft.pk])
    response = client.post(url, score_form_data(draft, capacity=5), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="score-summary"')
    assert "<html" not in html and ">62.5<" in html  # (25*4 + 75*2) / 100 / 4 * 100
    assert draft.scores.get(dimension__kind="capacity").score == 3  # nothing saved
    assert not AuditEvent.objects.filter(action="evaluation.scores_update").exists()


def test_the_preview_shows_a_failed_gate_in_place(client, procurement_user, draft):
    client.force_login(procurement_user)
    url = reverse("scorecards:evaluation-scores-preview", args=[draft.pk])
    html = client.post(url, score_form_data(draft, compliance=2), **HTMX).content.decode()
    assert "Blocked by a hard gate" in html and "Compliance scored 2, needs at least 3" in html


def test_without_javascript_recalculate_returns_the_whole_form_with_typed_values(
    client, procurement_user, draft
):
    client.force_login(procurement_user)
    url = reverse("scorecards:evaluation-scores-preview", args=[draft.pk])
    html = client.post(url, score_form_data(draft, capacity=5)).content.decode()
    assert "<html" in html and ">62.5<" in html
    assert 'value="5" class="btn-check" id="id_capacity-score_5" checked>' in html
    assert 'value="3" class="btn-check" id="id_capacity-score_3">' in html


def test_saving_scores_redirects_to_the_evaluation_with_the_new_total(client, procurement_user, draft):
    client.force_login(procurement_user)
    data = score_form_data(draft, capacity=5) | {"capacity-links": "Order form https://example.test/order"}
    response = client.post(reverse("scorecards:evaluation-scores", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.weighted_total == Decimal("62.5")
    assert Evidence.objects.get().title == "Order form"


def test_a_blank_rationale_is_a_form_error_and_nothing_is_saved(client, procurement_user, draft):
    client.force_login(procurement_user)
    data = score_form_data(draft, capacity=5) | {"capacity-rationale": "   "}
    response = client.post(reverse("scorecards:evaluation-scores", args=[draft.pk]), data)
    assert response.status_code == 422
    assert "Explain the score" in response.content.decode()
    assert draft.scores.get(dimension__kind="capacity").score == 3


def test_a_disguised_file_is_a_form_error(client, procurement_user, draft):
    client.force_login(procurement_user)
    data = score_form_data(draft) | {
        "capacity-files": SimpleUploadedFile("x.pdf", b"GIF89a fake", "application/pdf")
    }
    response = client.post(reverse("scorecards:evaluation-scores", args=[draft.pk]), data)
    assert response.status_code == 422 and "not a PDF or PNG" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_uploaded_file_downloads_only_through_the_checking_view(
    client, procurement_user, draft, no_role_user, auditor_user
):
    client.force_login(procurement_user)
    data = score_form_data(draft) | {
        "capacity-files": [SimpleUploadedFile("sla.pdf", PDF_BYTES, "application/pdf")]
    }
    client.post(reverse("scorecards:evaluation-scores", args=[draft.pk]), data)
    evidence = Evidence.objects.get()
    url = reverse("scorecards:evidence-download", args=[evidence.pk])
    client.force_login(auditor_user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    client.force_login(no_role_user)
    assert client.get(url).status_code == 404


# Comparison -------------------------------------------------------------------------------


def test_comparison_shows_scores_deltas_totals_gates_and_missing_exit_rights(client, legal_user):
    first = evaluation_with_contract(scores=all_scores(4))
    second_contract = ContractFactory()
    cover_all_exit_rights(second_contract)
    ExitRightClause.objects.filter(contract=second_contract, kind__code="transition-assistance").update(
        status="missing"
    )
    second = evaluation_with_contract(
        contract=second_contract, scores=all_scores(4) | {"compliance": 2, "capacity": 5}
    )
    client.force_login(legal_user)
    response = client.get(reverse("scorecards:evaluation-compare") + f"?ids={first.pk},{second.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "+1" in html and "−2" in html  # capacity up, compliance down against the first
    assert "gate ≥ 3: failed" in html and "Failed" in html
    assert "Transition assistance" in html
    assert html.count("<svg") == 1 and "Scores of the compared evaluations, overlaid" in html


def test_comparison_accepts_checkbox_ids_too(client, legal_user):
    a, b = EvaluationFactory(), EvaluationFactory()
    client.force_login(legal_user)
    response = client.get(reverse("scorecards:evaluation-compare"), {"ids": [a.pk, b.pk]})
    assert response.status_code == 200 and a.title in response.content.decode()


@pytest.mark.parametrize("count", [1, 5])
def test_comparison_needs_two_to_four_evaluations(client, legal_user, count):
    ids = ",".join(str(EvaluationFactory().pk) for _ in range(count))
    client.force_login(legal_user)
    response = client.get(reverse("scorecards:evaluation-compare") + f"?ids={ids}")
    assert response.status_code == 400 and "between 2 and 4" in response.content.decode()


def test_comparison_of_an_unknown_evaluation_is_404(client, legal_user):
    client.force_login(legal_user)
    response = client.get(reverse("scorecards:evaluation-compare") + f"?ids={EvaluationFactory().pk},999999")
    assert response.status_code == 404


# Lists, history, dashboard ----------------------------------------------------------------


def test_the_list_filters_by_tier_and_returns_the_results_fragment_to_htmx(client, legal_user):
    EvaluationFactory(title="Hot one", tier="hot_inference")
    EvaluationFactory(title="Batch one", tier="nearline_batch")
    client.force_login(legal_user)
    response = client.get(reverse("scorecards:evaluation-list"), {"tier": "hot_inference"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="evaluation-results"') and "<html" not in html
    assert "Hot one" in html and "Batch one" not in html


def test_the_evaluation_list_has_the_filter_bar_of_every_list(client, legal_user):
    overdue = EvaluationFactory(status="approved", reevaluation_due=dt.date(2020, 1, 1), title="Old decision")
    EvaluationFactory(title="Fresh draft")
    client.force_login(legal_user)
    response = client.get(
        reverse("scorecards:evaluation-list"),
        {"overdue": "true", "vendor": overdue.vendor_id, "sort": "-total"},
    )
    html = response.content.decode()
    assert "Old decision" in html and "Fresh draft" not in html
    assert 'class="card card-body mb-3 filter-bar" role="search"' in html
    # The dashboard's link shows as a chosen filter; the vendor and the sort ride along hidden.
    assert '<label class="form-label small mb-1" for="id_overdue">Re-evaluation</label>' in html
    assert '<option value="true" selected>Overdue</option>' in html
    assert f'<input type="hidden" name="vendor" value="{overdue.vendor_id}"' in html
    assert '<input type="hidden" name="sort" value="-total">' in html
    # Sorting moved from a select to the column headers, as on the other lists.
    assert 'name="sort" class' not in html
    assert '<th scope="col" aria-sort="descending">' in html
    for key in ("title", "vendor", "total", "created"):
        assert f"sort={key}" in html or f"sort=-{key}" in html


def _make_evaluations(count: int) -> None:
    vendors = [VendorFactory() for _ in range(3)]
    author = user_with_role(policies.PROCUREMENT)
    template = default_template()
    Evaluation.objects.bulk_create(
        Evaluation(
            vendor=vendors[i % 3],
            template=template,
            title=f"Decision {i}",
            purpose="p",
            tier="hot_inference",
            data_sensitivity="internal",
            commitment_amount=Decimal(1000),
            author=author,
            weighted_total=Decimal("50.0"),
        )
        for i in range(count)
    )


@pytest.mark.parametrize("rows", [10, 500])
def test_the_list_query_count_does_not_grow_with_the_data(
    client, legal_user, django_assert_max_num_queries, rows
):
    _make_evaluations(rows)
    client.force_login(legal_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("scorecards:evaluation-list"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 500])
def test_the_vendor_history_query_count_does_not_grow(
    client, legal_user, django_assert_max_num_queries, rows
):
    _make_evaluations(rows)
    vendor = Evaluation.objects.first().vendor
    client.force_login(legal_user)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("scorecards:vendor-history", args=[vendor.pk]), **HTMX)
    assert response.status_code == 200 and "<svg" in response.content.decode()


@pytest.mark.parametrize("rows", [10, 500])
def test_the_evaluation_page_and_comparison_hold_their_query_count(
    client, legal_user, django_assert_max_num_queries, rows
):
    _make_evaluations(rows)
    contract = ContractFactory()
    cover_all_exit_rights(contract)
    CapacityLineFactory(contract=contract)
    evaluations = [evaluation_with_contract(contract=contract, scores=all_scores(3)) for _ in range(4)]
    client.force_login(legal_user)
    # The vendor's concentration evidence comes after the page, from its own request.
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("scorecards:evaluation-detail", args=[evaluations[0].pk])).status_code == 200
        )
    ids = ",".join(str(e.pk) for e in evaluations)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("scorecards:evaluation-compare") + f"?ids={ids}").status_code == 200


def test_the_vendor_evaluations_tag_renders_the_trend_for_the_vendor_page(legal_user):
    evaluation = EvaluationFactory(scores=all_scores(4))
    EvaluationFactory(vendor=evaluation.vendor, scores=all_scores(2))
    request = RequestFactory().get("/")
    request.user = legal_user
    html = Template("{% load scorecard_tags %}{% vendor_evaluations vendor %}").render(
        Context({"vendor": evaluation.vendor, "request": request})
    )
    assert "Evaluations over time" in html and "<svg" in html and "75.0" in html and "25.0" in html


def test_overdue_re_evaluations_appear_on_the_dashboard(client, legal_user):
    overdue = EvaluationFactory(status="approved", reevaluation_due=dt.date(2020, 1, 1), title="Old decision")
    EvaluationFactory(status="approved", reevaluation_due=dt.date(2999, 1, 1), title="Fresh decision")
    EvaluationFactory(status="superseded", reevaluation_due=dt.date(2020, 1, 1), title="Replaced decision")
    client.force_login(legal_user)
    html = client.get(reverse("home")).content.decode()
    assert "Re-evaluations overdue" in html and overdue.title in html
    assert "Fresh decision" not in html and "Replaced decision" not in html


# Templates ------------------------------------------------------------------------------


def test_admin_edits_a_used_template_in_the_ui_and_gets_the_next_version(client, admin):
    template = default_template()
    EvaluationFactory(template=template)
    client.force_login(admin)
    url = reverse("scorecards:template-edit", args=[template.pk])
    form = client.get(url).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data |= {"is_active": "on", "capacity-weight": 30, "commercial-weight": 10}
    response = client.post(url, data)
    assert response.status_code == 302
    assert template.dimensions.get(kind="capacity").weight == 25
    assert (
        default_template()
        .__class__.objects.get(key="standard", version=2)
        .dimensions.get(kind="capacity")
        .weight
        == 30
    )


def test_weights_that_do_not_sum_to_100_are_shown_as_a_clear_error(client, admin):
    template = default_template()
    client.force_login(admin)
    url = reverse("scorecards:template-edit", args=[template.pk])
    form = client.get(url).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data |= {"capacity-weight": 40}
    html = client.post(url, data).content.decode()
    assert "The weights add up to 115, not 100: remove 15" in html


@pytest.mark.parametrize("user", ["procurement_user", "legal_user", "auditor_user"])
def test_only_admins_edit_templates(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("scorecards:template-edit", args=[default_template().pk])).status_code == 403
    assert client.get(reverse("scorecards:template-create")).status_code == 403
    assert client.get(reverse("scorecards:template-detail", args=[default_template().pk])).status_code == 200


def test_the_admin_site_shows_a_used_template_read_only(client, admin):
    template = default_template()
    EvaluationFactory(template=template)
    client.force_login(admin)
    response = client.post(
        reverse("admin:scorecards_scorecardtemplate_change", args=[template.pk]), {"name": "Hacked"}
    )
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name != "Hacked"


def test_resilience_and_portability_show_the_vendors_concentration_and_rehearsals(client, legal_user):
    evaluation = EvaluationFactory(scores=all_scores(3))
    workload = WorkloadFactory(name="Fraud scoring API")
    compute(workload, evaluation.vendor, "committed", 64)
    client.force_login(legal_user)
    html = client.get(reverse("scorecards:evaluation-detail", args=[evaluation.pk])).content.decode()
    # Loaded by htmx after the page, for portability and resilience; without JavaScript, a link.
    exposure = reverse("resilience:vendor-exposure", args=[evaluation.vendor.pk])
    assert f'hx-get="{exposure}?part=concentration"' in html
    assert f'hx-get="{exposure}?part=all"' in html
    assert f'<a href="{exposure}">Our concentration on {evaluation.vendor.name}' in html

    htmx = {"HX-Request": "true"}
    portability = client.get(f"{exposure}?part=concentration", headers=htmx).content.decode()
    assert f"Concentration on {evaluation.vendor.name}" in portability
    assert "<html" not in portability and "Failover rehearsals" not in portability
    resilience = client.get(f"{exposure}?part=all", headers=htmx).content.decode()
    assert f"Failover rehearsals of the workloads on {evaluation.vendor.name}" in resilience
    assert "Fraud scoring API" in resilience and "Never rehearsed" in resilience


def test_beside_a_dimension_the_evidence_lists_the_first_few_and_links_to_the_rest(client, legal_user):
    evaluation = EvaluationFactory(scores=all_scores(3))
    for n in range(10):
        compute(
            WorkloadFactory(name=f"Workload {n:02}", criticality="critical"),
            evaluation.vendor,
            "committed",
            8,
        )
    client.force_login(legal_user)
    exposure = reverse("resilience:vendor-exposure", args=[evaluation.vendor.pk])
    brief = client.get(f"{exposure}?part=all", headers={"HX-Request": "true"}).content.decode()
    assert brief.count("Never rehearsed: failover is untested") == 8
    assert "8 of 10 workloads shown" in brief and f'href="{exposure}"' in brief
    # Ten critical workloads without an emergency band: ten findings, five shown beside the dimension.
    assert "5 of 10 findings shown" in brief
    full = client.get(exposure).content.decode()
    assert full.count("Never rehearsed: failover is untested") == 10 and "workloads shown" not in full


def test_the_vendor_page_shows_its_evaluations_over_time_and_its_exposure(client, legal_user):
    evaluation = EvaluationFactory(scores=all_scores(4))
    EvaluationFactory(vendor=evaluation.vendor, scores=all_scores(2))
    client.force_login(legal_user)
    html = client.get(reverse("vendors:vendor-detail", args=[evaluation.vendor.pk])).content.decode()
    assert "Evaluations over time" in html and "<svg" in html
    assert reverse("resilience:vendor-exposure", args=[evaluation.vendor.pk]) in html


def test_the_evaluation_page_links_to_its_decision_record(client, legal_user):
    evaluation = EvaluationFactory(scores=all_scores(3))
    client.force_login(legal_user)
    html = client.get(reverse("scorecards:evaluation-detail", args=[evaluation.pk])).content.decode()
    assert reverse("scorecards:record-status", args=[evaluation.pk]) in html
    assert "Preview the decision record (draft)" in html
