import pytest
from django.urls import reverse

from procurement.models import AuditEvent
from vendors.models import ExitRightKind

from .factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_an_admin_adds_an_exit_right_kind_with_an_audit_event(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:vendors_exitrightkind_add"),
        {
            "code": "audit-rights",
            "name": "Audit rights",
            "description": "We may audit.",
            "position": "20",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    kind = ExitRightKind.objects.get(code="audit-rights")
    event = AuditEvent.objects.get(action="exit_right_kind.create")
    assert event.object_id == str(kind.pk) and event.changes["name"] == [None, "Audit rights"]


def test_retiring_a_kind_is_audited_and_removes_it_from_checklists(client, admin):
    contract = ContractFactory()
    kind = ExitRightKind.objects.get(code="ramp-down")
    client.force_login(admin)
    data = {"name": kind.name, "description": kind.description, "position": kind.position}
    client.post(reverse("admin:vendors_exitrightkind_change", args=[kind.pk]), data)
    assert AuditEvent.objects.get(action="exit_right_kind.update").changes["is_active"] == [True, False]
    codes = [item.kind.code for item in client.get(contract.get_absolute_url()).context["checklist"]]
    assert "ramp-down" not in codes


def test_kinds_cannot_be_deleted_and_contracts_are_read_only_in_the_admin(client, admin):
    contract = ContractFactory()
    kind = ExitRightKind.objects.first()
    client.force_login(admin)
    assert client.get(reverse("admin:vendors_exitrightkind_delete", args=[kind.pk])).status_code == 403
    assert client.get(reverse("admin:vendors_contract_change", args=[contract.pk])).status_code == 200
    client.post(reverse("admin:vendors_contract_change", args=[contract.pk]), {"title": "Changed"})
    contract.refresh_from_db()
    assert contract.title != "Changed"
    assert client.get(reverse("admin:vendors_vendor_add")).status_code == 403
