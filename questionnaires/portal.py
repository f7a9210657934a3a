"""The vendor contact's side: open, save a draft, attach and remove files, submit.

The contact's token was checked by the view (`tokens.recipient_for`); these functions take the
recipient it opened. Each is one transaction with its audit event, whose actor is the contact
(named, linked to no user). Files are written through the storage API before the transaction
commits and removed again if it fails, as evidence files are.
"""

import hashlib
import os
from collections.abc import Mapping, Sequence

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from procurement import audit
from procurement.mail import absolute_url, mail_enqueue

from . import answers, uploads
from .models import Answer, AnswerFile, AnswerKind, Questionnaire, Recipient, Submission
from .services import QuestionnaireError

MAX_FILES_PER_ANSWER = 10


class PortalClosed(QuestionnaireError):
    pass


class FileNotAttached(QuestionnaireError):
    pass


def _lock(recipient: Recipient) -> tuple[Questionnaire, Recipient]:
    questionnaire = (
        Questionnaire.objects.select_for_update().select_related("vendor").get(pk=recipient.questionnaire_id)
    )
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if not recipient.is_active_at(timezone.now()):
        raise PortalClosed("This link is no longer valid.")
    return questionnaire, recipient


@transaction.atomic(durable=True)
def portal_open(*, recipient: Recipient) -> bool:
    """Record the first time a contact opens the questionnaire (later visits write nothing)."""
    questionnaire, recipient = _lock(recipient)
    if recipient.first_opened_at is not None:
        return False
    recipient.first_opened_at = timezone.now()
    recipient.save(update_fields=["first_opened_at"])
    audit.record(
        actor=recipient,
        action="questionnaire.portal_open",
        obj=questionnaire,
        after={"contact": recipient.label},
    )
    return True


def _safe_name(name: str | None) -> str:
    base = os.path.basename((name or "file").replace("\\", "/")).replace("\x00", "")
    return base[:255] or "file"


def _store(answer: Answer, upload, recipient: Recipient, stored: list[str]) -> AnswerFile:
    content_type, extension = uploads.sniff(upload)
    sha = uploads.sha256_of(upload)
    if answer.files.filter(sha256=sha).exists():
        raise uploads.FileRefused(f"“{_safe_name(upload.name)[:80]}” is already attached to this answer.")
    if answer.files.count() >= MAX_FILES_PER_ANSWER:
        raise uploads.FileRefused(f"Attach at most {MAX_FILES_PER_ANSWER} files to one answer.")
    attached = AnswerFile(
        answer=answer,
        original_name=_safe_name(upload.name),
        content_type=content_type,
        extension=extension,
        size=upload.size,
        sha256=sha,
        uploaded_by=recipient,
        uploaded_at=timezone.now(),
    )
    attached.file.save(sha, File(upload), save=False)
    stored.append(attached.file.name)
    attached.full_clean(exclude=["file"])
    attached.save()
    return attached


def portal_save(
    *,
    recipient: Recipient,
    values: Mapping[int, object],
    files: Mapping[int, Sequence] | None = None,
    submit: bool = False,
) -> Questionnaire:
    """Save the answers given (question id -> stored value) and attach files; with `submit`,
    check that every required question is answered and hand the questionnaire to procurement."""
    stored: list[str] = []
    try:
        return _save(recipient=recipient, values=values, files=files or {}, submit=submit, stored=stored)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _snapshot(questionnaire: Questionnaire) -> dict:
    return {
        "questionnaire": questionnaire.pk,
        "title": questionnaire.title,
        "round": questionnaire.round,
        "answers": [
            {
                "code": a.question.code,
                "question": a.question.text,
                "value": a.value,
                "files": [
                    {"name": f.original_name, "size": f.size, "sha256": f.sha256} for f in a.files.all()
                ],
            }
            for a in questionnaire.answers.select_related("question").prefetch_related("files")
        ],
    }


@transaction.atomic(durable=True)
def _save(*, recipient, values, files, submit, stored) -> Questionnaire:
    questionnaire, recipient = _lock(recipient)
    if not questionnaire.is_open:
        raise PortalClosed("This questionnaire was submitted: it can no longer be changed.")
    by_question = {
        a.question_id: a
        for a in questionnaire.answers.select_related("question").select_for_update(of=("self",))
    }
    unknown = (set(values) | set(files)) - set(by_question)
    if unknown:
        raise ValueError(f"questions not in this questionnaire: {sorted(unknown)}")
    now = timezone.now()
    changed, attached = [], []
    for question_id, value in values.items():
        answer = by_question[question_id]
        if answer.question.kind == AnswerKind.FILE or answer.value == value:
            continue
        answer.value, answer.saved_by, answer.saved_at = value, recipient, now
        # A changed answer is reviewed again (evidence made from the old one stays where it is,
        # quoting what was accepted then).
        answer.review = Answer.Review.PENDING
        answer.save(update_fields=["value", "saved_by", "saved_at", "review"])
        changed.append(answer.question.code)
    for question_id, uploads_given in files.items():
        answer = by_question[question_id]
        for upload in uploads_given:
            try:
                attached_file = _store(answer, upload, recipient, stored)
            except uploads.FileRefused as error:
                raise uploads.FileRefused(f"Question {answer.question.code}: {error.message}") from error
            attached.append(f"{answer.question.code}: {attached_file.original_name} ({attached_file.sha256})")
    if changed or attached:
        audit.record(
            actor=recipient,
            action="questionnaire.portal_save",
            obj=questionnaire,
            after={"contact": recipient.label, "answers": changed, "files": attached},
        )
    if submit:
        _submit(questionnaire, recipient, list(by_question.values()), now)
    return questionnaire


def _submit(questionnaire: Questionnaire, recipient: Recipient, all_answers: list[Answer], now) -> None:
    counts = dict(
        AnswerFile.objects.filter(answer__questionnaire=questionnaire)
        .values("answer_id")
        .annotate(n=Count("pk"))
        .values_list("answer_id", "n")
    )
    missing = [
        a.question.code
        for a in all_answers
        if a.question.required and not answers.is_answered(a, counts.get(a.pk, 0))
    ]
    if missing:
        raise QuestionnaireError(
            f"Answer every required question before submitting; still open: {', '.join(sorted(missing))}."
        )
    snapshot = _snapshot(questionnaire)
    canonical = audit.canonical_json(snapshot)
    submission = Submission.objects.create(
        questionnaire=questionnaire,
        round=questionnaire.round,
        submitted_by=recipient,
        submitted_by_label=recipient.label,
        submitted_at=now,
        content=canonical,
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
    )
    questionnaire.status, questionnaire.submitted_at = Questionnaire.Status.SUBMITTED, now
    questionnaire.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        actor=recipient,
        action="questionnaire.portal_submit",
        obj=questionnaire,
        before={"status": Questionnaire.Status.OPEN},
        after={
            "status": questionnaire.status,
            "contact": recipient.label,
            "round": submission.round,
            "sha256": submission.sha256,
        },
    )
    mail_enqueue(
        key=f"questionnaire.submitted:{questionnaire.pk}:{submission.round}",
        to=questionnaire.sent_by,
        subject=f"Questionnaire submitted: {questionnaire.title} ({questionnaire.vendor})",
        template="questionnaire_submitted",
        context={
            "questionnaire": questionnaire,
            "submission": submission,
            "link": absolute_url(reverse("questionnaires:detail", args=[questionnaire.pk])),
        },
    )


@transaction.atomic(durable=True)
def portal_file_remove(*, recipient: Recipient, file_id: int) -> None:
    questionnaire, recipient = _lock(recipient)
    attached = (
        AnswerFile.objects.select_related("answer__question")
        .filter(pk=file_id, answer__questionnaire=questionnaire)
        .first()
    )
    if attached is None:
        raise FileNotAttached("That file is not attached to this questionnaire.")
    if not questionnaire.is_open:
        raise PortalClosed("This questionnaire was submitted: it can no longer be changed.")
    if attached.answer.evidence_id:
        raise QuestionnaireError(
            "This file belongs to an answer accepted as evidence and stays on record: attach a new one instead."
        )
    name, label = (
        attached.file.name,
        f"{attached.answer.question.code}: {attached.original_name} ({attached.sha256})",
    )
    attached.delete()
    if not AnswerFile.objects.filter(file=name).exists():
        transaction.on_commit(lambda: default_storage.delete(name))
    audit.record(
        actor=recipient,
        action="questionnaire.portal_file_remove",
        obj=questionnaire,
        before={"file": label},
        after={"contact": recipient.label, "file": None},
    )
