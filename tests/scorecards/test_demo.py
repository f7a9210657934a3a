import pytest
from django.core.management import call_command

from scorecards.models import Evaluation, Score

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
