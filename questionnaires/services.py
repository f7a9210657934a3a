"""Procurement's side of questionnaires: send, add and revoke contacts, issue links, review, reopen.

Every function is one transaction with its audit event (on the questionnaire); mail is queued in
the same transaction (procurement.mail) and carries a placeholder for its link, made when it is
sent (questionnaires.tokens). The vendor contact's side is `questionnaires.portal`.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from procurement import audit, policies
from procurement.mail import SECRET_LINK, absolute_url, mail_enqueue
from scorecards import services as scorecards
from scorecards.models import DimensionKind, Evaluation
from vendors.models import Vendor

from . import answers, tokens
from .models import (
    Answer,
    AnswerKind,
    Questionnaire,
    QuestionnaireTemplate,
    Recipient,
    RegisterCheck,
    TemplateQuestion,
    TemplateSection,
)

DEFAULT_TEMPLATE_KEY = "ai-infrastructure"
MAX_RECIPIENTS = 10
# A questionnaire reopened for clarification gives its contacts at least this long to answer.
CLARIFICATION_DAYS = 14


class QuestionnaireError(Exception):
    """A rule refused the change; the message is written for the person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(QuestionnaireError):
    pass


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


# Templates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    text: str
    kind: str
    help_text: str = ""
    choices: tuple[str, ...] = ()
    unit: str = ""
    dimension: str = ""
    required: bool = False
    register_check: str = ""
    exit_right_code: str = ""


@dataclass(frozen=True)
class SectionSpec:
    title: str
    questions: tuple[QuestionSpec, ...]


def _check_spec(sections: Sequence[SectionSpec]) -> None:
    codes = [q.code for s in sections for q in s.questions]
    if not codes:
        raise ValidationError("A questionnaire needs at least one question.")
    if len(codes) != len(set(codes)):
        raise ValidationError("Each question code appears once per template.")
    for q in (q for s in sections for q in s.questions):
        if q.kind not in AnswerKind.values:
            raise ValidationError(f"Question {q.code}: unknown answer type “{q.kind}”.")
        if q.kind in (AnswerKind.ONE_OF, AnswerKind.SEVERAL_OF) and len(q.choices) < 2:
            raise ValidationError(f"Question {q.code}: give at least two options.")
        if q.dimension and q.dimension not in DimensionKind.values:
            raise ValidationError(f"Question {q.code}: unknown scorecard dimension “{q.dimension}”.")
        if q.register_check and q.register_check not in RegisterCheck.values:
            raise ValidationError(f"Question {q.code}: unknown register check “{q.register_check}”.")


@transaction.atomic(durable=True)
def questionnaire_template_create(
    *, actor, key: str, name: str, description: str = "", sections: Sequence[SectionSpec]
) -> QuestionnaireTemplate:
    """The next version of the template `key` (version 1 if new); earlier versions stay as they
    were for the questionnaires that use them, and are no longer offered."""
    if not policies.can_manage_questionnaire_templates(actor):
        raise NotAllowed("Only administrators manage questionnaire templates.")
    _check_spec(sections)
    latest = (
        QuestionnaireTemplate.objects.select_for_update().filter(key=key).aggregate(v=Max("version"))["v"]
    )
    template = QuestionnaireTemplate(key=key, version=(latest or 0) + 1, name=name, description=description)
    template.full_clean()
    template.save()
    QuestionnaireTemplate.objects.filter(key=key).exclude(pk=template.pk).update(is_active=False)
    for position, spec in enumerate(sections):
        section = TemplateSection.objects.create(template=template, title=spec.title, position=position)
        for q_position, q in enumerate(spec.questions):
            question = TemplateQuestion(
                section=section,
                position=q_position,
                **{**q.__dict__, "choices": list(q.choices)},
            )
            question.full_clean()
            question.save()
    audit.record(
        actor=actor,
        action="questionnaire_template.create",
        obj=template,
        after={
            "key": key,
            "version": template.version,
            "name": name,
            "questions": sum(len(s.questions) for s in sections),
        },
    )
    return template


def default_template() -> QuestionnaireTemplate | None:
    return (
        QuestionnaireTemplate.objects.filter(key=DEFAULT_TEMPLATE_KEY, is_active=True)
        .order_by("-version")
        .first()
    )


# Sending ------------------------------------------------------------------------------------


def _require_sender(actor) -> None:
    if not policies.can_send_questionnaires(actor):
        raise NotAllowed("Only procurement can send, revoke and review questionnaires.")


def _expiry(due_date: dt.date) -> dt.datetime:
    end_of_due = dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(end_of_due) + dt.timedelta(days=settings.QUESTIONNAIRE_LINK_DAYS_AFTER_DUE)


def _clean_contacts(contacts: Sequence[Contact], taken: set[str] = frozenset()) -> list[Contact]:
    if not contacts:
        raise ValidationError({"contacts": "Name at least one vendor contact."})
    if len(contacts) > MAX_RECIPIENTS:
        raise ValidationError({"contacts": f"Send to at most {MAX_RECIPIENTS} contacts at once."})
    cleaned, seen = [], set(taken)
    for contact in contacts:
        name, email = contact.name.strip(), contact.email.strip().lower()
        if not name or len(name) > 200:
            raise ValidationError({"contacts": "Each contact needs a name (up to 200 characters)."})
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"contacts": f"“{email[:100]}” is not an email address."}) from None
        if email in seen:
            raise ValidationError({"contacts": f"{email} is named twice."})
        seen.add(email)
        cleaned.append(Contact(name, email))
    return cleaned


def _mail_contact(
    recipient: Recipient, *, purpose: str, occasion: str, subject: str, template: str, **context
):
    """Queue a mail to a contact; its link is made when it is sent (never stored)."""
    questionnaire = recipient.questionnaire
    return mail_enqueue(
        key=tokens.mail_key(recipient, purpose, occasion),
        to=recipient,
        subject=subject,
        template=template,
        context={
            "questionnaire": questionnaire,
            "vendor": questionnaire.vendor,
            "link": SECRET_LINK,
            **context,
        },
    )


def _invite(recipient: Recipient) -> None:
    q = recipient.questionnaire
    _mail_contact(
        recipient,
        purpose="invitation",
        occasion=str(q.round),
        subject=f"Questionnaire: {q.title} (due {q.due_date:%-d %B %Y})",
        template="questionnaire_invitation",
        expires_at=recipient.expires_at,
    )


def _recipient_labels(questionnaire: Questionnaire) -> list[str]:
    return [r.label for r in questionnaire.recipients.order_by("pk")]


@transaction.atomic(durable=True)
def questionnaire_send(
    *,
    actor,
    vendor: Vendor,
    template: QuestionnaireTemplate,
    title: str,
    due_date: dt.date,
    contacts: Sequence[Contact],
    message: str = "",
) -> Questionnaire:
    """Create the questionnaire with an empty answer per question and send it to each contact."""
    _require_sender(actor)
    if not template.is_active:
        raise ValidationError({"template": "This template version is retired; choose the current one."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date cannot be in the past."})
    contacts = _clean_contacts(contacts)
    now = timezone.now()
    questionnaire = Questionnaire(
        template=template,
        vendor=vendor,
        title=title.strip(),
        message=message.strip(),
        due_date=due_date,
        sent_by=actor,
        sent_at=now,
    )
    questionnaire.full_clean()
    questionnaire.save()
    questions = TemplateQuestion.objects.filter(section__template=template)
    Answer.objects.bulk_create([Answer(questionnaire=questionnaire, question=q) for q in questions])
    for contact in contacts:
        recipient = Recipient(
            questionnaire=questionnaire, name=contact.name, email=contact.email, expires_at=_expiry(due_date)
        )
        recipient.full_clean()
        recipient.save()
        _invite(recipient)
    audit.record(
        actor=actor,
        action="questionnaire.send",
        obj=questionnaire,
        after={
            "title": questionnaire.title,
            "vendor": vendor.name,
            "template": str(template),
            "due_date": due_date,
            "recipients": _recipient_labels(questionnaire),
        },
    )
    return questionnaire


def _lock(questionnaire: Questionnaire) -> Questionnaire:
    return Questionnaire.objects.select_for_update().select_related("vendor").get(pk=questionnaire.pk)


@transaction.atomic(durable=True)
def recipient_add(*, actor, questionnaire: Questionnaire, name: str, email: str) -> Recipient:
    _require_sender(actor)
    locked = _lock(questionnaire)
    taken = set(locked.recipients.values_list("email", flat=True))
    if len(taken) >= MAX_RECIPIENTS:
        raise ValidationError({"contacts": f"A questionnaire goes to at most {MAX_RECIPIENTS} contacts."})
    (contact,) = _clean_contacts([Contact(name, email)], taken)
    recipient = Recipient(
        questionnaire=locked,
        name=contact.name,
        email=contact.email,
        expires_at=max(_expiry(locked.due_date), timezone.now() + dt.timedelta(days=CLARIFICATION_DAYS)),
    )
    recipient.full_clean()
    recipient.save()
    _invite(recipient)
    audit.record(
        actor=actor, action="questionnaire.recipient_add", obj=locked, after={"recipient": recipient.label}
    )
    return recipient


@transaction.atomic(durable=True)
def recipient_revoke(*, actor, recipient: Recipient) -> Recipient:
    """Every link of the contact stops working at once."""
    _require_sender(actor)
    locked = _lock(recipient.questionnaire)
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk, questionnaire=locked)
    if recipient.revoked_at is not None:
        raise QuestionnaireError(f"The links of {recipient.name} were already revoked.")
    recipient.revoked_at, recipient.revoked_by = timezone.now(), actor
    recipient.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        action="questionnaire.recipient_revoke",
        obj=locked,
        before={"recipient": recipient.label, "revoked": False},
        after={"recipient": recipient.label, "revoked": True},
    )
    return recipient


@transaction.atomic(durable=True)
def recipient_new_link(*, actor, recipient: Recipient) -> str:
    """A new link for the contact, returned once (to hand over another way than mail)."""
    _require_sender(actor)
    locked = _lock(recipient.questionnaire)
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk, questionnaire=locked)
    if not recipient.is_active_at(timezone.now()):
        raise QuestionnaireError(
            f"The access of {recipient.name} was revoked or has expired: add the contact again."
        )
    token = tokens.link_create(recipient, "shown")
    audit.record(
        actor=actor, action="questionnaire.link_issue", obj=locked, after={"recipient": recipient.label}
    )
    return tokens.portal_url(token)


# Review ---------------------------------------------------------------------------------------


def answer_url(answer: Answer) -> str:
    return absolute_url(reverse("questionnaires:answer-detail", args=[answer.questionnaire_id, answer.pk]))


def _excerpt(answer: Answer) -> str:
    text = answers.with_unit(answer)
    files = answers.files_line(answer.files.all())
    return "\n".join(part for part in (text, f"Files: {files}" if files else "") if part) or "(no answer)"


def _source(answer: Answer, questionnaire: Questionnaire) -> str:
    submission = questionnaire.submissions.order_by("-round").first()
    by = (
        f", submitted {submission.submitted_at:%Y-%m-%d} by {submission.submitted_by_label}"
        if submission
        else ""
    )
    return f"Vendor questionnaire “{questionnaire.title}” (#{questionnaire.pk}), question {answer.question.code}{by}"


def _reopen(locked: Questionnaire, note: str, actor) -> None:
    """Back to the vendor for another round; each active contact is told, with a fresh link."""
    now = timezone.now()
    locked.status = Questionnaire.Status.OPEN
    locked.round += 1
    locked.save(update_fields=["status", "round", "updated_at"])
    floor = now + dt.timedelta(days=CLARIFICATION_DAYS)
    for recipient in locked.recipients.filter(revoked_at__isnull=True).select_for_update():
        if recipient.expires_at < floor:
            recipient.expires_at = floor
            recipient.save(update_fields=["expires_at"])
        _mail_contact(
            recipient,
            purpose="clarification",
            occasion=str(locked.round),
            subject=f"Clarification needed: {locked.title}",
            template="questionnaire_clarification",
            note=note,
            clarifications=list(
                locked.answers.filter(review=Answer.Review.CLARIFICATION).select_related("question")
            ),
        )


ACCEPT, CLARIFY = "accept", "clarify"


@transaction.atomic(durable=True)
def answer_review(
    *, actor, answer: Answer, decision: str, note: str = "", evaluation: Evaluation | None = None
) -> Answer:
    """Accept a submitted answer (as evidence on the matching dimension of a draft evaluation of
    the same vendor, when one is chosen), or ask for clarification, which reopens the
    questionnaire with the note shown to the vendor."""
    _require_sender(actor)
    locked = _lock(answer.questionnaire)
    answer = (
        Answer.objects.select_for_update().select_related("question").get(pk=answer.pk, questionnaire=locked)
    )
    if locked.status != Questionnaire.Status.SUBMITTED:
        raise QuestionnaireError("Answers are reviewed once the vendor has submitted the questionnaire.")
    note = note.strip()
    before = {"answer": answer.question.code, "review": answer.review}
    if decision == ACCEPT and answer.review == Answer.Review.ACCEPTED:
        raise QuestionnaireError(f"Answer {answer.question.code} is already accepted.")
    if decision == ACCEPT:
        if evaluation is not None:
            if evaluation.vendor_id != locked.vendor_id:
                raise ValidationError({"evaluation": "Choose an evaluation of this questionnaire's vendor."})
            if not answer.question.dimension:
                raise ValidationError(
                    {
                        "evaluation": "This question is not mapped to a scorecard dimension: accept it without an evaluation."
                    }
                )
            try:
                evidence = scorecards.evidence_add_sourced(
                    actor=actor,
                    evaluation=evaluation,
                    dimension_kind=answer.question.dimension,
                    title=f"Questionnaire answer {answer.question.code}: {answer.question.text}",
                    url=answer_url(answer),
                    excerpt=_excerpt(answer),
                    source=_source(answer, locked),
                )
            except scorecards.ScorecardError as error:
                raise ValidationError({"evaluation": error.message}) from error
            answer.evidence_id, answer.evaluation_id = evidence.pk, evaluation.pk
        answer.review = Answer.Review.ACCEPTED
        answer.review_note = note
    elif decision == CLARIFY:
        if not note:
            raise ValidationError({"note": "Say what the vendor should clarify: they will read this note."})
        answer.review = Answer.Review.CLARIFICATION
        answer.review_note = note
    else:
        raise ValidationError({"decision": "Accept the answer or ask for clarification."})
    answer.reviewed_by, answer.reviewed_at = actor, timezone.now()
    answer.save(
        update_fields=["review", "review_note", "reviewed_by", "reviewed_at", "evidence_id", "evaluation_id"]
    )
    after = {"answer": answer.question.code, "review": answer.review, "note": note}
    if answer.evaluation_id:
        after |= {"evaluation": answer.evaluation_id, "evidence": answer.evidence_id}
    if decision == CLARIFY:
        _reopen(locked, note, actor)
        after |= {"status": locked.status, "round": locked.round}
    audit.record(
        actor=actor,
        action="questionnaire.answer_accept" if decision == ACCEPT else "questionnaire.answer_clarify",
        obj=locked,
        before=before,
        after=after,
    )
    return answer


@transaction.atomic(durable=True)
def questionnaire_reopen(*, actor, questionnaire: Questionnaire, note: str) -> Questionnaire:
    """Give a submitted questionnaire back to the vendor, with a note they will read."""
    _require_sender(actor)
    locked = _lock(questionnaire)
    if locked.status != Questionnaire.Status.SUBMITTED:
        raise QuestionnaireError("Only a submitted questionnaire can be reopened.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Tell the vendor why the questionnaire is reopened."})
    before = {"status": locked.status, "round": locked.round}
    _reopen(locked, note, actor)
    audit.record(
        actor=actor,
        action="questionnaire.reopen",
        obj=locked,
        before=before,
        after={"status": locked.status, "round": locked.round, "note": note},
    )
    return locked


# Reminders ------------------------------------------------------------------------------------


def contact_reminder_queue(recipient: Recipient, when: str):
    """Queue one contact's reminder (call inside a transaction); None if it was queued before."""
    q = recipient.questionnaire
    return _mail_contact(
        recipient,
        purpose="reminder",
        occasion=f"{q.round}:{q.due_date.isoformat()}:{when}",
        subject=(
            f"Overdue: {q.title} (was due {q.due_date:%-d %B %Y})"
            if when == "overdue"
            else f"Reminder: {q.title} is due {q.due_date:%-d %B %Y}"
        ),
        template="questionnaire_reminder",
        overdue=when == "overdue",
    )
