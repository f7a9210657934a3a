"""The admin's part in the audit trail.

Audit events and verifications are read-only here: no add, no change, no delete, for anyone.
Users and groups are edited only in the admin (that is where roles are granted), so those
edits write audit events like every service does, in the admin's own transaction. So does
unlocking an account (deleting its sign-in attempts); the sign-in logs themselves are evidence
and stay read-only.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction

from . import audit
from .models import AuditEvent, AuditVerification, OutgoingMail, SignInPolicy


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


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """Mail waiting, sent or given up on. The tasks themselves (pending, running, failed, with
    their tracebacks) are on django_tasks_db's own "Task results" page."""

    list_display = ["created_at", "subject", "address", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["key", "address", "subject"]
    ordering = ["-created_at"]
    show_full_result_count = False


# Users and roles: every admin edit is an audit event -------------------------------------

USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]


def user_snapshot(user: User) -> dict:
    """What the trail keeps of a user: never the password hash; roles by name."""
    values = audit.snapshot(user, USER_FIELDS)
    values["groups"] = sorted(user.groups.values_list("name", flat=True)) if user.pk else []
    return values


def group_snapshot(group: Group) -> dict:
    permissions = group.permissions.values_list("content_type__app_label", "codename") if group.pk else []
    return {"name": group.name, "permissions": sorted(f"{app}.{code}" for app, code in permissions)}


class AuditedDeletionMixin:
    """Records each deletion (from the delete page or the "delete selected" action) in the
    transaction that deletes: subclasses say what the event holds in `record_deletion`."""

    def record_deletion(self, request, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.record_deletion(request, obj)  # the admin's delete view is atomic
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # "delete selected" runs outside the admin's atomic views
            for obj in queryset:
                self.record_deletion(request, obj)
            super().delete_queryset(request, queryset)


class AuditedAdminMixin(AuditedDeletionMixin):
    """Writes one event per add, change and delete; changes include many-to-many fields.

    The "before" is read in `save_model` (before the row changes) and the event written in
    `save_related`, once the many-to-many fields (roles) are saved too.
    """

    audit_noun = ""

    def audit_snapshot(self, obj) -> dict:
        raise NotImplementedError

    def audit_label(self, obj) -> str:
        return str(obj)

    def save_model(self, request, obj, form, change):
        before = self.audit_snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        request._audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_before", None)
        audit.record(
            actor=request.user,
            action=f"{self.audit_noun}.{'update' if change else 'create'}",
            obj=obj,
            object_label=self.audit_label(obj),
            before=before,
            after=self.audit_snapshot(obj),
        )

    def record_deletion(self, request, obj) -> None:
        audit.record(
            actor=request.user,
            action=f"{self.audit_noun}.delete",
            obj=obj,
            object_label=self.audit_label(obj),
            before=self.audit_snapshot(obj),
            after=None,
        )


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    audit_noun = "user"

    def audit_snapshot(self, obj):
        return user_snapshot(obj)

    def audit_label(self, obj):
        return obj.get_username()

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # A password set through the admin: recorded, never with the password or its hash.
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                audit.record(
                    actor=request.user,
                    action="user.password_set",
                    obj=user,
                    object_label=user.get_username(),
                    changes={"password": ["(hidden)", "(set by an admin)"]},
                )
        return response


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    audit_noun = "group"

    def audit_snapshot(self, obj):
        return group_snapshot(obj)


# Sign-in throttling (django-axes) ---------------------------------------------------------

admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AuditedDeletionMixin, axes_admin.AccessAttemptAdmin):
    """Deleting an account's attempts lifts its lock: an admin decision the trail must show."""

    def has_change_permission(self, request, obj=None):
        return False  # every field is read-only anyway; a save would only touch the row

    def record_deletion(self, request, attempt: AccessAttempt) -> None:
        audit.record(
            actor=request.user,
            action="auth.unlock",
            obj=attempt,
            object_label=attempt.username,
            changes={"failures": [attempt.failures_since_start, None]},
        )


@admin.register(AccessLog)
class ReadOnlyAccessLogAdmin(ReadOnlyAdmin, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class ReadOnlyAccessFailureLogAdmin(ReadOnlyAdmin, axes_admin.AccessFailureLogAdmin):
    pass


# Sign-in (django-allauth) -----------------------------------------------------------------
# Accounts are the admin's or the IdP's, SSO is configured from the environment, tokens from the
# IdP are not stored: only people's second factors and SSO links are shown. An admin removes a
# lost authenticator (the person then enrols again), and the trail shows it.

for _model in (EmailAddress, SocialApp, SocialToken, SocialAccount, Authenticator):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
if apps.is_installed("allauth.idp.oidc"):  # the tests' identity provider, never in production
    from allauth.idp.oidc.models import Client as OIDCClient
    from allauth.idp.oidc.models import Token as OIDCToken

    for _model in (OIDCClient, OIDCToken):
        if admin.site.is_registered(_model):
            admin.site.unregister(_model)


@admin.register(Authenticator)
class AuditedAuthenticatorAdmin(ReadOnlyAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__username",)
    fields = ("user", "type", "created_at", "last_used_at")

    def has_delete_permission(self, request, obj=None):
        return True

    def delete_model(self, request, obj):
        self._record(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._record(request, obj)
            super().delete_queryset(request, queryset)

    def _record(self, request, authenticator) -> None:
        audit.record(
            actor=request.user,
            action="auth.mfa_removed",
            obj=authenticator.user,
            object_label=authenticator.user.get_username(),
            changes={"kind": authenticator.type, "authenticator": authenticator.pk, "by": "admin"},
        )


@admin.register(SocialAccount)
class ReadOnlySocialAccountAdmin(ReadOnlyAdmin):
    list_display = ("user", "provider", "uid", "last_login", "date_joined")
    list_filter = ("provider",)
    search_fields = ("user__username", "uid")
    fields = ("user", "provider", "uid", "last_login", "date_joined")


@admin.register(SignInPolicy)
class AuditedSignInPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """One row: who must have a second factor. Saving it is an audit event."""

    audit_noun = "sign_in_policy"

    def audit_snapshot(self, obj):
        return audit.snapshot(obj, ["two_factor_required"])

    def has_add_permission(self, request):
        return not SignInPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the one policy
        super().save_model(request, obj, form, change)
