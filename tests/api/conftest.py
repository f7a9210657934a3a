"""API test helpers: a token per user, and a client that sends it as a bearer header."""

import pytest
from django.test import Client

from procurement import api_tokens


def token_for(user, *, read_only: bool = False, **kwargs) -> str:
    return api_tokens.api_token_create(actor=user, name="test", read_only=read_only, **kwargs).secret


class ApiClient:
    """JSON in, JSON out, with `Authorization: Bearer <token>` (or none)."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, data=None, **extra):
        kwargs = {"headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        call = getattr(self.client, method.lower())
        if method.upper() in {"GET", "HEAD"}:
            return call(path, data, **kwargs)
        return (
            call(path, data, content_type="application/json", **kwargs)
            if data is not None
            else call(path, **kwargs)
        )

    def get(self, path, data=None, **extra):
        return self.request("GET", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self.request("POST", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self.request("PATCH", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self.request("PUT", path, data, **extra)

    def delete(self, path, **extra):
        return self.request("DELETE", path, None, **extra)


@pytest.fixture
def api_as():
    """api_as(user) -> a client with a fresh read-write token; api_as(user, read_only=True) too."""

    def _api_as(user=None, **kwargs):
        return ApiClient(token_for(user, **kwargs) if user is not None else None)

    return _api_as


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert isinstance(body["errors"], dict)
    return body
