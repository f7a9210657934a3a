"""Every error of the API is JSON with a code, a message and field errors; never HTML, never a 500."""

import pytest
from django.test import Client

from tests.vendors.factories import VendorFactory

from .conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/nothing-here", "/api/v1/vendors/", "/api/", "/api/v2/vendors"]
)
def test_unknown_paths_are_json_404s_not_pages_or_redirects(path, procurement_user, api_as):
    for client in (ApiClient(), api_as(procurement_user)):
        body = assert_error(client.get(path), 404, "not_found")
        assert "/api/v1/docs" in body["message"]


def test_a_wrong_method_is_a_json_405_with_allow(api_as, procurement_user):
    response = api_as(procurement_user).delete("/api/v1/vendors")
    body = assert_error(response, 405, "method_not_allowed")
    assert "DELETE" in body["message"]
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_schema_and_docs_only_answer_get(client, path):
    response = client.post(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


def test_malformed_json_is_a_400(api_as, procurement_user):
    response = api_as(procurement_user).client.post(
        "/api/v1/vendors",
        "{not json",
        content_type="application/json",
        headers=api_as(procurement_user).headers,
    )
    assert "not valid JSON" in assert_error(response, 400, "malformed_request")["message"]


@pytest.mark.parametrize("body", [[], ["a"], "text", 42, None])
def test_a_body_that_is_not_an_object_is_refused(api_as, procurement_user, body):
    client = api_as(procurement_user)
    response = client.client.post(
        "/api/v1/vendors", body, content_type="application/json", headers=client.headers
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"] is not None


@pytest.mark.parametrize("pk", ["0", "-1", "abc", "9223372036854775808", "1.5"])
def test_impossible_ids_are_422_not_server_errors(api_as, procurement_user, pk):
    assert_error(api_as(procurement_user).get(f"/api/v1/vendors/{pk}"), 422, "validation_error")


def test_null_characters_are_refused_by_validation(api_as, procurement_user):
    client = api_as(procurement_user)
    body = assert_error(
        client.post("/api/v1/vendors", {"name": "A\x00B", "kind": "other", "hq_jurisdiction": "EU"}),
        422,
        "validation_error",
    )
    assert "name" in body["errors"]
    assert_error(client.get("/api/v1/vendors", {"q": "x\x00"}), 422, "validation_error")


def test_an_unexpected_error_is_still_json(api_as, procurement_user, monkeypatch):
    from vendors.api import vendor_routes as vendors_api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(vendors_api.selectors, "vendor_list", broken)
    response = api_as(procurement_user).get("/api/v1/vendors")
    body = assert_error(response, 500, "server_error")
    assert "boom" not in body["message"]


def test_a_domain_refusal_from_a_service_is_a_409(api_as, procurement_user, monkeypatch):
    from vendors import services

    vendor = VendorFactory()

    def refuse(**kwargs):
        raise services.InvalidTransition("A vendor cannot move from Retired to Exiting.")

    monkeypatch.setattr(services, "vendor_update", refuse)
    response = api_as(procurement_user).patch(f"/api/v1/vendors/{vendor.pk}", {"notes": "x"})
    assert "cannot move" in assert_error(response, 409, "conflict")["message"]


def test_the_schema_and_docs_are_public_and_local(client: Client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/vendors" in schema.json()["paths"]
    assert schema.json()["components"]["securitySchemes"]["BearerTokenAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs")
    html = docs.content.decode()
    assert docs.status_code == 200
    assert "cdn" not in html.lower() and "https://" not in html and "http://" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
    # No inline script: the only <script> without src is the JSON settings block (data, not code).
    inline = [chunk for chunk in html.split("<script")[1:] if "src=" not in chunk.split(">")[0]]
    assert len(inline) == 1 and 'type="application/json"' in inline[0].split(">")[0]
    assert "style=" not in html and "<style" not in html
    assert "script-src 'self'" in docs["Content-Security-Policy"]
