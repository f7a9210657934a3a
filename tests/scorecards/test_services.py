from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement import policies
from procurement.models import AuditEvent
from scorecards import services
from scorecards.models import Evaluation, Evidence, ScorecardTemplate
from tests.procurement.factories import user_with_role
from tests.vendors.factories import PDF_BYTES, ContractFactory, VendorFactory

from .factories import PNG_BYTES, RATIONALE, EvaluationFactory, all_scores, default_template

pytestmark = pytest.mark.django_db


def specs(**weights) -> list[services.DimensionSpec]:
    base = {"capacity": 25, "portability": 20, "resilience": 20, "compliance": 20, "commercial": 15} | weights
    return [
        services.DimensionSpec(kind=k, name=k.title(), guiding_questions="Is it good enough?", weight=w)
        for k, w in base.items()
    ]


def create(actor, **overrides) -> Evaluation:
    vendor = overrides.pop("vendor", None) or VendorFactory()
    fields = {
        "vendor": vendor,
        "template": default_template(),
        "title": "Training capacity 2027",
        "purpose": "Reserve H200s for the next model family.",
        "tier": "experimental_training",
        "data_sensitivity": "internal",
        "commitment_amount": Decimal("2500000.00"),
        "commitment_currency": "USD",
    } | overrides
    return services.evaluation_create(actor=actor, **fields)


def entry(score, rationale=RATIONALE, **kwargs):
    return services.ScoreEntry(score=score, rationale=rationale, **kwargs)


def dimension_ids(evaluation) -> dict[str, int]:
    return {d.kind: d.pk for d in evaluation.template.dimensions.all()}


# Templates ------------------------------------------------------------------------------


def test_the_default_template_has_five_dimensions_whose_weights_sum_to_100():
    template = default_template()
    dims = list(template.dimensions.all())
    assert [d.kind for d in dims] == ["capacity", "portability", "resilience", "compliance", "commercial"]
    assert sum(d.weight for d in dims) == 100
    assert all(d.question_list() for d in dims)


def test_admin_creates_a_template_with_an_audit_event(admin):
    template = services.template_create(actor=admin, key="inference", name="Inference", dimensions=specs())
    assert template.version == 1 and template.dimensions.count() == 5
    event = AuditEvent.objects.get(action="scorecard_template.create")
    assert event.changes["capacity.weight"] == [None, 25]


def test_weights_not_summing_to_100_are_refused_with_a_clear_message(admin):
    with pytest.raises(services.TemplateError, match="add up to 110, not 100"):
        services.template_create(actor=admin, key="x", name="X", dimensions=specs(capacity=35))
    assert not ScorecardTemplate.objects.filter(key="x").exists()


def test_only_admins_manage_templates(procurement_user):
    with pytest.raises(services.NotAllowed):
        services.template_create(actor=procurement_user, key="x", name="X", dimensions=specs())


def test_editing_an_unused_version_changes_it_in_place(admin):
    template = services.template_create(actor=admin, key="t", name="T", dimensions=specs())
    saved = services.template_update(
        actor=admin,
        template=template,
        name="T2",
        description="",
        dimensions=specs(capacity=30, commercial=10),
    )
    assert saved.pk == template.pk and saved.version == 1
    assert saved.dimensions.get(kind="capacity").weight == 30
    event = AuditEvent.objects.get(action="scorecard_template.update")
    assert event.changes["capacity.weight"] == [25, 30] and event.changes["name"] == ["T", "T2"]


def test_editing_a_used_version_creates_the_next_and_leaves_the_used_one_unchanged(admin):
    template = default_template()
    EvaluationFactory(template=template)
    before = [(d.kind, d.weight, d.guiding_questions) for d in template.dimensions.all()]
    saved = services.template_update(
        actor=admin,
        template=template,
        name=template.name,
        description="",
        dimensions=specs(capacity=30, commercial=10),
    )
    assert saved.pk != template.pk and saved.version == 2 and saved.key == template.key
    assert [(d.kind, d.weight, d.guiding_questions) for d in template.dimensions.all()] == before
    assert saved.dimensions.get(kind="capacity").weight == 30
    assert AuditEvent.objects.filter(
        action="scorecard_template.new_version", object_id=str(saved.pk)
    ).exists()


def test_only_the_latest_version_can_be_edited(admin):
    template = default_template()
    EvaluationFactory(template=template)
    services.template_update(actor=admin, template=template, name="N", description="", dimensions=specs())
    with pytest.raises(services.TemplateError, match="not the latest"):
        services.template_update(actor=admin, template=template, name="N", description="", dimensions=specs())


def test_new_evaluations_must_use_the_latest_version(admin, procurement_user):
    template = default_template()
    EvaluationFactory(template=template)
    services.template_update(actor=admin, template=template, name="N", description="", dimensions=specs())
    with pytest.raises(services.TemplateError, match="latest version"):
        create(procurement_user, template=template)


# Evaluations ----------------------------------------------------------------------------


def test_procurement_creates_a_draft_with_one_empty_score_per_dimension_and_an_audit_event(procurement_user):
    evaluation = create(procurement_user)
    assert evaluation.status == Evaluation.Status.DRAFT and evaluation.author == procurement_user
    assert evaluation.scores.count() == 5 and not evaluation.scores.exclude(score=None).exists()
    event = AuditEvent.objects.get(action="evaluation.create")
    assert event.object_id == str(evaluation.pk)
    assert event.changes["title"] == [None, "Training capacity 2027"]


@pytest.mark.parametrize("role", [policies.LEGAL, policies.FINANCE, policies.AUDITOR, None])
def test_other_roles_cannot_create_evaluations(role):
    with pytest.raises(services.NotAllowed):
        create(user_with_role(role))
    assert not Evaluation.objects.exists()


def test_a_contract_of_another_vendor_is_refused(procurement_user):
    with pytest.raises(ValidationError) as error:
        create(procurement_user, vendor=VendorFactory(), contract=ContractFactory())
    assert "another vendor" in str(error.value)
    assert not Evaluation.objects.exists()


def test_the_author_updates_details_with_before_and_after(procurement_user):
    evaluation = create(procurement_user)
    services.evaluation_update(actor=procurement_user, evaluation=evaluation, title="Renamed decision")
    event = AuditEvent.objects.get(action="evaluation.update")
    assert event.changes == {"title": ["Training capacity 2027", "Renamed decision"]}


def test_another_procurement_user_cannot_change_someone_elses_draft(procurement_user):
    evaluation = create(procurement_user)
    with pytest.raises(services.NotAllowed):
        services.evaluation_update(
            actor=user_with_role(policies.PROCUREMENT), evaluation=evaluation, title="Mine"
        )


@pytest.mark.parametrize("status", sorted(Evaluation.FROZEN_STATES))
def test_a_frozen_evaluation_cannot_be_edited_or_rescored(procurement_user, status):
    evaluation = EvaluationFactory(author=procurement_user, status=status)
    with pytest.raises(services.EvaluationLocked):
        services.evaluation_update(actor=procurement_user, evaluation=evaluation, title="Changed")
    with pytest.raises(services.EvaluationLocked):
        services.evaluation_save_scores(
            actor=procurement_user,
            evaluation=evaluation,
            entries={dimension_ids(evaluation)["capacity"]: entry(3)},
        )


# Scores -----------------------------------------------------------------------------------


def test_saving_scores_stores_the_total_and_gates_and_audits_before_and_after(procurement_user):
    evaluation = create(procurement_user)
    ids = dimension_ids(evaluation)
    services.evaluation_save_scores(
        actor=procurement_user,
        evaluation=evaluation,
        entries={ids[k]: entry(v) for k, v in all_scores(4).items()},
    )
    evaluation.refresh_from_db()
    assert evaluation.weighted_total == Decimal("75.0") and evaluation.gates_passed is True
    event = AuditEvent.objects.get(action="evaluation.scores_update")
    assert event.changes["capacity.score"] == [None, 4]
    assert event.changes["capacity.rationale"] == ["", RATIONALE]
    assert event.changes["weighted_total"] == [None, "75.0"]


def test_a_score_under_its_gate_marks_the_evaluation_as_failing_its_gates(procurement_user):
    evaluation = create(procurement_user)
    ids = dimension_ids(evaluation)
    scores = all_scores(5) | {"compliance": 2}
    services.evaluation_save_scores(
        actor=procurement_user, evaluation=evaluation, entries={ids[k]: entry(v) for k, v in scores.items()}
    )
    evaluation.refresh_from_db()
    assert evaluation.gates_passed is False and evaluation.weighted_total == Decimal("85.0")


@pytest.mark.parametrize("rationale", ["", "   ", "fine", "Good."])
def test_a_score_without_a_real_rationale_is_refused_and_nothing_is_written(procurement_user, rationale):
    evaluation = create(procurement_user)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.evaluation_save_scores(
            actor=procurement_user,
            evaluation=evaluation,
            entries={dimension_ids(evaluation)["capacity"]: entry(4, rationale)},
        )
    assert not evaluation.scores.exclude(score=None).exists()
    assert AuditEvent.objects.count() == events


def test_evidence_links_are_added_and_removed_with_the_scores(procurement_user):
    evaluation = create(procurement_user)
    capacity = dimension_ids(evaluation)["capacity"]
    links = [("Order form", "https://example.test/order"), ("", "https://example.test/sla")]
    services.evaluation_save_scores(
        actor=procurement_user, evaluation=evaluation, entries={capacity: entry(4, links=links)}
    )
    assert set(Evidence.objects.values_list("url", flat=True)) == {
        "https://example.test/order",
        "https://example.test/sla",
    }
    services.evaluation_save_scores(
        actor=procurement_user, evaluation=evaluation, entries={capacity: entry(4, links=links[:1])}
    )
    assert list(Evidence.objects.values_list("url", flat=True)) == ["https://example.test/order"]
    last = AuditEvent.objects.filter(action="evaluation.scores_update").order_by("-sequence").first()
    assert last.changes["capacity.evidence"] == [
        ["https://example.test/order", "https://example.test/sla"],
        ["https://example.test/order"],
    ]


@pytest.mark.parametrize(
    ("content", "content_type"), [(PDF_BYTES, "application/pdf"), (PNG_BYTES, "image/png")]
)
def test_pdf_and_png_evidence_is_stored_through_the_storage_api(procurement_user, content, content_type):
    evaluation = create(procurement_user)
    upload = SimpleUploadedFile("scan.bin", content, content_type="application/octet-stream")
    services.evaluation_save_scores(
        actor=procurement_user,
        evaluation=evaluation,
        entries={dimension_ids(evaluation)["portability"]: entry(3, files=[upload])},
    )
    evidence = Evidence.objects.get()
    assert evidence.content_type == content_type and evidence.original_name == "scan.bin"
    assert default_storage.exists(evidence.file.name) and "scan" not in evidence.file.name
    with default_storage.open(evidence.file.name) as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00 not really a pdf", "not a PDF or PNG"),
        ("page.html", b"<html><script>alert(1)</script></html>", "not a PDF or PNG"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_files_that_are_not_pdf_or_png_by_their_bytes_are_refused(procurement_user, name, content, message):
    evaluation = create(procurement_user)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(services.EvidenceRejected, match=message):
        services.evaluation_save_scores(
            actor=procurement_user,
            evaluation=evaluation,
            entries={dimension_ids(evaluation)["portability"]: entry(3, files=[upload])},
        )
    assert not Evidence.objects.exists()


def test_files_over_the_size_limit_are_refused(procurement_user, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    evaluation = create(procurement_user)
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (1024 * 1024), content_type="application/pdf")
    with pytest.raises(services.EvidenceRejected, match="larger than the 1 MB limit"):
        services.evaluation_save_scores(
            actor=procurement_user,
            evaluation=evaluation,
            entries={dimension_ids(evaluation)["portability"]: entry(3, files=[upload])},
        )


def test_a_failed_save_removes_the_files_it_already_stored(procurement_user):
    evaluation = create(procurement_user)
    ids = dimension_ids(evaluation)
    good = SimpleUploadedFile("a.pdf", PDF_BYTES)
    with pytest.raises(ValidationError):
        services.evaluation_save_scores(
            actor=procurement_user,
            evaluation=evaluation,
            entries={ids["capacity"]: entry(3, files=[good]), ids["resilience"]: entry(3, rationale="no")},
        )
    assert not Evidence.objects.exists()
    folder = f"evidence/{evaluation.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder) == ([], [])


def test_deleting_evidence_removes_the_file_after_commit(
    procurement_user, django_capture_on_commit_callbacks
):
    evaluation = create(procurement_user)
    services.evaluation_save_scores(
        actor=procurement_user,
        evaluation=evaluation,
        entries={
            dimension_ids(evaluation)["capacity"]: entry(3, files=[SimpleUploadedFile("a.pdf", PDF_BYTES)])
        },
    )
    evidence = Evidence.objects.get()
    name = evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=procurement_user, evidence=evidence)
    assert not Evidence.objects.exists() and not default_storage.exists(name)
    event = AuditEvent.objects.get(action="evaluation.evidence_delete")
    assert event.changes == {"capacity.evidence": ["a.pdf", None]}
