"""Questionnaires in the admin: read-only (they change only through the services, which audit)."""

from django.contrib import admin

from procurement.admin import ReadOnlyAdmin

from .models import Answer, Questionnaire, QuestionnaireTemplate, Recipient, Submission


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "version", "is_active", "created_at"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["title", "vendor", "status", "due_date", "round", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["vendor"]


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyAdmin):
    list_display = ["name", "email", "questionnaire", "expires_at", "revoked_at", "first_opened_at"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["questionnaire", "question", "review", "saved_at"]
    list_filter = ["review"]
    list_select_related = ["questionnaire", "question"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["questionnaire", "round", "submitted_by_label", "submitted_at", "sha256"]
