import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from procurement import policies
from procurement.models import AuditEvent
from scorecards import services, signoff
from scorecards.models import Evaluation, RequiredSignoff, Signature, SignoffPolicy, SignoffRound
from tests.procurement.factories import PASSWORD, user_with_role

from .factories import EvaluationFactory, all_scores, evaluation_with_contract

pytestmark = pytest.mark.django_db
D = Signature.Decision


def policies_groups(*names):
    return Group.objects.filter(name__in=names)


def sign(evaluation, user, role, decision=D.APPROVE, comment="", password=PASSWORD, token=None):
    return signoff.signoff_record(
        actor=user,
        evaluation=evaluation,
        role=role,
        decision=decision,
        comment=comment,
        password=password,
        request_token=token or uuid.uuid4(),
    )


@pytest.fixture
def submitted(procurement_user):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation


def required(evaluation) -> list[str]:
    current = evaluation.rounds.get(outcome="open")
    return [f"{r.role}#{r.slot}" for r in current.requirements.all()]


# Routing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "sensitivity", "amount", "currency", "expected"),
    [
        ("nearline_batch", "internal", "100000", "USD", ["legal#1", "finance#1"]),
        ("nearline_batch", "regulated", "100000", "USD", ["legal#1", "finance#1", "security#1"]),
        ("hot_inference", "internal", "100000", "USD", ["legal#1", "finance#1", "platform#1"]),
        ("experimental_training", "internal", "100000", "EUR", ["legal#1", "finance#1", "platform#1"]),
        ("nearline_batch", "internal", "5000000", "USD", ["legal#1", "finance#1", "finance#2"]),
        ("nearline_batch", "internal", "9000000", "NOK", ["legal#1", "finance#1"]),
    ],
)
def test_policies_route_each_evaluation_to_the_roles_its_facts_require(
    procurement_user, tier, sensitivity, amount, currency, expected
):
    evaluation = EvaluationFactory(
        author=procurement_user,
        tier=tier,
        data_sensitivity=sensitivity,
        commitment_amount=Decimal(amount),
        commitment_currency=currency,
        scores=all_scores(4),
    )
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    assert sorted(required(evaluation)) == sorted(expected)


def test_an_inactive_policy_does_not_route(procurement_user):
    SignoffPolicy.objects.filter(role="legal").update(is_active=False)
    evaluation = EvaluationFactory(author=procurement_user, tier="nearline_batch", scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    assert required(evaluation) == ["finance#1"]


# Submit -------------------------------------------------------------------------------------


def test_submit_freezes_the_content_with_a_hash_over_a_stored_snapshot(submitted, procurement_user):
    current = submitted.rounds.get()
    assert submitted.status == Evaluation.Status.SUBMITTED
    assert submitted.content_hash == current.content_hash == signoff.hash_content(current.snapshot)
    assert '"rationale":' in current.snapshot and submitted.vendor.name in current.snapshot
    event = AuditEvent.objects.get(action="evaluation.submit")
    assert event.changes["status"] == ["draft", "submitted"]
    assert event.changes["required"][1] == ["legal#1", "finance#1", "platform#1"]


def test_an_incomplete_evaluation_cannot_be_submitted(procurement_user):
    evaluation = EvaluationFactory(author=procurement_user, scores={"capacity": 3})
    with pytest.raises(signoff.IncompleteEvaluation, match="Portability"):
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == "draft" and not SignoffRound.objects.exists()


def test_submitting_twice_is_refused_and_opens_one_round(submitted, procurement_user):
    with pytest.raises(signoff.InvalidTransition, match="awaiting sign-off"):
        signoff.evaluation_submit(actor=procurement_user, evaluation=submitted)
    assert SignoffRound.objects.count() == 1


def test_only_the_author_submits(submitted):
    evaluation = EvaluationFactory(scores=all_scores(4))
    with pytest.raises(services.NotAllowed):
        signoff.evaluation_submit(actor=user_with_role(policies.PROCUREMENT), evaluation=evaluation)


def test_submit_mails_each_next_signer_after_commit(
    procurement_user, legal_user, finance_user, django_capture_on_commit_callbacks
):
    evaluation = EvaluationFactory(author=procurement_user, tier="nearline_batch", scores=all_scores(4))
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    assert len(callbacks) == 2  # one mail per person
    assert sorted(m.to[0] for m in mail.outbox) == sorted([legal_user.email, finance_user.email])
    message = mail.outbox[0]
    assert f"/evaluations/{evaluation.pk}/" in message.body
    assert f"/evaluations/{evaluation.pk}/" in message.alternatives[0].content


# Signatures ---------------------------------------------------------------------------------


def test_a_signature_records_who_what_meaning_and_the_content_hash(submitted, legal_user):
    signature = sign(submitted, legal_user, "legal")
    assert signature.signer == legal_user and signature.signer_name.endswith("(lee.legal)")
    assert signature.meaning == "I approve this evaluation as the legal reviewer."
    assert signature.content_hash == submitted.content_hash
    assert AuditEvent.objects.get(action="signoff.sign").changes["decision"] == [None, "approve"]


def test_a_wrong_password_is_refused_and_nothing_is_signed(submitted, legal_user):
    with pytest.raises(signoff.ReauthenticationFailed):
        sign(submitted, legal_user, "legal", password="not-my-password")
    assert not Signature.objects.exists()


def test_the_author_cannot_sign_their_own_evaluation(submitted, procurement_user):
    procurement_user.groups.add(*policies_groups("legal"))
    procurement_user._role_names = None
    with pytest.raises(signoff.SeparationOfDutiesViolation, match="You wrote this evaluation"):
        sign(submitted, procurement_user, "legal")


def test_one_person_signs_for_one_role_only(submitted):
    both = user_with_role(policies.LEGAL)
    both.groups.add(*policies_groups("finance"))
    sign(submitted, both, "legal")
    with pytest.raises(signoff.SeparationOfDutiesViolation, match="one person signs for one role only"):
        sign(submitted, both, "finance")


def test_only_holders_of_a_role_sign_for_it(submitted, finance_user):
    with pytest.raises(services.NotAllowed, match="Only holders of the Legal role"):
        sign(submitted, finance_user, "legal")


def test_a_role_signs_once_per_round(submitted, legal_user):
    sign(submitted, legal_user, "legal")
    with pytest.raises(signoff.InvalidTransition, match="already signed"):
        sign(submitted, user_with_role(policies.LEGAL), "legal")


def test_a_role_the_policy_does_not_require_cannot_sign(submitted, security_user):
    with pytest.raises(signoff.InvalidTransition, match="not required"):
        sign(submitted, security_user, "security")


def test_a_comment_is_required_unless_plain_approval(submitted, legal_user):
    with pytest.raises(services.ScorecardError, match="comment"):
        sign(submitted, legal_user, "legal", decision=D.APPROVE_WITH_CONDITIONS)


def test_a_replayed_sign_request_returns_the_first_signature(submitted, legal_user):
    token = uuid.uuid4()
    first = sign(submitted, legal_user, "legal", token=token)
    again = sign(submitted, legal_user, "legal", token=token)
    assert again.pk == first.pk and Signature.objects.count() == 1
    assert AuditEvent.objects.filter(action="signoff.sign").count() == 1


def test_a_failed_gate_cannot_be_approved(procurement_user, legal_user):
    evaluation = EvaluationFactory(author=procurement_user, scores=all_scores(4) | {"compliance": 1})
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    with pytest.raises(services.ScorecardError, match="hard gate failed"):
        sign(evaluation, legal_user, "legal")
    sign(evaluation, legal_user, "legal", decision=D.REJECT, comment="Compliance is below our minimum.")
    evaluation.refresh_from_db()
    assert evaluation.status == "rejected"


def test_a_change_of_the_contract_after_submission_stops_signing(submitted, legal_user):
    submitted.contract.__class__.objects.filter(pk=submitted.contract_id).update(title="Changed afterwards")
    with pytest.raises(signoff.InvalidTransition, match="changed after submission"):
        sign(submitted, legal_user, "legal")


def test_stages_are_signed_in_order(procurement_user, legal_user, finance_user):
    SignoffPolicy.objects.filter(role="finance").update(stage=2)
    SignoffPolicy.objects.filter(role="legal").update(stage=1)
    evaluation = EvaluationFactory(author=procurement_user, tier="nearline_batch", scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    with pytest.raises(signoff.InvalidTransition, match="stage 1 come first"):
        sign(evaluation, finance_user, "finance")
    sign(evaluation, legal_user, "legal")
    sign(evaluation, finance_user, "finance")
    evaluation.refresh_from_db()
    assert evaluation.status == "approved"


# Outcomes -----------------------------------------------------------------------------------


def test_all_required_approvals_approve_with_conditions_and_a_reevaluation_date(
    submitted, legal_user, finance_user, platform_user, settings
):
    settings.REEVALUATION_MONTHS = 6
    sign(submitted, legal_user, "legal")
    sign(
        submitted,
        finance_user,
        "finance",
        decision=D.APPROVE_WITH_CONDITIONS,
        comment="Cap year-one spend at 1M.",
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    sign(submitted, platform_user, "platform")
    submitted.refresh_from_db()
    assert submitted.status == "approved" and submitted.decided_at is not None
    assert submitted.reevaluation_due.month == (timezone.localdate().month + 5) % 12 + 1
    event = AuditEvent.objects.get(action="evaluation.approve")
    assert event.changes["conditions"] == [None, ["Finance: Cap year-one spend at 1M."]]
    assert submitted.rounds.get().outcome == "approved"


def test_one_rejection_rejects(submitted, legal_user):
    sign(submitted, legal_user, "legal", decision=D.REJECT, comment="No termination for convenience.")
    submitted.refresh_from_db()
    assert submitted.status == "rejected" and submitted.decided_at and submitted.reevaluation_due is None


def test_request_changes_returns_to_draft_voids_the_round_and_resubmission_opens_a_new_one(
    submitted, procurement_user, legal_user, finance_user
):
    sign(submitted, legal_user, "legal")
    sign(
        submitted,
        finance_user,
        "finance",
        decision=D.REQUEST_CHANGES,
        comment="Add the egress cost evidence.",
    )
    submitted.refresh_from_db()
    assert submitted.status == "draft"
    first = submitted.rounds.get(number=1)
    assert first.outcome == "changes_requested" and first.signatures.count() == 2
    capacity = submitted.scores.get(dimension__kind="capacity")
    services.evaluation_save_scores(
        actor=procurement_user,
        evaluation=submitted,
        entries={
            capacity.dimension_id: services.ScoreEntry(
                score=5, rationale="Egress costs are now documented in annex C of the offer."
            )
        },
    )
    signoff.evaluation_submit(actor=procurement_user, evaluation=submitted)
    second = submitted.rounds.get(number=2)
    assert second.content_hash != first.content_hash and not second.signatures.exists()
    sign(submitted, legal_user, "legal")  # the earlier signature was void: legal signs again


def test_the_author_withdraws_before_a_decision_and_signatures_stop_counting(
    submitted, procurement_user, legal_user
):
    sign(submitted, legal_user, "legal")
    signoff.evaluation_withdraw(
        actor=procurement_user, evaluation=submitted, reason="Vendor left the market."
    )
    submitted.refresh_from_db()
    assert submitted.status == "withdrawn" and submitted.rounds.get().outcome == "withdrawn"
    with pytest.raises(signoff.InvalidTransition, match="withdrawn"):
        sign(submitted, user_with_role(policies.FINANCE), "finance")


def test_only_the_author_withdraws(submitted, legal_user):
    with pytest.raises(services.NotAllowed):
        signoff.evaluation_withdraw(actor=legal_user, evaluation=submitted)


def test_a_decided_evaluation_cannot_be_withdrawn(submitted, procurement_user, legal_user):
    sign(submitted, legal_user, "legal", decision=D.REJECT, comment="No.")
    with pytest.raises(signoff.InvalidTransition):
        signoff.evaluation_withdraw(actor=procurement_user, evaluation=submitted)


def test_revise_creates_a_linked_draft_that_supersedes_the_decision_when_decided(
    submitted, procurement_user, legal_user, finance_user, platform_user
):
    for user, role in [(legal_user, "legal"), (finance_user, "finance"), (platform_user, "platform")]:
        sign(submitted, user, role)
    revision = signoff.evaluation_revise(actor=procurement_user, evaluation=submitted)
    assert revision.status == "draft" and revision.revises == submitted
    assert [s.score for s in revision.scores.all()] == [4, 4, 4, 4, 4]
    with pytest.raises(signoff.InvalidTransition, match="already under way"):
        signoff.evaluation_revise(actor=procurement_user, evaluation=submitted)
    signoff.evaluation_submit(actor=procurement_user, evaluation=revision)
    sign(revision, legal_user, "legal", decision=D.REJECT, comment="The new terms are worse.")
    submitted.refresh_from_db()
    assert submitted.status == "superseded"
    assert AuditEvent.objects.filter(action="evaluation.supersede", object_id=str(submitted.pk)).exists()


def test_a_draft_cannot_be_revised(procurement_user):
    with pytest.raises(signoff.InvalidTransition):
        signoff.evaluation_revise(
            actor=procurement_user, evaluation=EvaluationFactory(author=procurement_user)
        )


def test_each_signature_mails_the_author(submitted, legal_user, django_capture_on_commit_callbacks):
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        sign(submitted, legal_user, "legal", decision=D.REJECT, comment="Missing exit rights.")
    assert [m.to for m in mail.outbox] == [[submitted.author.email]]
    assert "Missing exit rights." in mail.outbox[0].body and "rejected" in mail.outbox[0].body


def test_a_required_signoff_per_role_and_slot_is_unique_in_the_database(submitted):
    from django.db import IntegrityError, transaction

    current = submitted.rounds.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        RequiredSignoff.objects.create(round=current, role="legal", slot=1)
