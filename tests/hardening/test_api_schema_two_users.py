"""Schemathesis against the OpenAPI schema with every applicable check, as two different people.

tests/api/test_schemathesis.py runs the schema conformance checks as an admin. Here the same
schema runs with Schemathesis' authentication checks too (`ignored_auth`: a call without the
token must be refused; `use_after_free`, `ensure_resource_availability`: a deleted resource is
gone, a created one is there), first as an admin with a read-write token, then as an auditor
with a read-only token, for whom no write may ever succeed.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from procurement import policies
from procurement.api import api
from procurement.wsgi import application
from tests.api.conftest import token_for
from tests.procurement.factories import admin_user, user_with_role
from tests.resilience.factories import WorkloadFactory, compute
from tests.vendors.factories import ContractFactory, VendorFactory

EXAMPLES_PER_OPERATION = 2
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.ignored_auth,
    schemathesis.checks.use_after_free,
    schemathesis.checks.ensure_resource_availability,
    schemathesis.checks.missing_required_header,
    schemathesis.checks.unsupported_method,
]


@pytest.fixture
def tokens(db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    # As Django's test client does: a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # A small register, so generated ids sometimes hit real rows.
    contract = ContractFactory(vendor=VendorFactory(name="Nordlys Compute"))
    compute(WorkloadFactory(name="Chat inference"), contract.vendor, "committed", "64")
    yield {
        "admin": token_for(admin_user(username="ada.admin")),
        "auditor": token_for(user_with_role(policies.AUDITOR, username="aud.auditor"), read_only=True),
    }
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = application
bounded = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@bounded
def test_the_api_holds_every_check_for_an_admin(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens['admin']}"}, checks=CHECKS)


@schema.parametrize()
@bounded
def test_an_auditor_never_writes_through_the_api(case, tokens):
    response = case.call(headers={"Authorization": f"Bearer {tokens['auditor']}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code)
    if case.method.upper() != "GET":
        assert response.status_code >= 400, (case.method, case.formatted_path, response.status_code)
