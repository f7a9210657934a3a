"""Sign-off rounds are read through the API; signing itself stays in the browser (re-authentication)."""

import uuid

import pytest

from procurement import policies
from scorecards import signoff
from scorecards.models import Signature
from tests.procurement.factories import PASSWORD
from tests.scorecards.factories import all_scores, evaluation_with_contract

from .conftest import assert_error

pytestmark = pytest.mark.django_db


def test_an_evaluation_shows_its_rounds_requirements_and_signatures(api_as, procurement_user, legal_user):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    signoff.signoff_record(
        actor=legal_user,
        evaluation=evaluation,
        role=policies.LEGAL,
        decision=Signature.Decision.APPROVE,
        password=PASSWORD,
        request_token=uuid.uuid4(),
    )
    body = api_as(legal_user).get(f"/api/v1/evaluations/{evaluation.pk}").json()
    assert body["status"] == "submitted" and len(body["content_hash"]) == 64
    (current,) = body["signoff_rounds"]
    assert current["outcome"] == "open" and not current["void"]
    assert current["content_hash"] == body["content_hash"]
    signed = {r["role"]: r["signed"] for r in current["requirements"]}
    assert signed["legal"] is True and signed["finance"] is False
    (signature,) = current["signatures"]
    assert (signature["role"], signature["signer_id"], signature["decision"]) == (
        "legal",
        legal_user.pk,
        "approve",
    )
    assert signature["content_hash"] == body["content_hash"]


def test_there_is_no_signing_endpoint(api_as, legal_user):
    evaluation = evaluation_with_contract(scores=all_scores(4))
    client = api_as(legal_user)
    assert_error(
        client.post(f"/api/v1/evaluations/{evaluation.pk}/sign", {"role": "legal"}), 404, "not_found"
    )
    assert_error(
        client.post(f"/api/v1/evaluations/{evaluation.pk}", {"status": "approved"}), 405, "method_not_allowed"
    )
