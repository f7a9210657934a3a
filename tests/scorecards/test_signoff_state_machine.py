"""A Hypothesis state machine over edit, submit, sign, request changes, withdraw and revise.

Whatever order people act in, two things hold: an approved evaluation was signed by every
required role, by distinct people, none of them its author; and every signature that still
counts carries the hash of exactly the content it signed.
"""

import contextlib
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from procurement import policies
from scorecards import services, signoff
from scorecards.models import Evaluation, Signature, SignoffRound
from tests.procurement.factories import PASSWORD, user_with_role

from .factories import RATIONALE, EvaluationFactory, all_scores

pytestmark = pytest.mark.django_db
ROLES = [policies.LEGAL, policies.FINANCE, policies.SECURITY, policies.PLATFORM]
DECISIONS = list(Signature.Decision.values)
VALID_OUTCOMES = {SignoffRound.Outcome.OPEN, SignoffRound.Outcome.APPROVED, SignoffRound.Outcome.REJECTED}


class SignoffMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.author = user_with_role(policies.PROCUREMENT)
        self.author.groups.add(*user_with_role(policies.LEGAL).groups.all())  # an author who also holds legal
        self.people = [self.author, *[user_with_role(role) for role in ROLES for _ in range(2)]]
        both = user_with_role(policies.LEGAL)
        both.groups.add(*user_with_role(policies.FINANCE).groups.all())
        self.people.append(both)
        self.evaluations = [
            EvaluationFactory(
                author=self.author,
                scores=all_scores(4),
                tier="hot_inference",
                data_sensitivity="regulated",
            )
        ]

    def _pick(self, data) -> Evaluation:
        evaluation = data.draw(st.sampled_from(self.evaluations))
        evaluation.refresh_from_db()
        return evaluation

    @rule(data=st.data(), score=st.integers(min_value=1, max_value=5))
    def edit(self, data, score):
        evaluation = self._pick(data)
        kind = data.draw(
            st.sampled_from(["capacity", "portability", "resilience", "compliance", "commercial"])
        )
        dimension_id = evaluation.scores.get(dimension__kind=kind).dimension_id
        try:
            services.evaluation_save_scores(
                actor=self.author,
                evaluation=evaluation,
                entries={dimension_id: services.ScoreEntry(score=score, rationale=RATIONALE)},
            )
        except services.EvaluationLocked:
            assert evaluation.status != Evaluation.Status.DRAFT

    @rule(data=st.data())
    def submit(self, data):
        evaluation = self._pick(data)
        try:
            signoff.evaluation_submit(actor=self.author, evaluation=evaluation)
        except signoff.InvalidTransition:
            assert evaluation.status != Evaluation.Status.DRAFT

    @rule(data=st.data(), decision=st.sampled_from(DECISIONS), role=st.sampled_from(ROLES))
    def sign(self, data, decision, role):
        evaluation = self._pick(data)
        person = data.draw(st.sampled_from(self.people))
        with contextlib.suppress(services.ScorecardError):
            signoff.signoff_record(
                actor=person,
                evaluation=evaluation,
                role=role,
                decision=decision,
                comment="" if decision == "approve" else "Reason given in the review meeting.",
                password=PASSWORD,
                request_token=uuid.uuid4(),
            )

    def _sign_open(self, evaluation, decision, comment="") -> None:
        """An eligible person signs an open sign-off: the path that reaches decisions quickly."""
        rounds = evaluation.rounds.filter(outcome="open")
        if not rounds.exists():
            return
        open_roles = {r.role for r in rounds.get().requirements.filter(signature__isnull=True)}
        for person in self.people[1:]:
            for role in [r for r in policies.signing_roles(person, evaluation) if r in open_roles]:
                try:
                    signoff.signoff_record(
                        actor=person,
                        evaluation=evaluation,
                        role=role,
                        decision=decision,
                        comment=comment,
                        password=PASSWORD,
                        request_token=uuid.uuid4(),
                    )
                    return
                except services.ScorecardError:
                    continue

    @rule(data=st.data())
    def approve_open(self, data):
        self._sign_open(self._pick(data), "approve")

    @rule(data=st.data())
    def everyone_approves(self, data):
        evaluation = self._pick(data)
        for _ in range(6):
            self._sign_open(evaluation, "approve")

    @rule(data=st.data())
    def request_changes(self, data):
        self._sign_open(self._pick(data), "request_changes", "Please add the missing evidence.")

    @rule(data=st.data(), now=st.integers(min_value=0, max_value=3))
    def withdraw(self, data, now):
        if now:  # withdrawing ends an evaluation: keep it rarer than the other actions
            return
        evaluation = self._pick(data)
        try:
            signoff.evaluation_withdraw(actor=self.author, evaluation=evaluation)
        except signoff.InvalidTransition:
            assert evaluation.status not in ("draft", "submitted")

    @precondition(lambda self: len(self.evaluations) < 4)
    @rule(data=st.data())
    def revise(self, data):
        evaluation = self._pick(data)
        with contextlib.suppress(signoff.InvalidTransition):
            self.evaluations.append(signoff.evaluation_revise(actor=self.author, evaluation=evaluation))

    @invariant()
    def approved_implies_every_required_role_signed_by_distinct_people_none_the_author(self):
        for evaluation in Evaluation.objects.filter(
            pk__in=[e.pk for e in self.evaluations], status="approved"
        ):
            final = evaluation.rounds.get(outcome="approved")
            requirements = list(final.requirements.select_related("signature"))
            signatures = [r.signature for r in requirements]
            assert all(s.is_approval for s in signatures)
            assert len({s.signer_id for s in signatures}) == len(signatures)
            assert evaluation.author_id not in {s.signer_id for s in signatures}
            assert all(
                policies.has_role(s.signer, s.role) and s.role == r.role
                for r, s in zip(requirements, signatures, strict=True)
            )

    @invariant()
    def every_valid_signature_carries_the_hash_of_the_content_it_signed(self):
        for evaluation in Evaluation.objects.filter(pk__in=[e.pk for e in self.evaluations]):
            for signoff_round in evaluation.rounds.filter(outcome__in=VALID_OUTCOMES):
                assert signoff_round.content_hash == signoff.hash_content(signoff_round.snapshot)
                for signature in signoff_round.signatures.all():
                    assert signature.content_hash == signoff_round.content_hash
                if signoff_round.outcome in (SignoffRound.Outcome.OPEN, SignoffRound.Outcome.APPROVED):
                    # Nothing of a submitted or decided evaluation changed after signing.
                    assert signoff.canonical_content(evaluation)[1] == signoff_round.content_hash

    @invariant()
    def a_submitted_evaluation_has_exactly_one_open_round(self):
        for evaluation in Evaluation.objects.filter(pk__in=[e.pk for e in self.evaluations]):
            open_rounds = evaluation.rounds.filter(outcome="open").count()
            assert open_rounds == (1 if evaluation.status == "submitted" else 0)


def test_signoff_invariants_hold_whatever_people_do():
    run_state_machine_as_test(
        SignoffMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
