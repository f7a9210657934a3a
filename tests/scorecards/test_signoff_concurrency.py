"""Exactly once under concurrency: threads released together by a barrier, against PostgreSQL.

SQLite ignores row locks (its IMMEDIATE transactions serialise every writer instead), so these
run on PostgreSQL only; CI runs the suite there too.
"""

import random
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from procurement import audit, policies
from procurement.models import AuditEvent
from scorecards import signoff
from scorecards.models import Evaluation, Signature, SignoffRound
from tests.procurement.factories import PASSWORD, user_with_role

from .factories import EvaluationFactory, all_scores

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only (CI runs it)"),
    pytest.mark.django_db(transaction=True),
]
ROLES = [policies.LEGAL, policies.FINANCE, policies.SECURITY, policies.PLATFORM]


@pytest.fixture(autouse=True)
def _no_pdf_rendering(monkeypatch):
    # Decision records have tests of their own; here they would only render fifty PDFs.
    monkeypatch.setattr("scorecards.records.decision_record_issue_later", lambda evaluation, actor=None: None)


def run_together(*tasks, timeout=120):
    """Start every task at the same instant; return their results (or the exceptions they raised)."""
    barrier = threading.Barrier(len(tasks))
    results: list = [None] * len(tasks)

    def runner(index, task):
        try:
            barrier.wait(timeout=30)
            results[index] = task()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def submitted_evaluation(author, **kwargs):
    evaluation = EvaluationFactory(author=author, scores=all_scores(4), **kwargs)
    signoff.evaluation_submit(actor=author, evaluation=evaluation)
    return evaluation


def sign(user, evaluation, role, decision="approve", comment="", token=None):
    return lambda: signoff.signoff_record(
        actor=user,
        evaluation=evaluation,
        role=role,
        decision=decision,
        comment=comment,
        password=PASSWORD,
        request_token=token or uuid.uuid4(),
    )


def test_fifty_evaluations_signed_by_four_roles_at_once_give_exactly_fifty_approvals():
    author = user_with_role(policies.PROCUREMENT)
    signers = {role: user_with_role(role) for role in ROLES}
    evaluations = [
        submitted_evaluation(author, tier="hot_inference", data_sensitivity="regulated") for _ in range(50)
    ]

    def sign_all(role):
        def task():
            order = list(evaluations)
            random.Random(role).shuffle(order)  # every signer walks the evaluations in its own order
            return [sign(signers[role], e, role)() for e in order]

        return task

    results = run_together(*(sign_all(role) for role in ROLES))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Evaluation.objects.filter(status="approved").count() == 50
    assert Signature.objects.count() == 200
    assert SignoffRound.objects.filter(outcome="approved").count() == 50
    assert AuditEvent.objects.filter(action="evaluation.approve").count() == 50
    assert Counter(Signature.objects.values_list("role", flat=True)) == dict.fromkeys(ROLES, 50)
    assert audit.verify_chain().ok


def test_a_double_clicked_sign_button_records_one_signature():
    author, legal = user_with_role(policies.PROCUREMENT), user_with_role(policies.LEGAL)
    evaluation = submitted_evaluation(author, tier="nearline_batch")
    token = uuid.uuid4()
    first, second = run_together(
        sign(legal, evaluation, "legal", token=token), sign(legal, evaluation, "legal", token=token)
    )
    assert isinstance(first, Signature) and isinstance(second, Signature) and first.pk == second.pk
    assert Signature.objects.count() == 1
    assert AuditEvent.objects.filter(action="signoff.sign").count() == 1


def test_the_last_two_signers_at_once_approve_exactly_once():
    author = user_with_role(policies.PROCUREMENT)
    legal, finance = user_with_role(policies.LEGAL), user_with_role(policies.FINANCE)
    for _ in range(10):
        evaluation = submitted_evaluation(author, tier="nearline_batch")
        results = run_together(sign(legal, evaluation, "legal"), sign(finance, evaluation, "finance"))
        assert all(isinstance(r, Signature) for r in results), results
        evaluation.refresh_from_db()
        assert evaluation.status == "approved"
    assert AuditEvent.objects.filter(action="evaluation.approve").count() == 10


def test_two_people_signing_for_the_same_role_at_once_give_one_signature():
    author = user_with_role(policies.PROCUREMENT)
    evaluation = submitted_evaluation(author, tier="nearline_batch")
    results = run_together(
        sign(user_with_role(policies.LEGAL), evaluation, "legal"),
        sign(user_with_role(policies.LEGAL), evaluation, "legal"),
    )
    assert sum(isinstance(r, Signature) for r in results) == 1
    assert [type(r) for r in results if not isinstance(r, Signature)] == [signoff.InvalidTransition]
    assert Signature.objects.filter(role="legal").count() == 1


def test_two_submits_at_once_open_one_round():
    author = user_with_role(policies.PROCUREMENT)
    evaluation = EvaluationFactory(author=author, scores=all_scores(4))
    results = run_together(
        lambda: signoff.evaluation_submit(actor=author, evaluation=evaluation),
        lambda: signoff.evaluation_submit(actor=author, evaluation=evaluation),
    )
    assert sum(isinstance(r, SignoffRound) for r in results) == 1
    assert sum(isinstance(r, signoff.InvalidTransition) for r in results) == 1
    assert SignoffRound.objects.count() == 1


def test_a_signature_racing_a_withdrawal_leaves_a_consistent_state():
    author = user_with_role(policies.PROCUREMENT)
    legal, finance = user_with_role(policies.LEGAL), user_with_role(policies.FINANCE)
    for _ in range(10):
        evaluation = submitted_evaluation(author, tier="nearline_batch")
        signed, _withdrawn = run_together(
            sign(finance, evaluation, "finance"),
            lambda e=evaluation: signoff.evaluation_withdraw(actor=author, evaluation=e),
        )
        evaluation.refresh_from_db()
        current = evaluation.rounds.get()
        assert evaluation.status == "withdrawn" and current.outcome == "withdrawn"
        if isinstance(signed, Signature):
            assert signed.round_id == current.pk  # signed first, then the withdrawal voided the round
        else:
            assert isinstance(signed, signoff.InvalidTransition) and not current.signatures.exists()
    # And a withdrawal never half-approves: nothing was approved.
    assert not Evaluation.objects.filter(status="approved").exists()
    assert legal  # legal never signed: the rounds could not complete
