"""JSON API of questionnaires: send, read, revoke contacts, read answers.

Each endpoint does what the matching page does: the same policy, selector, form and service."""

from datetime import date, datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    ApiError,
    InputSchema,
    IsoDate,
    Page,
    PageQuery,
    paginate,
    require_read,
    require_write,
    write_through_form,
)
from vendors.api.fields import BodyId, Id, PersonOut, VendorRef, choices, person

from . import answers, checks, selectors, services
from .forms import SendForm
from .models import Questionnaire

router = Router(tags=["Questionnaires"])
Status_ = choices(Questionnaire.Status)


class RecipientOut(Schema):
    id: int
    name: str
    email: str
    expires_at: datetime
    revoked_at: datetime | None
    first_opened_at: datetime | None


class QuestionnaireOut(Schema):
    id: int
    title: str
    vendor: VendorRef
    template: str
    status: str
    round: int
    due_date: date
    sent_at: datetime
    submitted_at: datetime | None
    sent_by: PersonOut
    url: str

    @staticmethod
    def resolve_template(obj) -> str:
        return str(obj.template)

    @staticmethod
    def resolve_sent_by(obj):
        return person(obj.sent_by)

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(reverse("questionnaires:detail", args=[obj.pk]))


class QuestionnaireDetailOut(QuestionnaireOut):
    message: str
    recipients: list[RecipientOut]

    @staticmethod
    def resolve_recipients(obj):
        return list(obj.recipients.all())


class FileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class AnswerOut(Schema):
    id: int
    code: str
    section: str
    question: str
    kind: str
    unit: str
    dimension: str
    required: bool
    value: Any = Field(
        None,
        description="yes_no: true/false; one_of: a string; several_of: a list; number: a decimal string; date: YYYY-MM-DD; text.",
    )
    display: str
    files: list[FileOut]
    review: str
    review_note: str
    evaluation_id: int | None
    register_flags: list[str]


class QuestionnaireQuery(PageQuery):
    status: Status_ | None = None
    vendor: Id | None = None


class ContactIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field(..., min_length=3, max_length=254)


class QuestionnaireIn(InputSchema):
    vendor: BodyId
    template: BodyId | None = Field(
        None, description="A template version id; the default template when left out."
    )
    title: str = Field(..., min_length=1, max_length=200)
    due_date: IsoDate
    contacts: list[ContactIn] = Field(..., min_length=1, max_length=services.MAX_RECIPIENTS)
    message: str = Field("", max_length=5000)


def _refused(call):
    try:
        return call()
    except services.QuestionnaireError as error:
        raise ApiError(409, "conflict", error.message) from error


@router.get("/questionnaires", response={200: Page[QuestionnaireOut], **ERROR_RESPONSES})
def questionnaire_list(request, query: Query[QuestionnaireQuery]):
    """Questionnaires, newest first."""
    require_read(request)
    rows = selectors.questionnaires_for(request.user)
    if query.status:
        rows = rows.filter(status=query.status)
    if query.vendor:
        rows = rows.filter(vendor_id=query.vendor)
    return paginate(request, rows, query)


@router.get("/questionnaires/{questionnaire_id}", response={200: QuestionnaireDetailOut, **ERROR_RESPONSES})
def questionnaire_detail(request, questionnaire_id: Path[Id]):
    return selectors.questionnaire_for_user(request.user, questionnaire_id)


def _contacts_text(contacts) -> str:
    return "\n".join(f"{c['name']} <{c['email']}>" for c in contacts)


@router.post("/questionnaires", response={201: QuestionnaireDetailOut, **WRITE_RESPONSES})
def questionnaire_send(request, payload: QuestionnaireIn):
    """Send a questionnaire to the vendor's contacts: each gets a mail with a link of their own."""
    default = services.default_template()

    def save(form):
        data = form.cleaned_data
        return _refused(
            lambda: services.questionnaire_send(
                actor=request.user,
                vendor=data["vendor"],
                template=data["template"],
                title=data["title"],
                due_date=data["due_date"],
                contacts=data["contacts"],
                message=data["message"],
            )
        )

    questionnaire = write_through_form(
        request,
        allowed=policies.can_send_questionnaires(request.user),
        refusal="Sending questionnaires needs the procurement role.",
        form=SendForm,
        payload=payload,
        defaults={"template": default.pk if default else "", "message": ""},
        converters={"contacts": _contacts_text, "due_date": lambda d: d.isoformat()},
        save=save,
    )
    return Status(201, selectors.questionnaire_for_user(request.user, questionnaire.pk))


@router.post(
    "/questionnaires/{questionnaire_id}/recipients/{recipient_id}/revoke",
    response={200: RecipientOut, **WRITE_RESPONSES},
)
def recipient_revoke(request, questionnaire_id: Path[Id], recipient_id: Path[Id]):
    """Every link of this contact stops working at once."""
    recipient = selectors.recipient_for_user(request.user, questionnaire_id, recipient_id)
    require_write(
        request, policies.can_send_questionnaires(request.user), "Revoking needs the procurement role."
    )
    return _refused(lambda: services.recipient_revoke(actor=request.user, recipient=recipient))


@router.get("/questionnaires/{questionnaire_id}/answers", response={200: list[AnswerOut], **ERROR_RESPONSES})
def answer_list(request, questionnaire_id: Path[Id]):
    """Every answer with its files, its review and what it contradicts in the register."""
    questionnaire = selectors.questionnaire_for_user(request.user, questionnaire_id)
    all_answers = selectors.answers_of(questionnaire)
    flags = checks.register_flags(questionnaire.vendor, all_answers)
    return [
        {
            "id": a.pk,
            "code": a.question.code,
            "section": a.question.section.title,
            "question": a.question.text,
            "kind": a.question.kind,
            "unit": a.question.unit,
            "dimension": a.question.dimension,
            "required": a.question.required,
            "value": a.value,
            "display": answers.with_unit(a),
            "files": [
                {
                    "id": f.pk,
                    "name": f.original_name,
                    "content_type": f.content_type,
                    "size": f.size,
                    "sha256": f.sha256,
                }
                for f in a.files.all()
            ],
            "review": a.review,
            "review_note": a.review_note,
            "evaluation_id": a.evaluation_id,
            "register_flags": flags.get(a.pk, []),
        }
        for a in all_answers
    ]
