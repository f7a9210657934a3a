"""Roles are granted in the admin: every user and group edit there is an audit event."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from procurement import audit, policies
from procurement.models import AuditEvent

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": list(user.groups.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


def test_granting_a_role_in_the_admin_is_recorded_with_before_and_after(client, admin, no_role_user):
    client.force_login(admin)
    legal = Group.objects.get(name=policies.LEGAL)
    url = reverse("admin:auth_user_change", args=[no_role_user.pk])
    response = client.post(url, user_form(no_role_user, groups=[legal.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert policies.has_role(User.objects.get(pk=no_role_user.pk), policies.LEGAL)
    (event,) = events("user.update")
    assert event.actor_id == admin.pk
    assert (event.object_type, event.object_id, event.object_label) == (
        "auth.user",
        str(no_role_user.pk),
        no_role_user.username,
    )
    assert event.changes == {"groups": [[], ["legal"]]}
    assert audit.verify_chain().ok


def test_creating_a_user_in_the_admin_is_recorded_without_the_password(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "new.finance",
            "password1": "a-long-enough-pass-2026",
            "password2": "a-long-enough-pass-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new.finance")
    (event,) = events("user.create")
    assert event.changes["username"] == [None, "new.finance"]
    assert "password" not in event.changes and user.password not in event.canonical


def test_setting_a_password_in_the_admin_is_recorded_and_the_hash_never_stored(client, admin, legal_user):
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[legal_user.pk])
    response = client.post(
        url,
        {
            "password1": "another-long-pass-2026",
            "password2": "another-long-pass-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    (event,) = events("user.password_set")
    assert event.object_id == str(legal_user.pk)
    assert User.objects.get(pk=legal_user.pk).password not in event.canonical


def test_a_refused_password_change_writes_no_event(client, admin, legal_user):
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[legal_user.pk])
    assert client.post(url, {"password1": "short", "password2": "different"}).status_code == 200
    assert events("user.password_set") == []


def test_deleting_users_in_the_admin_records_one_event_each(client, admin, legal_user, finance_user):
    client.force_login(admin)
    client.post(reverse("admin:auth_user_delete", args=[legal_user.pk]), {"post": "yes"})
    client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [finance_user.pk], "post": "yes"},
    )
    assert not User.objects.filter(pk__in=[legal_user.pk, finance_user.pk]).exists()
    deleted = events("user.delete")
    assert [e.object_label for e in deleted] == [legal_user.username, finance_user.username]
    assert deleted[0].changes["groups"] == [["legal"], None]
    assert audit.verify_chain().ok


def test_renaming_a_group_in_the_admin_is_recorded(client, admin):
    client.force_login(admin)
    group = Group.objects.create(name="observers")
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "observers-eu", "permissions": []}
    )
    assert response.status_code == 302
    (event,) = events("group.update")
    assert event.changes == {"name": ["observers", "observers-eu"]}
    assert json.loads(event.canonical)["actor_id"] == admin.pk
