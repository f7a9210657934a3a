"""Who may do what in the vendor register, as a role x action matrix, including guessed ids."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement import policies
from procurement.models import AuditEvent
from vendors import services

from .factories import PDF_BYTES, CapacityLineFactory, ContractFactory

pytestmark = pytest.mark.django_db

ROLES = ["procurement", "legal", "finance", "security", "platform", "auditor", "admin"]
# What each kind of action needs, by role.
MAY = {
    "read": set(ROLES),
    "vendors": {"procurement", "admin"},
    "contracts": {"procurement", "admin"},
    "clauses": {"legal", "admin"},
}
USER_FIXTURE = {
    "procurement": "procurement_user",
    "legal": "legal_user",
    "finance": "finance_user",
    "security": "security_user",
    "platform": "platform_user",
    "auditor": "auditor_user",
    "admin": "admin",
}


LIST_URLS = {"vendor-list", "vendor-export", "vendor-create", "vendor-import"} | {
    "contract-list",
    "contract-export",
    "contract-import",
}


@pytest.fixture
def world(admin):
    contract = ContractFactory()
    line = CapacityLineFactory(contract=contract)
    document = services.contract_document_add(
        actor=admin, contract=contract, uploaded=SimpleUploadedFile("a.pdf", PDF_BYTES), max_bytes=4096
    )
    return {"vendor": contract.vendor, "contract": contract, "line": line, "document": document}


# name: (method, url name, args from the world, needs, POST data)
ACTIONS = {
    "vendor list": ("get", "vendor-list", lambda w: [], "read", None),
    "vendor detail": ("get", "vendor-detail", lambda w: [w["vendor"].pk], "read", None),
    "vendor export": ("get", "vendor-export", lambda w: [], "read", None),
    "contract list": ("get", "contract-list", lambda w: [], "read", None),
    "contract detail": ("get", "contract-detail", lambda w: [w["contract"].pk], "read", None),
    "contract export": ("get", "contract-export", lambda w: [], "read", None),
    "document download": (
        "get",
        "document-download",
        lambda w: [w["contract"].pk, w["document"].pk],
        "read",
        None,
    ),
    "vendor create form": ("get", "vendor-create", lambda w: [], "vendors", None),
    "vendor create": ("post", "vendor-create", lambda w: [], "vendors", {"name": "X"}),
    "vendor edit": ("post", "vendor-edit", lambda w: [w["vendor"].pk], "vendors", {"name": "X"}),
    "vendor delete": ("post", "vendor-delete", lambda w: [w["vendor"].pk], "vendors", {}),
    "vendor import": ("get", "vendor-import", lambda w: [], "vendors", None),
    "contract create": ("post", "contract-create", lambda w: [w["vendor"].pk], "contracts", {"title": "X"}),
    "contract edit": ("post", "contract-edit", lambda w: [w["contract"].pk], "contracts", {"title": "X"}),
    "contract delete": ("post", "contract-delete", lambda w: [w["contract"].pk], "contracts", {}),
    "contract import": ("get", "contract-import", lambda w: [], "contracts", None),
    "capacity line add": (
        "post",
        "capacity-line-add",
        lambda w: [w["contract"].pk],
        "contracts",
        {"line-count": "0"},
    ),
    "capacity line remove": (
        "post",
        "capacity-line-remove",
        lambda w: [w["contract"].pk, w["line"].pk],
        "contracts",
        {},
    ),
    "document upload": ("post", "document-upload", lambda w: [w["contract"].pk], "contracts", {}),
    "clause edit form": ("get", "clause-edit", lambda w: [w["contract"].pk, "ramp-down"], "clauses", None),
    "clause edit": (
        "post",
        "clause-edit",
        lambda w: [w["contract"].pk, "ramp-down"],
        "clauses",
        {"clause-ramp-down-status": "bogus"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_action_matrix(client, request, world, role, action):
    method, name, args, needs, data = ACTIONS[action]
    client.force_login(request.getfixturevalue(USER_FIXTURE[role]))
    events_before = AuditEvent.objects.count()
    url = reverse(f"vendors:{name}", args=args(world))
    response = client.get(url) if method == "get" else client.post(url, data)
    if response.streaming:
        b"".join(response.streaming_content)  # reading to the end closes a downloaded file's handle
    if role in MAY[needs]:
        assert response.status_code in (200, 302), (role, action, response.status_code)
    else:
        assert response.status_code == 403, (role, action, response.status_code)
        assert AuditEvent.objects.count() == events_before


# The actions whose URL names an object (the others are lists and "new" forms).
OBJECT_ACTIONS = [a for a, (_m, name, *_rest) in ACTIONS.items() if name not in LIST_URLS]


@pytest.mark.parametrize("action", OBJECT_ACTIONS)
def test_guessing_a_missing_id_is_404_even_for_admins(client, admin, world, action):
    method, name, args, _needs, data = ACTIONS[action]
    real = args(world)
    guessed = [999_999 if isinstance(a, int) else a for a in real]
    client.force_login(admin)
    url = reverse(f"vendors:{name}", args=guessed)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_signed_in_user_without_a_role_sees_nothing(client, no_role_user, world, action):
    method, name, args, _needs, data = ACTIONS[action]
    client.force_login(no_role_user)
    url = reverse(f"vendors:{name}", args=args(world))
    response = client.get(url) if method == "get" else client.post(url, data)
    # Lists refuse; objects they may not see do not exist for them.
    assert response.status_code == (404 if args(world) else 403)


def test_policies_say_auditors_only_read(auditor_user):
    assert policies.can_read(auditor_user) and policies.is_read_only(auditor_user)
    assert not policies.can_edit_vendors(auditor_user)
    assert not policies.can_edit_contracts(auditor_user)
    assert not policies.can_edit_clauses(auditor_user)


def test_read_only_users_see_no_edit_controls(client, auditor_user, world):
    client.force_login(auditor_user)
    body = client.get(world["contract"].get_absolute_url()).content.decode()
    assert "Edit contract" not in body and "Add capacity line" not in body
    assert "Upload document" not in body and ">Edit</a>" not in body
