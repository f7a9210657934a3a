"""Questionnaires for tests, made through the services (so they look like real ones)."""

import io
import zipfile
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from questionnaires import services
from questionnaires.models import QuestionnaireTemplate, Recipient
from tests.vendors.factories import VendorFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def template() -> QuestionnaireTemplate:
    """The default template the data migration ships (again, if a transactional test flushed it)."""
    found = services.default_template()
    if found is None:
        import_module("questionnaires.migrations.0002_default_template").seed(apps, None)
        found = services.default_template()
    return found


def send(actor, *, vendor=None, contacts=None, due_in_days=14, title="Due diligence"):
    return services.questionnaire_send(
        actor=actor,
        vendor=vendor or VendorFactory(processing_regions=["eu-west", "eu-north"]),
        template=template(),
        title=title,
        due_date=timezone.localdate() + timedelta(days=due_in_days),
        contacts=contacts or [services.Contact("Mira Solberg", "mira@vendor.example")],
    )


def token_of(actor, recipient: Recipient) -> str:
    """A portal token for the recipient (as the "show a new link" button makes one)."""
    return services.recipient_new_link(actor=actor, recipient=recipient).rstrip("/").rsplit("/", 1)[1]


def portal_path(token: str) -> str:
    return f"/portal/{token}/"


def office_file(kind: str) -> bytes:
    """A minimal docx/xlsx/pptx/odt/ods: a ZIP with the parts that say what it is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind in ("odt", "ods", "odp"):
            names = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}
            archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{names[kind]}")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[
                kind
            ]
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


def answers_by_code(questionnaire):
    return {a.question.code: a for a in questionnaire.answers.select_related("question")}


def field(questionnaire, code: str) -> str:
    return f"q{answers_by_code(questionnaire)[code].question_id}"


def required_values(questionnaire) -> dict[str, str]:
    """Form data answering every required question of the default template."""
    by_code = {code: field(questionnaire, code) for code in answers_by_code(questionnaire)}
    return {
        by_code["1.1"]: "256",
        by_code["1.2"]: "30",
        by_code["2.1"]: "eu-west",
        by_code["4.1"]: "ISO/IEC 27001",
        by_code["5.1"]: "0",
        by_code["5.3"]: "15",
        by_code["5.4"]: "120",
    }
