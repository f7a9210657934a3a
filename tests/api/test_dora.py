"""The register of information through the API: read-only, scoped like the register's pages."""

import hashlib
import uuid
from datetime import date

import pytest

from dora import services
from dora.models import FinancialEntity, Submission
from procurement import policies
from tests.dora.factories import seed_demo_register
from tests.procurement.factories import PASSWORD, user_with_role

from .conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_register(db):
    seed_demo_register()


@pytest.fixture
def signed_package(demo_register):
    author = user_with_role(policies.PROCUREMENT, username="rita.registrar")
    submission = services.submission_create(actor=author, ref_date=date(2026, 12, 31))
    legal = user_with_role(policies.LEGAL, username="lena.legal")
    services.submission_sign(
        actor=legal,
        submission=submission,
        role=policies.LEGAL,
        decision="approve",
        password=PASSWORD,
        request_token=uuid.uuid4(),
    )
    return submission


def test_readers_list_the_entities_with_the_reporting_one_first(api_as, auditor_user, demo_register):
    body = api_as(auditor_user).get("/api/v1/dora/entities").json()
    assert body["count"] == FinancialEntity.objects.count()
    first = body["results"][0]
    assert first["maintains_register"] is True and first["code_type"] == "eba_qCO:qx2000"
    assert first["name"] == "Meridian Digital Bank AG"


def test_readers_list_the_providers_records(api_as, legal_user, demo_register):
    body = api_as(legal_user).get("/api/v1/dora/providers", {"page_size": 100}).json()
    by_name = {p["vendor"]["name"]: p for p in body["results"]}
    assert by_name["Kestrel MLOps"]["euid"] and by_name["Kestrel MLOps"]["code_type"] == "eba_qCO:qx2002"
    assert by_name["Pilotwire Managed AI"]["ultimate_parent"]["name"] == "Stratoverse Cloud"
    assert by_name["Nimbus Scale"]["ultimate_parent"] is None


def test_a_package_is_listed_and_shown_with_its_hash_and_signatures(api_as, auditor_user, signed_package):
    client = api_as(auditor_user)
    listed = client.get("/api/v1/dora/submissions").json()["results"]
    assert [s["sha256"] for s in listed] == [signed_package.sha256]
    assert "package" not in listed[0]  # the bytes are downloaded from the package's page
    detail = client.get(f"/api/v1/dora/submissions/{signed_package.pk}")
    assert detail.status_code == 200, detail.content
    body = detail.json()
    assert body["sha256"] == hashlib.sha256(bytes(signed_package.package)).hexdigest()
    assert body["status"] == Submission.Status.AWAITING
    signed = [r["signature"] for r in body["requirements"] if r["signature"]]
    assert len(signed) == 1 and signed[0]["package_sha256"] == signed_package.sha256
    assert signed[0]["authenticated_by"] == "password" and signed[0]["signer"]
    assert {r["role"] for r in body["requirements"]} >= {"legal", "finance"}


def test_no_token_and_an_unknown_package_are_refused(api_as, auditor_user, signed_package):
    # Who may read (every role, not a person without one) is the access matrix's (tests/hardening).
    assert_error(api_as().get("/api/v1/dora/entities"), 401, "not_authenticated")
    assert_error(api_as(auditor_user).get("/api/v1/dora/submissions/999999"), 404, "not_found")


def test_the_register_api_is_read_only(api_as, procurement_user, signed_package):
    client = api_as(procurement_user)
    assert_error(client.post("/api/v1/dora/entities", {"name": "X"}), 405, "method_not_allowed")
    assert_error(
        client.post(f"/api/v1/dora/submissions/{signed_package.pk}", {"decision": "approve"}),
        405,
        "method_not_allowed",
    )


def test_the_lists_hold_their_query_count(
    api_as, auditor_user, signed_package, django_assert_max_num_queries
):
    client = api_as(auditor_user)
    for path in ("/api/v1/dora/entities", "/api/v1/dora/providers", "/api/v1/dora/submissions"):
        with django_assert_max_num_queries(12):
            assert client.get(path, {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/dora/submissions/{signed_package.pk}").status_code == 200
