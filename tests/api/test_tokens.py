"""Personal API tokens: created and revoked on the profile page (shown once, audited), and by command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from procurement import api_tokens
from procurement.models import ApiToken, AuditEvent

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# Services ---------------------------------------------------------------------------------


def test_creating_a_token_is_audited_without_the_secret(procurement_user):
    created = api_tokens.api_token_create(actor=procurement_user, name="ERP  sync", read_only=False)
    assert created.token.name == "ERP sync"
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor_id == procurement_user.pk
    assert event.object_id == str(created.token.pk)
    assert created.secret not in event.canonical
    assert event.changes["read_only"] == [None, False]


def test_revoking_is_audited_once_and_only_by_the_owner_or_an_admin(procurement_user, legal_user, admin):
    token = api_tokens.api_token_create(actor=procurement_user, name="t").token
    with pytest.raises(api_tokens.TokenError):
        api_tokens.api_token_revoke(actor=legal_user, token=token)
    api_tokens.api_token_revoke(actor=admin, token=token)
    api_tokens.api_token_revoke(actor=procurement_user, token=token)
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    assert ApiToken.objects.get().revoked_at is not None


def test_people_without_a_role_cannot_create_tokens(no_role_user):
    with pytest.raises(api_tokens.TokenError):
        api_tokens.api_token_create(actor=no_role_user, name="t")


@pytest.mark.parametrize("days", [-1, 400])
def test_an_expiry_must_be_in_the_future_and_within_a_year(procurement_user, days):
    with pytest.raises(ValidationError):
        api_tokens.api_token_create(
            actor=procurement_user, name="t", expires_at=timezone.now() + timedelta(days=days)
        )


def test_active_tokens_are_limited(procurement_user, monkeypatch):
    monkeypatch.setattr(api_tokens, "MAX_ACTIVE_TOKENS", 2)
    api_tokens.api_token_create(actor=procurement_user, name="1")
    api_tokens.api_token_create(actor=procurement_user, name="2")
    with pytest.raises(api_tokens.TokenError, match="revoke one"):
        api_tokens.api_token_create(actor=procurement_user, name="3")


# Profile page -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/profile/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_profile_page_creates_a_token_and_shows_it_once(client, procurement_user):
    client.force_login(procurement_user)
    response = client.post("/profile/", {"name": "GRC export", "scope": "read", "lifetime": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["new_token"].secret
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.read_only and token.expires_at < timezone.now() + timedelta(days=31)
    again = client.get("/profile/").content.decode()
    assert secret not in again and token.prefix in again and "GRC export" in again
    assert ApiClient(secret).get("/api/v1/me").json()["token_scope"] == "read"


def test_the_profile_form_reports_its_errors(client, procurement_user):
    client.force_login(procurement_user)
    response = client.post("/profile/", {"name": "", "scope": "admin", "lifetime": "7"})
    assert set(response.context["form"].errors) == {"name", "scope", "lifetime"}
    assert not ApiToken.objects.exists()


def test_htmx_gets_the_tokens_panel_only(client, procurement_user):
    client.force_login(procurement_user)
    response = client.post("/profile/", {"name": "x", "scope": "read-write", "lifetime": "never"}, **HTMX)
    html = response.content.decode()
    assert 'id="api-tokens"' in html and "<html" not in html
    assert ApiToken.objects.get().expires_at is None and not ApiToken.objects.get().read_only


def test_revoking_on_the_profile_page_stops_the_token(client, procurement_user):
    secret = api_tokens.api_token_create(actor=procurement_user, name="old").secret
    token = ApiToken.objects.get()
    client.force_login(procurement_user)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert ApiClient(secret).get("/api/v1/me").status_code == 401
    assert client.get(f"/profile/tokens/{token.pk}/revoke/").status_code == 405


def test_nobody_revokes_someone_elses_token_from_their_profile(client, procurement_user, legal_user):
    token = api_tokens.api_token_create(actor=procurement_user, name="mine").token
    client.force_login(legal_user)
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_people_without_a_role_see_their_profile_but_no_token_form(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get("/profile/")
    assert response.status_code == 200
    assert "Create token" not in response.content.decode()
    client.post("/profile/", {"name": "x", "scope": "read", "lifetime": "30"})
    assert not ApiToken.objects.exists()


# Management command -----------------------------------------------------------------------


def test_the_command_prints_a_working_token_and_audits_it(procurement_user):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token", procurement_user.username, "--write", "--name", "ERP", stdout=out, stderr=err
    )
    secret = out.getvalue().strip()
    me = ApiClient(secret).get("/api/v1/me").json()
    assert (me["username"], me["token_scope"], me["token_name"]) == (
        procurement_user.username,
        "read-write",
        "ERP",
    )
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor_id is None and event.changes["created_via"][1] == "manage.py create_api_token"
    assert "Shown once" in err.getvalue()


def test_the_command_refuses_unknown_users_and_users_without_a_role(no_role_user):
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "ghost", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="role"):
        call_command("create_api_token", no_role_user.username, stdout=StringIO(), stderr=StringIO())
