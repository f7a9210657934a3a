import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from scorecards import selectors
from scorecards.models import Evaluation, Score, Signature, SignoffRound

pytestmark = pytest.mark.django_db


def test_demo_evaluations_compete_for_the_same_needs_with_real_rationales_and_are_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = Evaluation.objects.count()
    assert count >= 8
    assert Evaluation.objects.values("vendor").distinct().count() >= 6
    purposes = Evaluation.objects.values_list("purpose", flat=True)
    assert max(list(purposes).count(p) for p in purposes) >= 3  # one need, three competing offers
    assert not Score.objects.filter(score=None).exists()
    assert all(len(r.split()) >= 10 for r in Score.objects.values_list("rationale", flat=True))
    assert Evaluation.objects.filter(gates_passed=False).exists()
    call_command("seed_demo")
    assert Evaluation.objects.count() == count


def test_demo_sign_off_shows_every_state_and_fills_every_signer_inbox(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    statuses = set(Evaluation.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "approved", "rejected", "superseded"} <= statuses
    assert SignoffRound.objects.filter(outcome="changes_requested").exists()
    assert Signature.objects.filter(decision="approve_with_conditions", round__outcome="approved").exists()
    assert Signature.objects.filter(round__outcome="open").exists()  # awaiting, some signed
    for username in ["lena", "felix", "fiona", "sofia", "pavel"]:
        assert selectors.awaiting_evaluation_ids(User.objects.get(username=username)), username
    assert selectors.overdue_reevaluations(User.objects.get(username="audrey")).exists()


def test_demo_attaches_the_training_comparison_to_the_nimbus_draft_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    from costs.models import Comparison
    from scorecards import demo

    evaluation = Evaluation.objects.get(title=demo.TCE_EVALUATION)
    comparison = Comparison.objects.get()
    assert evaluation.tce_comparison == comparison and evaluation.is_draft
    [offer] = selectors.tce_figures(evaluation)["vendor_offers"]
    # The cheapest GPU-hour is not the cheapest decision.
    assert offer["cheapest_by_unit_price"] and not offer["cheapest_by_tce"]
