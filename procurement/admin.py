"""The audit trail in the admin: read-only. No add, no change, no delete, for anyone."""

from django.contrib import admin

from .models import AuditEvent, AuditVerification


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "occurred_at", "actor_name", "action", "object_type", "object_label"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_label", "object_id", "request_id", "hash"]
    date_hierarchy = "occurred_at"
    ordering = ["-sequence"]
    show_full_result_count = False


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    list_display = ["verified_at", "ok", "event_count", "head_sequence", "first_bad_sequence", "source"]
    list_filter = ["ok", "source"]
    ordering = ["-verified_at"]
