"""Every admin page of every registered model answers, for a real object, and every admin write
leaves its audit event.

The models are read from the admin site itself, so a model registered tomorrow is requested
tomorrow. For each one, as a superuser: the list, the add page, and the change, delete and history
pages of a real row. Where the admin lets the row be changed, its change form is posted back with
the values the page shows (as a browser would, untouched); where it lets the row be deleted, the
delete is confirmed. Both run in a rolled-back savepoint, and a write to the register's tables
must come with exactly one audit event, in the same transaction.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse

from procurement import audit
from procurement.models import AuditEvent, OutgoingMail, SignInPolicy
from procurement.tasks import mail_send
from scorecards import services
from scorecards.models import ScorecardTemplate
from scorecards.records import pdf
from tests.vendors.factories import PDF_BYTES

from .forms_found import forms_in
from .matrix import rolled_back, watching_writes
from .world import build_world

pytestmark = pytest.mark.django_db

# The register's own tables: a write to any of them is a change the audit trail must show.
AUDITED_PREFIXES = ("procurement_", "vendors_", "costs_", "scorecards_", "auth_", "axes_")
# Tables an admin page writes as bookkeeping, not as a change to the register.
BOOKKEEPING = {"django_admin_log", "django_session", "procurement_auditevent"}


def _extra_rows(world) -> None:
    """Rows the sweep's world lacks: sign-in throttling, a verification, an unused template."""
    AccessAttempt.objects.create(
        username="pat.procurement", ip_address="192.0.2.7", user_agent="curl", failures_since_start=3
    )
    AccessLog.objects.create(username="pat.procurement", ip_address="192.0.2.7", user_agent="curl")
    AccessFailureLog.objects.create(username="pat.procurement", ip_address="192.0.2.7", user_agent="curl")
    audit.record_verification(audit.verify_chain(), source="test")
    # The background work pages: one mail and one task result.
    mail = OutgoingMail.objects.create(
        key="test.admin:1", address="pat@example.org", subject="Sign-off needed", body_text="Open it."
    )
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        mail_send.enqueue(mail.pk)
    # A person's second factor and SSO link (allauth's rows, shown in the admin).
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    Authenticator.objects.create(user=world.users["legal"], type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
    SocialAccount.objects.create(user=world.users["finance"], provider="sso", uid="finance-1")
    SignInPolicy.objects.create(pk=1, two_factor_required="")
    # The world's template is used by evaluations, so frozen: this one the admin may edit and delete.
    used = world.objects["template"]
    specs = [
        services.DimensionSpec(d.kind, d.name, d.guiding_questions, d.weight, d.gate_minimum)
        for d in used.dimensions.all()
    ]
    world.objects["unused_template"] = services.template_create(
        actor=world.users["admin"], key="colocation", name="Colocation", dimensions=specs
    )


def _row_of(model):
    if model is ScorecardTemplate:
        return model.objects.get(key="colocation")
    return model._default_manager.order_by("pk").first()


def _admin_pages() -> list[tuple[str, str, object]]:
    """(model label, url name prefix, model) for every model registered with the admin site."""
    return [
        (model._meta.label, f"admin:{model._meta.app_label}_{model._meta.model_name}", model)
        for model in admin.site._registry
    ]


@pytest.fixture
def staff(db, monkeypatch):
    monkeypatch.setattr(pdf, "render", lambda html, **kwargs: pdf.Rendered(PDF_BYTES, 1))
    world = build_world()
    _extra_rows(world)
    client = Client(raise_request_exception=False)  # every failing page listed, not just the first
    client.force_login(world.users["admin"])
    return client


def _post_back(client, path: str, page: str) -> tuple[object, list[str], int]:
    """Posts the page's own form back unchanged; returns the answer, tables written, events added."""
    [form] = [f for f in forms_in(page, path) if f.action == path]
    before = AuditEvent.objects.count()
    with rolled_back(), watching_writes() as tables:
        response = client.post(path, form.as_post())
        added = AuditEvent.objects.count() - before
    return response, sorted(set(tables)), added


def test_every_admin_page_answers_for_a_real_object_and_every_admin_write_is_audited(staff):
    failures = []
    checked = 0
    for label, prefix, model in _admin_pages():
        row = _row_of(model)
        if row is None:
            failures.append(f"{label}: the world has no row, so its change pages go untested")
            continue
        pages = {
            "changelist": reverse(f"{prefix}_changelist"),
            "add": reverse(f"{prefix}_add"),
            "change": reverse(f"{prefix}_change", args=[row.pk]),
            "delete": reverse(f"{prefix}_delete", args=[row.pk]),
            "history": reverse(f"{prefix}_history", args=[row.pk]),
        }
        for page, path in pages.items():
            response = staff.get(path)
            checked += 1
            if response.status_code >= 500 or response.status_code not in (200, 302, 403):
                failures.append(f"{label} {page} {path}: {response.status_code}")
                continue
            if page not in ("change", "delete") or response.status_code != 200:
                continue
            html = response.content.decode()
            if not any(f.action == path for f in forms_in(html, path)):
                continue  # a read-only view: nothing to post
            answer, written, added = _post_back(staff, path, html)
            if answer.status_code >= 500:
                failures.append(f"{label} {page} posted back: {answer.status_code}")
                continue
            if answer.status_code == 200 and page == "change":
                failures.append(f"{label} change posted back unchanged was refused: {answer.content[:300]!r}")
            changed = [t for t in written if t not in BOOKKEEPING and t.startswith(AUDITED_PREFIXES)]
            if changed and added != 1:
                failures.append(f"{label} {page} wrote {changed} with {added} audit events (expected one)")
    assert checked >= 5 * len(admin.site._registry)
    assert not failures, "\n".join(failures)


def test_deleting_an_unused_scorecard_template_in_the_admin_is_recorded(staff):
    template = ScorecardTemplate.objects.get(key="colocation")
    path = reverse("admin:scorecards_scorecardtemplate_delete", args=[template.pk])
    response = staff.post(path, {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "scorecard_template.delete"
    assert event.object_id == str(template.pk)
    assert event.changes["name"] == ["Colocation", None]
    assert not ScorecardTemplate.objects.filter(pk=template.pk).exists()


def test_unlocking_an_account_in_the_admin_is_recorded(staff):
    attempt = AccessAttempt.objects.get(username="pat.procurement")
    changelist = reverse("admin:axes_accessattempt_changelist")
    response = staff.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.object_label, event.changes) == (
        "auth.unlock",
        "pat.procurement",
        {"failures": [3, None]},
    )
