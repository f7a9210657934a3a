"""Who may call the API: bearer tokens (scope, expiry, revocation), the session with CSRF, roles."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from procurement import api_tokens
from procurement.models import ApiToken
from tests.vendors.factories import VendorFactory
from vendors.models import Vendor

from .conftest import ApiClient, assert_error, token_for

pytestmark = pytest.mark.django_db

NEW_VENDOR = {"name": "Nordlys Compute", "kind": "neocloud", "hq_jurisdiction": "Norway"}


def test_anonymous_requests_get_401_json_with_a_bearer_challenge():
    response = ApiClient().get("/api/v1/vendors")
    body = assert_error(response, 401, "not_authenticated")
    assert "Bearer" in body["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_writes_get_401_not_a_csrf_error():
    assert_error(ApiClient().post("/api/v1/vendors", NEW_VENDOR), 401, "not_authenticated")


def test_a_valid_token_acts_as_its_owner(procurement_user, api_as):
    body = api_as(procurement_user).get("/api/v1/me").json()
    assert body["username"] == procurement_user.username
    assert body["roles"] == ["procurement"]
    assert body["authenticated_by"] == "token"
    assert body["token_scope"] == "read-write"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer crt_not-a-real-token", "not valid"),
        ("Bearer something-else", "not an API token"),
        ("Basic dXNlcjpwYXNz", "Authorization: Bearer"),
        ("Bearer ", "Authorization: Bearer"),
    ],
)
def test_unusable_authorization_headers_are_refused_with_a_reason(procurement_user, header, message):
    response = Client().get("/api/v1/vendors", headers={"Authorization": header})
    assert message in assert_error(response, 401, "not_authenticated")["message"]


def test_an_expired_token_is_refused(procurement_user):
    secret = token_for(procurement_user, expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error(ApiClient(secret).get("/api/v1/vendors"), 401, "not_authenticated")
    assert "expired" in body["message"]


def test_a_revoked_token_is_refused_at_once(procurement_user):
    secret = token_for(procurement_user)
    assert ApiClient(secret).get("/api/v1/vendors").status_code == 200
    api_tokens.api_token_revoke(actor=procurement_user, token=ApiToken.objects.get())
    body = assert_error(ApiClient(secret).get("/api/v1/vendors"), 401, "not_authenticated")
    assert "revoked" in body["message"]


def test_a_deactivated_owners_token_is_refused(procurement_user):
    secret = token_for(procurement_user)
    procurement_user.is_active = False
    procurement_user.save()
    assert_error(ApiClient(secret).get("/api/v1/vendors"), 401, "not_authenticated")


def test_a_read_only_token_reads_but_never_writes(procurement_user):
    secret = token_for(procurement_user, read_only=True)
    client = ApiClient(secret)
    assert client.get("/api/v1/vendors").status_code == 200
    body = assert_error(client.post("/api/v1/vendors", NEW_VENDOR), 403, "permission_denied")
    assert "read-only" in body["message"]
    vendor = VendorFactory()
    assert_error(client.patch(f"/api/v1/vendors/{vendor.pk}", {"notes": "x"}), 403, "permission_denied")
    assert not Vendor.objects.filter(name="Nordlys Compute").exists()


def test_a_token_records_when_it_was_last_used(procurement_user):
    secret = token_for(procurement_user)
    assert ApiToken.objects.get().last_used_at is None
    ApiClient(secret).get("/api/v1/me")
    assert ApiToken.objects.get().last_used_at is not None


def test_only_the_digest_of_a_token_is_stored(procurement_user):
    secret = token_for(procurement_user)
    token = ApiToken.objects.get()
    assert token.digest == api_tokens.digest_of(secret) != secret
    assert secret not in str(list(ApiToken.objects.values()))
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 3


def test_a_user_whose_role_was_removed_keeps_no_access(procurement_user):
    secret = token_for(procurement_user)
    vendor = VendorFactory()
    procurement_user.groups.clear()
    client = ApiClient(secret)
    assert_error(client.get("/api/v1/vendors"), 403, "permission_denied")
    assert_error(client.get(f"/api/v1/vendors/{vendor.pk}"), 404, "not_found")


# Session (same-site calls from the browser) -----------------------------------------------


def test_a_signed_in_session_reads_without_a_token(procurement_user):
    client = Client()
    client.force_login(procurement_user)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["authenticated_by"] == "session"


def test_session_writes_need_the_csrf_token(procurement_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(procurement_user)
    refused = client.post("/api/v1/vendors", NEW_VENDOR, content_type="application/json")
    assert "CSRF" in assert_error(refused, 403, "permission_denied")["message"]
    client.get("/profile/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/vendors", NEW_VENDOR, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content


def test_an_invalid_bearer_token_does_not_fall_back_to_the_session(procurement_user):
    client = Client()
    client.force_login(procurement_user)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer crt_wrong"})
    assert_error(response, 401, "not_authenticated")
