"""Reads scoped to the person: everyone who reads the register reads questionnaires."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from procurement import policies
from scorecards.models import Evaluation

from .models import Answer, AnswerFile, Questionnaire, QuestionnaireTemplate, Recipient


def questionnaires_for(user) -> QuerySet[Questionnaire]:
    if not policies.can_view_questionnaires(user):
        return Questionnaire.objects.none()
    return Questionnaire.objects.select_related("vendor", "template", "sent_by").order_by("-sent_at", "-pk")


def questionnaire_rows(user) -> QuerySet[Questionnaire]:
    return questionnaires_for(user).annotate(
        recipient_count=Count("recipients", distinct=True),
        accepted_count=Count("answers", filter=Q(answers__review=Answer.Review.ACCEPTED), distinct=True),
    )


def questionnaire_for_user(user, pk: int) -> Questionnaire:
    found = questionnaires_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such questionnaire.")
    return found


def answers_of(questionnaire: Questionnaire) -> list[Answer]:
    return list(
        questionnaire.answers.select_related("question__section", "saved_by", "reviewed_by").prefetch_related(
            Prefetch("files", queryset=AnswerFile.objects.order_by("uploaded_at", "pk"))
        )
    )


def answer_for_user(user, questionnaire_pk: int, pk: int) -> Answer:
    questionnaire = questionnaire_for_user(user, questionnaire_pk)
    answer = (
        Answer.objects.select_related("question__section", "questionnaire__vendor")
        .prefetch_related("files")
        .filter(questionnaire=questionnaire, pk=pk)
        .first()
    )
    if answer is None:
        raise Http404("No such answer.")
    return answer


def answer_file_for_user(user, pk: int) -> AnswerFile:
    found = (
        AnswerFile.objects.select_related("answer__questionnaire")
        .filter(pk=pk, answer__questionnaire__in=questionnaires_for(user))
        .first()
    )
    if found is None:
        raise Http404("No such file.")
    return found


def recipient_for_user(user, questionnaire_pk: int, pk: int) -> Recipient:
    questionnaire = questionnaire_for_user(user, questionnaire_pk)
    found = questionnaire.recipients.filter(pk=pk).first()
    if found is None:
        raise Http404("No such contact.")
    return found


def evaluations_for_evidence(user, questionnaire: Questionnaire) -> QuerySet[Evaluation]:
    """Draft evaluations of the questionnaire's vendor that the person may add evidence to."""
    drafts = Evaluation.objects.filter(vendor_id=questionnaire.vendor_id, status=Evaluation.Status.DRAFT)
    if not policies.can_create_evaluations(user):
        return drafts.none()
    if not policies.is_admin(user):
        drafts = drafts.filter(author=user)
    return drafts.order_by("-created_at")


def active_templates() -> QuerySet[QuestionnaireTemplate]:
    return QuestionnaireTemplate.objects.filter(is_active=True).order_by("name", "-version")
