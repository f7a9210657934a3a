import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from procurement import policies
from procurement.models import AuditEvent


def test_role_groups_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(policies.ROLES)


def test_home_requires_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_requires_sign_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302


def test_login_page_is_public(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_signed_in_user_sees_home_with_their_roles(client, legal_user):
    client.force_login(legal_user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Legal" in response.content
    assert (
        legal_user.username.encode() in response.content or legal_user.first_name.encode() in response.content
    )


def test_sign_in_issues_a_new_session_id_and_is_audited(client, legal_user, password):
    client.get(reverse("account_login"))
    before = client.cookies.get("sessionid")
    response = client.post(reverse("account_login"), {"login": legal_user.username, "password": password})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == legal_user.pk


def test_failed_sign_in_shows_an_error_and_writes_no_audit_event(client, legal_user, caplog):
    with caplog.at_level(logging.WARNING, logger="procurement.denied"):
        response = client.post(
            reverse("account_login"), {"login": legal_user.username, "password": "wrong-password"}
        )
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert not AuditEvent.objects.exists()
    (record,) = [r for r in caplog.records if r.name == "procurement.denied"]
    assert (record.status, record.path) == (401, reverse("account_login"))
    assert "wrong-password" not in record.getMessage()


def test_what_a_stranger_types_as_username_never_reaches_the_audit_trail(client, db, axes_on):
    for _ in range(4):  # past the limit of 3: locked out, yet still nothing audited
        client.post(reverse("account_login"), {"login": "my-Secret-passw0rd", "password": "x"})
    assert not AuditEvent.objects.exists()


def test_sign_out_is_post_only_and_audited(client, legal_user):
    client.force_login(legal_user)
    assert client.get(reverse("account_logout")).status_code == 405
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=legal_user.pk).exists()
    assert client.get(reverse("home")).status_code == 302


def test_session_ends_after_its_absolute_lifetime(client, legal_user, settings):
    from procurement.middleware import SESSION_STARTED_KEY

    client.force_login(legal_user)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = session[SESSION_STARTED_KEY] - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_the_idle_timeout_is_pushed_back_at_most_once_a_minute(client, legal_user, settings):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.middleware import SESSION_REFRESHED_KEY

    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_SECONDS
    client.force_login(legal_user)
    client.get(reverse("home"))
    key = client.session.session_key

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    first = expiry()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert expiry() == first  # a page read within the minute writes nothing

    session = client.session
    session[SESSION_REFRESHED_KEY] -= settings.SESSION_REFRESH_SECONDS + 1
    session.save()
    saved = expiry()
    response = client.get(reverse("home"))
    assert expiry() > saved  # over a minute later: the idle timeout starts again
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_IDLE_SECONDS


def test_an_idle_session_ends(client, legal_user, settings):
    from django.contrib.sessions.models import Session

    client.force_login(legal_user)
    client.get(reverse("home"))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("home")).status_code == 302


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def test_repeated_failed_sign_ins_are_throttled_per_username_and_address(
    client, legal_user, password, axes_on
):
    for _ in range(2):
        assert (
            client.post(
                reverse("account_login"), {"login": legal_user.username, "password": "nope"}
            ).status_code
            == 200
        )
    locked = client.post(reverse("account_login"), {"login": legal_user.username, "password": "nope"})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert b"Wait 15\xc2\xa0minutes and try again" in locked.content  # in words, not "PT15M"
    # Even the right password is refused while locked...
    assert (
        client.post(
            reverse("account_login"), {"login": legal_user.username, "password": password}
        ).status_code
        == 429
    )
    # ...but the lock is on the username + address pair: the same user from another address signs in.
    other = client.post(
        reverse("account_login"), {"login": legal_user.username, "password": password}, REMOTE_ADDR="10.9.8.7"
    )
    assert other.status_code == 302


def test_throttle_cools_off(client, legal_user, password, axes_on, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(3):
        client.post(reverse("account_login"), {"login": legal_user.username, "password": "nope"})
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(hours=1))
    assert (
        client.post(
            reverse("account_login"), {"login": legal_user.username, "password": password}
        ).status_code
        == 302
    )


def test_retrying_during_a_lock_does_not_extend_it(client, legal_user, password, axes_on, settings):
    import time_machine

    login = reverse("account_login")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            client.post(login, {"login": legal_user.username, "password": "nope"})
        clock.shift(settings.AXES_COOLOFF_TIME / 2)
        assert client.post(login, {"login": legal_user.username, "password": "nope"}).status_code == 429
        clock.shift(settings.AXES_COOLOFF_TIME / 2 + timedelta(seconds=1))
        assert client.post(login, {"login": legal_user.username, "password": password}).status_code == 302


def test_password_validators_reject_a_weak_password(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password1")


def test_a_lockout_writes_one_audit_event_naming_the_account(client, legal_user, axes_on):
    for _ in range(5):  # two more after the lockout: the lock is audited once
        client.post(reverse("account_login"), {"login": legal_user.username, "password": "nope"})
    (event,) = AuditEvent.objects.all()
    assert event.action == "auth.lockout"
    assert (event.object_type, event.object_id, event.object_label) == (
        "auth.user",
        str(legal_user.pk),
        legal_user.username,
    )
    assert event.actor_id is None
    assert event.changes == {"failures": 3}
    assert "nope" not in event.canonical


def test_the_lock_behind_a_proxy_is_per_client_address_not_per_username(
    client, legal_user, password, axes_on, settings
):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        client.post(
            reverse("account_login"),
            {"login": legal_user.username, "password": "nope"},
            headers={"X-Forwarded-For": "198.51.100.66"},
            **proxy,
        )
    assert AccessAttempt.objects.get().ip_address == "198.51.100.66"
    assert AuditEvent.objects.get(action="auth.lockout").client_ip == "198.51.100.66"
    # The attacker's address is locked; the real user behind the same proxy still signs in.
    signed_in = client.post(
        reverse("account_login"),
        {"login": legal_user.username, "password": password},
        headers={"X-Forwarded-For": "203.0.113.20"},
        **proxy,
    )
    assert signed_in.status_code == 302
    assert AuditEvent.objects.get(action="auth.login").client_ip == "203.0.113.20"
