"""JSON API of evaluations (with their sign-off rounds) and decision records: read-only. Drafting, scoring, submitting and signing stay in the
browser, where the person is present (and re-authenticates to sign).

Reads use the same selectors and filter set as the evaluation pages, and the same policies.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    Page,
    PageQuery,
    QueryBool,
    filtered,
    not_found,
    paginate,
    require,
)
from vendors.api.fields import Id, PersonOut, VendorRef, person
from vendors.models import WorkloadTier

from . import selectors
from .filters import EvaluationFilter
from .models import (
    DataSensitivity,
    DecisionRecord,
    DimensionKind,
    Evaluation,
    Signature,
    SigningRole,
    SignoffRound,
)

router = Router(tags=["Evaluations"])

EvaluationStatus = Literal[tuple(Evaluation.Status.values)]  # type: ignore[valid-type]
Tier = Literal[tuple(WorkloadTier.values)]  # type: ignore[valid-type]
Sensitivity = Literal[tuple(DataSensitivity.values)]  # type: ignore[valid-type]
Dimension = Literal[tuple(DimensionKind.values)]  # type: ignore[valid-type]
SigningRoleValue = Literal[tuple(SigningRole.values)]  # type: ignore[valid-type]
SignatureDecision = Literal[tuple(Signature.Decision.values)]  # type: ignore[valid-type]
RoundOutcome = Literal[tuple(SignoffRound.Outcome.values)]  # type: ignore[valid-type]


class ContractRef(Schema):
    id: int
    reference: str


class TemplateRef(Schema):
    id: int
    key: str
    version: int
    name: str


class EvaluationOut(Schema):
    id: int
    title: str
    vendor: VendorRef
    contract: ContractRef | None
    template: TemplateRef
    tier: Tier
    data_sensitivity: Sensitivity
    commitment_amount: Decimal
    commitment_currency: str
    author: PersonOut
    status: EvaluationStatus
    weighted_total: Decimal | None = Field(..., description="Weighted mean of the scores, 0 to 100.")
    gates_passed: bool | None = Field(..., description="False when a hard-gate dimension scored too low.")
    submitted_at: datetime | None
    decided_at: datetime | None
    content_hash: str = Field(..., description="SHA-256 of the content that was submitted for sign-off.")
    reevaluation_due: date | None
    revises: int | None = Field(..., description="Id of the decided evaluation this one revises.")
    created_at: datetime
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_vendor(obj):
        return {"id": obj.vendor_id, "name": obj.vendor.name}

    @staticmethod
    def resolve_contract(obj):
        return {"id": obj.contract_id, "reference": obj.contract.reference} if obj.contract_id else None

    @staticmethod
    def resolve_template(obj):
        t = obj.template
        return {"id": t.pk, "key": t.key, "version": t.version, "name": t.name}

    @staticmethod
    def resolve_author(obj):
        return person(obj.author)

    @staticmethod
    def resolve_revises(obj):
        return obj.revises_id

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(reverse("scorecards:evaluation-detail", args=[obj.pk]))


class EvidenceOut(Schema):
    id: int
    label: str
    url: str = Field(..., description="The link, for evidence that is a link; empty for a file.")
    file_name: str
    content_type: str
    size: int | None
    sha256: str
    added_at: datetime

    @staticmethod
    def resolve_file_name(obj) -> str:
        return obj.original_name


class ScoreOut(Schema):
    dimension: Dimension
    dimension_name: str
    weight: int = Field(..., description="Share of the total, in percent.")
    gate_minimum: int | None
    score: int | None
    rationale: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_dimension(obj) -> str:
        return obj.dimension.kind

    @staticmethod
    def resolve_dimension_name(obj) -> str:
        return obj.dimension.name

    @staticmethod
    def resolve_weight(obj) -> int:
        return obj.dimension.weight

    @staticmethod
    def resolve_gate_minimum(obj):
        return obj.dimension.gate_minimum


class RequiredSignoffOut(Schema):
    role: SigningRoleValue
    slot: int = Field(..., description="1 for the role's first signer, 2 for a second one.")
    stage: int = Field(..., description="0: any order; otherwise signed in increasing stage.")
    reason: str
    signed: bool

    @staticmethod
    def resolve_signed(obj) -> bool:
        return obj.given is not None


class SignatureOut(Schema):
    role: SigningRoleValue
    signer_id: int
    signer_name: str = Field(..., description="The signer's name at signing.")
    decision: SignatureDecision
    comment: str
    meaning: str = Field(..., description="What the signer was told their signature means.")
    content_hash: str = Field(..., description="SHA-256 of exactly the content signed.")
    signed_at: datetime


class SignoffRoundOut(Schema):
    number: int
    outcome: RoundOutcome
    content_hash: str = Field(..., description="SHA-256 of the content submitted in this round.")
    submitted_by_id: int
    submitted_at: datetime
    closed_at: datetime | None
    void: bool = Field(
        ..., description="True when the round closed without a decision: its signatures no longer count."
    )
    requirements: list[RequiredSignoffOut]
    signatures: list[SignatureOut]


def _signoff_round(view) -> dict:
    item = view.round
    return {
        "number": item.number,
        "outcome": item.outcome,
        "content_hash": item.content_hash,
        "submitted_by_id": item.submitted_by_id,
        "submitted_at": item.submitted_at,
        "closed_at": item.closed_at,
        "void": view.void,
        "requirements": view.requirements,
        "signatures": view.signatures,
    }


class EvaluationDetailOut(EvaluationOut):
    purpose: str
    scores: list[ScoreOut]
    signoff_rounds: list[SignoffRoundOut] = Field(..., description="Sign-off rounds, newest first.")

    @staticmethod
    def resolve_signoff_rounds(obj) -> list[dict]:
        return [_signoff_round(view) for view in selectors.signoff_rounds(obj)]


class EvaluationQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Search in title, vendor name, purpose.")
    status: EvaluationStatus | None = None
    tier: Tier | None = None
    vendor: Id | None = Field(None, description="Vendor id.")
    overdue: QueryBool | None = Field(
        None, description="true: approved decisions past their re-evaluation date."
    )
    sort: Literal["created", "-created", "total", "-total", "vendor", "-vendor", "title", "-title"] | None = (
        None
    )


@router.get("/evaluations", response={200: Page[EvaluationOut], **ERROR_RESPONSES})
def evaluation_list(request, query: Query[EvaluationQuery]):
    """Evaluations, searched, filtered and sorted like the evaluation list page."""
    require(policies.can_view_evaluations(request.user), "Reading evaluations needs a role.")
    evaluations = filtered(EvaluationFilter, query, selectors.evaluations_for_user(request.user))
    # The primary key last, so pages never repeat or skip an evaluation.
    order = evaluations.query.order_by or ("-created_at",)
    return paginate(request, evaluations.order_by(*order, "-pk"), query)


@router.get("/evaluations/{evaluation_id}", response={200: EvaluationDetailOut, **ERROR_RESPONSES})
def evaluation_detail(request, evaluation_id: Path[Id]):
    """One evaluation with its scores, rationales and evidence (links and file metadata)."""
    return selectors.evaluation_for_user(request.user, evaluation_id)


# Decision records: the PDF issued when an evaluation is decided, byte for byte as stored ----


class DecisionRecordOut(Schema):
    number: str = Field(..., description="The record id printed on every page.")
    decision: EvaluationStatus
    issued_at: datetime
    issued_by: PersonOut | None
    size: int = Field(..., description="Bytes of the PDF.")
    page_count: int
    page_size: Literal["a4", "letter"]
    sha256: str = Field(..., description="SHA-256 of the PDF bytes: compare it with the file you hold.")
    fingerprint: str = Field(..., description="SHA-256 of the content the record states (in its footer).")
    audit_head_sequence: int = Field(..., description="The audit chain head the record is anchored to.")
    audit_head_hash: str
    pdf_url: str

    @staticmethod
    def resolve_issued_by(obj):
        return person(obj.issued_by)

    @staticmethod
    def resolve_pdf_url(obj, context) -> str:
        return context["request"].build_absolute_uri(
            reverse("api-v1:decision_record_pdf", kwargs={"evaluation_id": obj.evaluation_id})
        )


def _decision_record(request, evaluation_id: int, *fields: str) -> DecisionRecord:
    evaluation = selectors.evaluation_for_user(request.user, evaluation_id)
    require(
        policies.can_download_decision_record(request.user, evaluation),
        "You may not download this evaluation's decision record.",
    )
    records = DecisionRecord.objects.filter(evaluation=evaluation)
    record = (records.only(*fields) if fields else records.select_related("issued_by").defer("pdf")).first()
    if record is None:
        raise not_found(
            "No decision record is issued for this evaluation (it is not decided, or not yet issued)."
        )
    return record


@router.get(
    "/evaluations/{evaluation_id}/decision-record", response={200: DecisionRecordOut, **ERROR_RESPONSES}
)
def decision_record(request, evaluation_id: Path[Id]):
    """The decision record's metadata: id, decision, hashes and the audit head it is anchored to."""
    return _decision_record(request, evaluation_id)


@router.get(
    "/evaluations/{evaluation_id}/decision-record/pdf",
    response=ERROR_RESPONSES,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF, identical on every download (its SHA-256 is the ETag).",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def decision_record_pdf(request, evaluation_id: Path[Id]):
    """Download the decision record's PDF."""
    record = _decision_record(request, evaluation_id, "number", "pdf", "sha256", "evaluation_id")
    response = HttpResponse(bytes(record.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-record-{record.number}.pdf"'
    response["ETag"] = f'"{record.sha256}"'
    response["Cache-Control"] = "private, no-store"
    return response
