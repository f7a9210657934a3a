"""Who may edit workloads, dependencies and rehearsals: a matrix of role x action."""

import pytest
from django.contrib.auth.models import AnonymousUser

from procurement import policies

pytestmark = pytest.mark.django_db

EDITORS = {"platform_user", "procurement_user", "admin"}
READERS = {"legal_user", "finance_user", "security_user", "auditor_user"}
ACTIONS = [policies.can_edit_workloads, policies.can_edit_dependencies, policies.can_record_rehearsals]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.__name__)
@pytest.mark.parametrize("who", sorted(EDITORS | READERS | {"no_role_user"}))
def test_platform_engineering_procurement_and_admins_edit_everyone_else_reads(who, action, request):
    user = request.getfixturevalue(who)
    assert action(user) is (who in EDITORS)
    assert policies.can_read(user) is (who != "no_role_user")


def test_anonymous_users_neither_read_nor_edit():
    assert not policies.can_read(AnonymousUser())
    assert not any(action(AnonymousUser()) for action in ACTIONS)


def test_an_inactive_platform_engineer_edits_nothing(platform_user):
    platform_user.is_active = False
    assert not any(action(platform_user) for action in ACTIONS)
