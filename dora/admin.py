"""The register of information in the admin: read-only, like the vendor register.

Entities, providers' and contracts' records, functions and overrides change only on the
register's pages, through the services that audit every change; a package and its signatures are
evidence of a decision and never change at all. The package's bytes are not shown (download them
from the package's page, where their SHA-256 is checked)."""

from django.contrib import admin

from procurement.admin import ReadOnlyAdmin

from .models import (
    ContractRecord,
    FinancialEntity,
    FunctionRecord,
    Override,
    Submission,
    SubmissionRequirement,
    SubmissionSignature,
    VendorRecord,
)


@admin.register(FinancialEntity)
class FinancialEntityAdmin(ReadOnlyAdmin):
    list_display = ["name", "lei", "euid", "country", "entity_type", "maintains_register", "updated_at"]
    list_filter = ["maintains_register", "country"]
    search_fields = ["name", "lei", "euid"]


@admin.register(VendorRecord)
class VendorRecordAdmin(ReadOnlyAdmin):
    list_display = ["vendor", "lei", "euid", "country", "person_type", "ultimate_parent"]
    search_fields = ["vendor__name", "lei", "euid"]
    list_select_related = ["vendor", "ultimate_parent"]


@admin.register(ContractRecord)
class ContractRecordAdmin(ReadOnlyAdmin):
    list_display = ["contract", "ict_service_type", "signing_entity", "provision_country", "reliance"]
    list_filter = ["ict_service_type", "reliance"]
    search_fields = ["contract__reference"]
    list_select_related = ["contract", "signing_entity"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "entities"]


@admin.register(FunctionRecord)
class FunctionRecordAdmin(ReadOnlyAdmin):
    list_display = ["identifier", "workload", "entity", "licensed_activity", "critical"]
    list_filter = ["critical"]
    search_fields = ["identifier", "workload__name"]
    list_select_related = ["workload", "entity"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = ["contract", "field", "value", "by", "at"]
    list_filter = ["field"]
    search_fields = ["contract__reference", "reason"]
    list_select_related = ["contract", "by"]


class SubmissionRequirementInline(admin.TabularInline):
    model = SubmissionRequirement
    fields = ["role", "slot", "stage", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["filename", "ref_date", "status", "sha256", "author", "created_at", "decided_at"]
    list_filter = ["status", "ref_date"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["author"]
    inlines = [SubmissionRequirementInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("package")

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "package"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)


@admin.register(SubmissionSignature)
class SubmissionSignatureAdmin(ReadOnlyAdmin):
    list_display = ["signer_name", "role", "decision", "submission", "authenticated_by", "signed_at"]
    list_filter = ["role", "decision", "authenticated_by"]
    search_fields = ["signer_name", "package_sha256"]
    list_select_related = ["submission"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("submission__package")
