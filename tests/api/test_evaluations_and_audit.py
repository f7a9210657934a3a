"""Evaluations and decision records (read-only through the API) and the audit trail."""

import hashlib

import pytest
from django.utils import timezone

from procurement import audit
from procurement.models import AuditEvent
from scorecards.models import DecisionRecord, Evaluation
from tests.scorecards.factories import EvaluationFactory, evaluation_with_contract
from tests.vendors.factories import VendorFactory

from .conftest import assert_error

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a decision record\n%%EOF\n"


def _issue_record(evaluation: Evaluation) -> DecisionRecord:
    head = audit.head()
    return DecisionRecord.objects.create(
        evaluation=evaluation,
        number=f"DR-{evaluation.pk:06d}",
        decision=evaluation.status,
        pdf=PDF,
        size=len(PDF),
        page_count=2,
        page_size="a4",
        sha256=hashlib.sha256(PDF).hexdigest(),
        content="{}",
        fingerprint="f" * 64,
        audit_head_sequence=head.sequence,
        audit_head_hash=head.hash,
        issued_at=timezone.now(),
    )


def test_evaluations_are_listed_with_scores_and_totals(api_as, legal_user):
    evaluation = evaluation_with_contract(scores={"capacity": 4, "portability": 3})
    body = api_as(legal_user).get("/api/v1/evaluations").json()
    assert [e["id"] for e in body["results"]] == [evaluation.pk]
    detail = api_as(legal_user).get(f"/api/v1/evaluations/{evaluation.pk}").json()
    scored = {s["dimension"]: s["score"] for s in detail["scores"]}
    assert scored["capacity"] == 4 and scored["resilience"] is None
    assert detail["contract"]["reference"] == evaluation.contract.reference
    assert detail["template"]["key"] == "standard"


@pytest.mark.parametrize("rows", [10, 500])
def test_evaluation_and_contract_lists_hold_their_query_count(
    api_as, auditor_user, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        evaluation_with_contract()
    client = api_as(auditor_user)
    for path in ("/api/v1/evaluations", "/api/v1/contracts", "/api/v1/audit/events"):
        with django_assert_max_num_queries(8):
            response = client.get(path, {"page_size": 100})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(rows, 100) or path.endswith("events")


def test_evaluation_list_filters_like_the_page(api_as, auditor_user):
    vendor = VendorFactory()
    mine = EvaluationFactory(vendor=vendor, title="Nordlys reservation")
    EvaluationFactory(title="Other", status=Evaluation.Status.APPROVED)
    client = api_as(auditor_user)
    assert [e["id"] for e in client.get("/api/v1/evaluations", {"vendor": vendor.pk}).json()["results"]] == [
        mine.pk
    ]
    assert client.get("/api/v1/evaluations", {"q": "nordlys"}).json()["count"] == 1
    assert client.get("/api/v1/evaluations", {"status": "approved"}).json()["count"] == 1
    assert_error(client.get("/api/v1/evaluations", {"status": "maybe"}), 422, "validation_error")


def test_evaluations_are_read_only_through_the_api(api_as, procurement_user):
    evaluation = EvaluationFactory()
    response = api_as(procurement_user).post(f"/api/v1/evaluations/{evaluation.pk}", {"status": "approved"})
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_people_without_a_role_see_no_evaluation(api_as, procurement_user):
    evaluation = EvaluationFactory()
    client = api_as(procurement_user)
    procurement_user.groups.clear()
    assert_error(client.get("/api/v1/evaluations"), 403, "permission_denied")
    assert_error(client.get(f"/api/v1/evaluations/{evaluation.pk}"), 404, "not_found")


def test_the_decision_record_is_served_byte_for_byte_with_its_hash(api_as, auditor_user):
    evaluation = EvaluationFactory(status=Evaluation.Status.APPROVED)
    record = _issue_record(evaluation)
    client = api_as(auditor_user)
    meta = client.get(f"/api/v1/evaluations/{evaluation.pk}/decision-record").json()
    assert meta["number"] == record.number and meta["sha256"] == record.sha256
    response = client.get(meta["pdf_url"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == PDF
    assert response["ETag"] == f'"{record.sha256}"'


def test_an_undecided_evaluation_has_no_decision_record(api_as, auditor_user):
    evaluation = EvaluationFactory()
    body = assert_error(
        api_as(auditor_user).get(f"/api/v1/evaluations/{evaluation.pk}/decision-record/pdf"), 404, "not_found"
    )
    assert "decision record" in body["message"]


# Audit trail ------------------------------------------------------------------------------


def test_auditors_read_the_audit_trail_filtered(api_as, auditor_user, procurement_user):
    api_as(procurement_user).post(
        "/api/v1/vendors", {"name": "Audited", "kind": "other", "hq_jurisdiction": "EU"}
    )
    client = api_as(auditor_user)
    body = client.get("/api/v1/audit/events", {"action": "vendor.create"}).json()
    assert body["count"] == 1
    event = body["results"][0]
    assert event["actor_id"] == procurement_user.pk and event["object_label"] == "Audited"
    assert len(event["hash"]) == 64
    one = client.get(f"/api/v1/audit/events/{event['sequence']}").json()
    assert one["hash"] == event["hash"]
    assert (
        client.get("/api/v1/audit/events", {"date_from": "2000-01-01", "actor": "pat"}).json()["count"] >= 1
    )
    assert_error(client.get("/api/v1/audit/events", {"date_from": "yesterday"}), 422, "validation_error")


@pytest.mark.parametrize("role_fixture", ["procurement_user", "legal_user", "platform_user"])
def test_the_audit_trail_does_not_exist_for_other_roles(api_as, request, role_fixture):
    client = api_as(request.getfixturevalue(role_fixture))
    assert_error(client.get("/api/v1/audit/events"), 404, "not_found")
    sequence = AuditEvent.objects.order_by("-sequence").first().sequence
    assert_error(client.get(f"/api/v1/audit/events/{sequence}"), 404, "not_found")


def test_admins_read_the_audit_trail(api_as, admin):
    assert api_as(admin).get("/api/v1/audit/events").status_code == 200
