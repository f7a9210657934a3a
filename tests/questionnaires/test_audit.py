"""The portal's writes (no actor: a vendor contact has no account) are audited like every other:
one event naming the contact, in the same transaction as the change (procurement's own services
are proved in tests/procurement/test_audit_coverage.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement import audit
from procurement.models import AuditEvent
from questionnaires import portal
from questionnaires.models import Answer, AnswerFile, Questionnaire, Recipient, Submission
from tests.procurement.test_audit_coverage import fingerprint, stored_files

from .factories import PDF, answers_by_code

pytestmark = pytest.mark.django_db


def _required(questionnaire):
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
    return {by_code[c].question_id: v for c, v in values.items()}


def _file(questionnaire):
    return {answers_by_code(questionnaire)["4.3"].question_id: [SimpleUploadedFile("iso.pdf", PDF)]}


CALLS = {
    "open": (lambda r, q: portal.portal_open(recipient=r), ["questionnaire.portal_open"]),
    "save": (
        lambda r, q: portal.portal_save(recipient=r, values=_required(q), files=_file(q)),
        ["questionnaire.portal_save"],
    ),
    "submit": (
        lambda r, q: portal.portal_save(recipient=r, values=_required(q), files=_file(q), submit=True),
        ["questionnaire.portal_save", "questionnaire.portal_submit"],
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_each_portal_write_is_one_event_per_step_naming_the_contact(name, questionnaire, recipient):
    call, actions = CALLS[name]
    head = audit.head().sequence
    call(recipient, questionnaire)
    events = list(AuditEvent.objects.filter(sequence__gt=head).order_by("sequence"))
    assert [e.action for e in events] == actions
    assert all(e.actor_id is None and e.actor_name == recipient.label for e in events)
    assert all(
        e.object_type == "questionnaires.questionnaire" and e.object_id == str(questionnaire.pk)
        for e in events
    )
    assert audit.verify_chain().ok


@pytest.mark.parametrize("name", CALLS)
def test_a_portal_write_whose_event_fails_leaves_nothing(name, questionnaire, recipient, monkeypatch):
    call, _ = CALLS[name]
    before, files = fingerprint(), stored_files()

    def failing(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        call(recipient, questionnaire)
    monkeypatch.undo()
    assert fingerprint() == before and stored_files() == files
    assert not AnswerFile.objects.exists() and not Submission.objects.exists()
    assert Questionnaire.objects.get(pk=questionnaire.pk).status == "open"
    assert Recipient.objects.get(pk=recipient.pk).first_opened_at is None


def test_removing_a_file_is_audited_and_all_or_nothing(questionnaire, recipient, monkeypatch):
    portal.portal_save(recipient=recipient, values={}, files=_file(questionnaire))
    attached = AnswerFile.objects.get()
    monkeypatch.setattr(audit, "record", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("down")))
    with pytest.raises(RuntimeError):
        portal.portal_file_remove(recipient=recipient, file_id=attached.pk)
    monkeypatch.undo()
    assert AnswerFile.objects.filter(pk=attached.pk).exists() and attached.file.storage.exists(
        attached.file.name
    )
    portal.portal_file_remove(recipient=recipient, file_id=attached.pk)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "questionnaire.portal_file_remove" and event.actor_name == recipient.label


def test_saving_unchanged_answers_writes_no_event(questionnaire, recipient):
    portal.portal_save(recipient=recipient, values=_required(questionnaire))
    head = audit.head().sequence
    portal.portal_save(recipient=recipient, values=_required(questionnaire))
    assert audit.head().sequence == head
    assert Answer.objects.filter(questionnaire=questionnaire, saved_by=recipient).count() == 7
