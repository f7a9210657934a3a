"""Property-based run of the whole API against its own OpenAPI schema (Schemathesis).

Every operation gets generated requests, valid and invalid, signed in with an admin's
read-write token over a small register. No response may be a server error, and every response
must match the schema: its status code, content type and body.
Bounded: a few examples per operation, so the whole run stays well under two minutes.
"""

from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from procurement.api import api
from procurement.wsgi import application
from tests.resilience.factories import WorkloadFactory, compute
from tests.scorecards.factories import evaluation_with_contract
from tests.vendors.factories import CapacityLineFactory, ContractFactory, VendorFactory

from .conftest import token_for

EXAMPLES_PER_OPERATION = 5
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


@pytest.fixture
def register(db, settings):
    """A small register, so generated ids sometimes hit real rows."""
    settings.ALLOWED_HOSTS = ["*"]
    # Django's test client does this too: a request must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    vendor = VendorFactory(name="Nordlys Compute")
    contract = ContractFactory(vendor=vendor, start_date=date(2026, 1, 1), end_date=date(2028, 1, 1))
    CapacityLineFactory(contract=contract)
    compute(WorkloadFactory(name="Chat inference"), vendor, "committed", "64")
    evaluation_with_contract(contract=contract)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(register, admin):
    return token_for(admin)


# The schema as the API serves it at /api/v1/openapi.json (built without a request).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = application


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_honours_its_schema(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
