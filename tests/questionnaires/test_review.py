"""Review: accept into evidence (which enters the signed content and the PDF), clarify (reopens),
and answers that contradict the register are flagged."""

import subprocess

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from procurement.models import AuditEvent
from questionnaires import checks, portal, selectors, services
from questionnaires.models import Answer, Questionnaire
from scorecards import signoff
from scorecards.models import Evidence
from tests.scorecards.factories import EvaluationFactory
from tests.vendors.factories import ClauseFactory, ContractFactory, VendorFactory
from vendors.models import ExitRightKind

from .factories import answers_by_code, send, token_of

pytestmark = pytest.mark.django_db


def _submit(questionnaire, recipient, **extra):
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
    values.update(extra)
    portal.portal_save(
        recipient=recipient,
        values={by_code[code].question_id: value for code, value in values.items()},
        submit=True,
    )
    questionnaire.refresh_from_db()
    return answers_by_code(questionnaire)


@pytest.fixture
def submitted(questionnaire, recipient):
    _submit(questionnaire, recipient)
    return questionnaire


@pytest.fixture
def draft(procurement_user, questionnaire):
    return EvaluationFactory(vendor=questionnaire.vendor, author=procurement_user)


def test_an_accepted_answer_becomes_evidence_on_its_dimension_and_enters_the_content_hash(
    procurement_user, submitted, draft
):
    before_canonical, before_hash = signoff.canonical_content(draft)
    answer = answers_by_code(submitted)["1.1"]
    services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=draft)
    evidence = Evidence.objects.get()
    assert evidence.score.evaluation == draft and evidence.score.dimension.kind == "capacity"
    assert evidence.url.endswith(reverse("questionnaires:answer-detail", args=[submitted.pk, answer.pk]))
    assert "256 GPUs" in evidence.excerpt and "question 1.1" in evidence.source
    canonical, content_hash = signoff.canonical_content(draft)
    assert content_hash != before_hash
    assert "256 GPUs" in canonical and "question 1.1" in canonical and "256 GPUs" not in before_canonical
    answer.refresh_from_db()
    assert (answer.review, answer.evidence_id, answer.evaluation_id) == ("accepted", evidence.pk, draft.pk)
    actions = list(AuditEvent.objects.order_by("-sequence").values_list("action", flat=True)[:2])
    assert actions == ["questionnaire.answer_accept", "evaluation.evidence_add"]


def _pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def test_accepted_evidence_is_in_the_decision_record_preview(client, procurement_user, submitted, draft):
    answer = answers_by_code(submitted)["5.3"]
    services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=draft)
    client.force_login(procurement_user)
    response = client.get(reverse("scorecards:record-preview", args=[draft.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "15 minutes" in text and "question 5.3" in text


def test_evidence_goes_only_to_a_draft_of_the_same_vendor(procurement_user, submitted):
    other = EvaluationFactory(vendor=VendorFactory(), author=procurement_user)
    answer = answers_by_code(submitted)["1.1"]
    with pytest.raises(ValidationError, match="this questionnaire's vendor"):
        services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=other)
    assert not Evidence.objects.exists()
    answer.refresh_from_db()
    assert answer.review == Answer.Review.PENDING


def test_an_answer_without_a_dimension_cannot_become_evidence(procurement_user, submitted, draft):
    answer = answers_by_code(submitted)["1.1"]
    answer.question.dimension = ""
    answer.question.save()
    with pytest.raises(ValidationError, match="not mapped"):
        services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=draft)


def test_only_the_drafts_author_adds_evidence_to_it(procurement_user, submitted):
    someone_elses = EvaluationFactory(vendor=submitted.vendor)
    assert someone_elses not in selectors.evaluations_for_evidence(procurement_user, submitted)
    with pytest.raises(ValidationError):
        services.answer_review(
            actor=procurement_user,
            answer=answers_by_code(submitted)["1.1"],
            decision="accept",
            evaluation=someone_elses,
        )
    assert not Evidence.objects.exists()


def test_asking_for_clarification_reopens_with_the_note_for_the_vendor(
    client, procurement_user, submitted, recipient, django_capture_on_commit_callbacks
):
    answer = answers_by_code(submitted)["2.1"]
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_review(
            actor=procurement_user, answer=answer, decision="clarify", note="Which data centre, exactly?"
        )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.round) == (Questionnaire.Status.OPEN, 2)
    (message,) = [m for m in mail.outbox if "Clarification" in m.subject]
    assert "Which data centre, exactly?" in message.body and "/portal/qp_" in message.body
    link = message.body.split("/portal/")[1].split()[0].rstrip("/")
    page = client.get(f"/portal/{link}/").content.decode()
    assert "Which data centre, exactly?" in page and "We asked you to clarify" in page
    # Resubmitting makes a second submission.
    _submit(submitted, recipient, **{"2.1": "eu-west (Dublin)"})
    assert list(submitted.submissions.values_list("round", flat=True)) == [2, 1]


def test_clarifying_needs_a_note(procurement_user, submitted):
    with pytest.raises(ValidationError, match="Say what the vendor should clarify"):
        services.answer_review(
            actor=procurement_user, answer=answers_by_code(submitted)["2.1"], decision="clarify"
        )


def test_nothing_is_reviewed_before_the_vendor_submits(procurement_user, questionnaire):
    with pytest.raises(services.QuestionnaireError):
        services.answer_review(
            actor=procurement_user, answer=answers_by_code(questionnaire)["1.1"], decision="accept"
        )


def test_only_procurement_reviews(legal_user, submitted):
    with pytest.raises(services.NotAllowed):
        services.answer_review(actor=legal_user, answer=answers_by_code(submitted)["1.1"], decision="accept")


def test_answers_that_contradict_the_register_are_flagged(procurement_user):
    host = VendorFactory(name="Nimbus Scale")
    vendor = VendorFactory(name="Helix", processing_regions=["eu-west"], runs_on=host)
    contract = ContractFactory(vendor=vendor, reference="HX-1", status="active")
    ClauseFactory(
        contract=contract,
        kind=ExitRightKind.objects.get(code="termination-for-convenience"),
        status="missing",
    )
    questionnaire = send(procurement_user, vendor=vendor)
    _submit(
        questionnaire,
        questionnaire.recipients.get(),
        **{"2.1": "eu-west, ap-southeast", "3.1": "Stratoverse Cloud", "6.2": True, "7.1": True},
    )
    all_answers = selectors.answers_of(questionnaire)
    flags = {a.question.code: f for a in all_answers if (f := checks.register_flags(vendor, [a]).get(a.pk))}
    assert flags["2.1"] == [
        "Region “ap-southeast” is not among the vendor's recorded processing regions (eu-west)."
    ]
    assert any("Stratoverse Cloud" in f for f in flags["3.1"])
    assert any("runs on Nimbus Scale" in f for f in flags["3.1"])
    assert flags["7.1"] == ["Claimed as present, but contract HX-1 has this exit right marked missing."]
    assert "6.2" in flags  # no clause recorded at all counts as missing
    assert "1.1" not in flags


def test_the_review_page_shows_flags_and_a_form_per_answer(client, procurement_user, submitted, draft):
    client.force_login(procurement_user)
    page = client.get(reverse("questionnaires:detail", args=[submitted.pk])).content.decode()
    assert "Record decision" in page and draft.title in page
    answer = answers_by_code(submitted)["1.1"]
    response = client.post(
        reverse("questionnaires:answer-review", args=[submitted.pk, answer.pk]),
        {
            f"a{answer.pk}-decision": "accept",
            f"a{answer.pk}-evaluation": str(draft.pk),
            f"a{answer.pk}-note": "",
        },
    )
    assert response.status_code == 302
    assert Evidence.objects.filter(score__evaluation=draft).count() == 1
    page = client.get(reverse("scorecards:evaluation-detail", args=[draft.pk])).content.decode()
    assert "question 1.1" in page and "256 GPUs" in page


def test_a_clarification_without_a_note_is_a_form_error(client, procurement_user, submitted):
    client.force_login(procurement_user)
    answer = answers_by_code(submitted)["1.1"]
    response = client.post(
        reverse("questionnaires:answer-review", args=[submitted.pk, answer.pk]),
        {f"a{answer.pk}-decision": "clarify"},
    )
    assert response.status_code == 200 and "Say what the vendor should clarify" in response.content.decode()


def test_the_token_of_a_revoked_contact_stops_even_after_a_reopen(
    client, procurement_user, submitted, recipient
):
    token = token_of(procurement_user, recipient)
    services.recipient_revoke(actor=procurement_user, recipient=recipient)
    services.questionnaire_reopen(actor=procurement_user, questionnaire=submitted, note="One more thing.")
    assert client.get(f"/portal/{token}/").status_code == 404


def test_an_answer_is_accepted_once_and_reviewed_again_when_the_vendor_changes_it(
    procurement_user, submitted, recipient, draft
):
    answer = answers_by_code(submitted)["1.1"]
    services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=draft)
    with pytest.raises(services.QuestionnaireError, match="already accepted"):
        services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=draft)
    services.questionnaire_reopen(actor=procurement_user, questionnaire=submitted, note="Update 1.1 please.")
    _submit(submitted, recipient, **{"1.1": "300"})
    answer.refresh_from_db()
    assert answer.review == Answer.Review.PENDING and answer.evidence_id  # the old evidence stays
    services.answer_review(actor=procurement_user, answer=answer, decision="accept", evaluation=draft)
    assert [e.excerpt.split()[0] for e in Evidence.objects.order_by("pk")] == ["256", "300"]
