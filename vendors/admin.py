"""The vendor register in the admin.

Exit-right kinds are configuration: admins add kinds (every contract's checklist then shows them)
and retire them, each change written to the audit trail. Vendors, contracts and their parts are
read-only here: they change only in the app, through the services that audit every change.
"""

from django.contrib import admin

from procurement.admin import ReadOnlyAdmin

from . import services
from .models import CapacityLine, Contract, ContractDocument, ExitRightClause, ExitRightKind, Layer, Vendor


@admin.register(ExitRightKind)
class ExitRightKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
    actions = None

    def get_readonly_fields(self, request, obj=None):
        # Clauses refer to a kind by its code in URLs and exports: it is fixed once created.
        return ["code"] if obj else []

    def get_prepopulated_fields(self, request, obj=None):
        # Only while adding: a read-only field is not in the form, so nothing can fill it.
        return {} if obj else self.prepopulated_fields

    def has_delete_permission(self, request, obj=None):
        return False  # retire a kind (untick "is active") so past clauses keep their meaning

    def save_model(self, request, obj, form, change):
        # The service audits the change and recounts every contract's missing exit rights.
        services.exit_right_kind_save(actor=request.user, kind=obj)


@admin.register(Layer)
class LayerAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "position"]


@admin.register(Vendor)
class VendorAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "status", "hq_jurisdiction", "runs_on", "updated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "legal_entity"]
    list_select_related = ["runs_on"]


class CapacityLineInline(admin.TabularInline):
    model = CapacityLine
    extra = 0
    can_delete = False
    readonly_fields = ["accelerator_model", "count", "region", "band"]

    def has_add_permission(self, request, obj=None):
        return False


class ExitRightClauseInline(CapacityLineInline):
    model = ExitRightClause
    readonly_fields = ["kind", "status", "reference", "notice_days", "fees"]
    fields = readonly_fields


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "vendor",
        "status",
        "end_date",
        "notice_deadline",
        "committed_spend",
        "currency",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["reference", "title", "vendor__name"]
    list_select_related = ["vendor"]
    inlines = [CapacityLineInline, ExitRightClauseInline]


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "contract", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["contract", "uploaded_by"]
    exclude = ["file"]  # served only through the app's checked download view

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f != "file"]
