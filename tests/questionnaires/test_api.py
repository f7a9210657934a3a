"""The JSON API: send, read, revoke, read answers; the same rules as the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import AuditEvent
from questionnaires.models import Questionnaire
from tests.api.conftest import ApiClient, token_for
from tests.vendors.factories import VendorFactory

from .factories import template

pytestmark = pytest.mark.django_db


def _body(vendor, **overrides):
    return {
        "vendor": vendor.pk,
        "title": "Due diligence",
        "due_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "contacts": [{"name": "Mira Solberg", "email": "mira@vendor.example"}],
        **overrides,
    }


def test_procurement_sends_a_questionnaire_and_reads_it_back(procurement_user):
    api = ApiClient(token_for(procurement_user))
    template()
    response = api.post("/api/v1/questionnaires", _body(VendorFactory()))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open" and body["recipients"][0]["email"] == "mira@vendor.example"
    assert AuditEvent.objects.filter(action="questionnaire.send").count() == 1
    assert api.get(f"/api/v1/questionnaires/{body['id']}").json()["title"] == "Due diligence"
    listed = api.get("/api/v1/questionnaires?status=open").json()
    assert listed["count"] == 1
    answers = api.get(f"/api/v1/questionnaires/{body['id']}/answers").json()
    assert len(answers) > 20 and answers[0]["code"] == "1.1" and answers[0]["value"] is None


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"contacts": [{"name": "X", "email": "not-an-address"}]}, "contacts"),
        ({"due_date": "2020-01-01"}, "due_date"),
        ({"contacts": []}, "contacts"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_requests_are_422_and_write_nothing(procurement_user, overrides, field):
    template()
    response = ApiClient(token_for(procurement_user)).post(
        "/api/v1/questionnaires", _body(VendorFactory(), **overrides)
    )
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Questionnaire.objects.exists()


def test_other_roles_may_read_but_not_send(legal_user):
    template()
    api = ApiClient(token_for(legal_user))
    assert api.post("/api/v1/questionnaires", _body(VendorFactory())).status_code == 403
    assert api.get("/api/v1/questionnaires").status_code == 200


def test_revoking_a_contact(procurement_user, legal_user):
    template()
    api = ApiClient(token_for(procurement_user))
    body = api.post("/api/v1/questionnaires", _body(VendorFactory())).json()
    path = f"/api/v1/questionnaires/{body['id']}/recipients/{body['recipients'][0]['id']}/revoke"
    assert ApiClient(token_for(legal_user)).post(path).status_code == 403
    response = api.post(path)
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert api.post(path).status_code == 409  # already revoked


def test_a_read_only_token_cannot_send(procurement_user):
    template()
    api = ApiClient(token_for(procurement_user, read_only=True))
    assert api.post("/api/v1/questionnaires", _body(VendorFactory())).status_code == 403
