"""Admin: templates are editable only while no evaluation uses them; evaluations are read-only.

Evaluations, scores and their status change only through the services (the workflow pages).
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from procurement import audit
from procurement.admin import AuditedDeletionMixin, ReadOnlyAdmin

from . import scoring, services
from .models import (
    Dimension,
    Evaluation,
    Evidence,
    Score,
    ScorecardTemplate,
    Signature,
    SignoffPolicy,
    SignoffRound,
)


class DimensionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        weights = [
            form.cleaned_data.get("weight") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        error = scoring.weights_error(weights)
        if error:
            raise ValidationError(error)


class DimensionInline(admin.StackedInline):
    model = Dimension
    formset = DimensionFormSet
    extra = 0
    fields = ["kind", "name", "weight", "gate_minimum", "guiding_questions", "position"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not services.template_is_used(obj)

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(ScorecardTemplate)
class ScorecardTemplateAdmin(AuditedDeletionMixin, admin.ModelAdmin):
    list_display = ["name", "key", "version", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [DimensionInline]

    def has_change_permission(self, request, obj=None):
        # A version that evaluations use is frozen: edit it in the app to create the next version.
        if obj is not None and services.template_is_used(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and services.template_is_used(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj._audit_before = (
            services.template_snapshot(ScorecardTemplate.objects.get(pk=obj.pk)) if change else {}
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        template = form.instance
        audit.record(
            actor=request.user,
            action="scorecard_template.update" if change else "scorecard_template.create",
            obj=template,
            before=template._audit_before,
            after=services.template_snapshot(template),
        )

    def record_deletion(self, request, template) -> None:
        audit.record(
            actor=request.user,
            action="scorecard_template.delete",
            obj=template,
            before=services.template_snapshot(template),
            after=None,
        )


class ScoreInline(admin.TabularInline):
    model = Score
    fields = ["dimension", "score", "rationale"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["title", "vendor", "status", "weighted_total", "gates_passed", "author", "created_at"]
    list_filter = ["status", "tier", "data_sensitivity"]
    search_fields = ["title", "vendor__name"]
    list_select_related = ["vendor", "author"]
    inlines = [ScoreInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["label", "score", "content_type", "size", "added_at"]


# Sign-off ---------------------------------------------------------------------------------

POLICY_FIELDS = [
    "name",
    "role",
    "signers",
    "data_sensitivities",
    "tiers",
    "min_commitment",
    "commitment_currency",
    "stage",
    "is_active",
]


@admin.register(SignoffPolicy)
class SignoffPolicyAdmin(admin.ModelAdmin):
    """Admins decide who must sign what; rounds already opened keep the sign-offs they fixed."""

    list_display = ["name", "role", "signers", "min_commitment", "commitment_currency", "stage", "is_active"]
    list_filter = ["role", "is_active"]

    def has_delete_permission(self, request, obj=None):
        # Retire a policy (is_active) rather than delete it: the audit trail names it.
        return False

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(SignoffPolicy.objects.get(pk=obj.pk), POLICY_FIELDS) if change else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action="signoff_policy.update" if change else "signoff_policy.create",
                obj=obj,
                before=before,
                after=audit.snapshot(obj, POLICY_FIELDS),
            )


@admin.register(SignoffRound)
class SignoffRoundAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "number", "outcome", "submitted_at", "closed_at"]
    list_filter = ["outcome"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["signer_name", "role", "decision", "round", "signed_at"]
    list_filter = ["role", "decision"]
