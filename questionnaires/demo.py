"""Demo questionnaires: one sent to a demo vendor's contact and waiting for answers, one submitted
by the vendor and partly reviewed (two answers accepted as evidence on a draft evaluation, one
contradicting the register). Written through the services; idempotent: an existing questionnaire
(same vendor and title) is left alone. All fictional."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from scorecards.models import Evaluation
from vendors.models import Vendor

from . import portal, services
from .models import Questionnaire

OPEN_TITLE = "Due diligence 2027: capacity and exit"
SUBMITTED_TITLE = "Due diligence 2027"
# The smallest PDF a viewer opens: stands in for a vendor's certificate.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _answers(questionnaire: Questionnaire) -> dict[str, object]:
    return {a.question.code: a for a in questionnaire.answers.select_related("question")}


def seed() -> list[Questionnaire]:
    sender = User.objects.filter(username="priya").first()
    template = services.default_template()
    if sender is None or template is None:
        return []
    draft = (
        Evaluation.objects.filter(status=Evaluation.Status.DRAFT, author=sender)
        .select_related("vendor")
        .order_by("pk")
        .first()
    )
    vendors = list(Vendor.objects.order_by("name"))
    if not vendors:
        return []
    submitted_vendor = draft.vendor if draft else vendors[0]
    open_vendor = next((v for v in vendors if v.pk != submitted_vendor.pk), vendors[0])
    today = timezone.localdate()
    made = []

    existing = Questionnaire.objects.filter(vendor=open_vendor, title=OPEN_TITLE).first()
    made.append(
        existing
        or services.questionnaire_send(
            actor=sender,
            vendor=open_vendor,
            template=template,
            title=OPEN_TITLE,
            due_date=today + timedelta(days=21),
            contacts=[services.Contact("Mira Solberg", "mira.solberg@vendor.example")],
            message="Please answer before our renewal review. Save a draft at any time.",
        )
    )

    existing = Questionnaire.objects.filter(vendor=submitted_vendor, title=SUBMITTED_TITLE).first()
    if existing:
        made.append(existing)
        return made
    questionnaire = services.questionnaire_send(
        actor=sender,
        vendor=submitted_vendor,
        template=template,
        title=SUBMITTED_TITLE,
        due_date=today + timedelta(days=10),
        contacts=[services.Contact("Jonas Berg", "jonas.berg@vendor.example")],
    )
    recipient = questionnaire.recipients.get()
    portal.portal_open(recipient=recipient)
    by_code = _answers(questionnaire)
    regions = list(submitted_vendor.processing_regions or [])
    values = {
        "1.1": format(Decimal("512"), "f"),
        "1.2": "45",
        "1.3": "7",
        "1.4": True,
        "1.5": "Monthly",
        "2.1": ", ".join([*regions[:2], "ap-southeast"]),  # one region the register does not record
        "3.1": "none",
        "4.1": ["ISO/IEC 27001", "SOC 2 Type II"],
        "4.2": (today + timedelta(days=200)).isoformat(),
        "5.1": "2",
        "5.3": "15",
        "5.4": "240",
        "6.1": True,
        "7.1": True,
    }
    portal.portal_save(
        recipient=recipient,
        values={by_code[code].question_id: value for code, value in values.items() if code in by_code},
        files={by_code["4.3"].question_id: [SimpleUploadedFile("iso27001-certificate.pdf", DEMO_PDF)]},
        submit=True,
    )
    for code in ("1.1", "5.3"):
        services.answer_review(
            actor=sender,
            answer=_answers(questionnaire)[code],
            decision=services.ACCEPT,
            evaluation=draft,
            note="Matches the order form.",
        )
    made.append(questionnaire)
    return made
