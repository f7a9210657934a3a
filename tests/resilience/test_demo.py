"""The demo portfolio: real concentration problems, overdue and missing rehearsals, written through services."""

import pytest
from django.contrib.auth.models import User

from procurement import demo as procurement_demo
from procurement.models import AuditEvent
from resilience import concentration
from resilience import demo as resilience_demo
from resilience.models import Dependency, Rehearsal, Workload
from resilience.selectors import critical_rehearsals_due
from vendors import demo as vendors_demo

pytestmark = pytest.mark.django_db


def _seed():
    procurement_demo.seed_users()
    return resilience_demo.seed(vendors_demo.seed())


def test_demo_portfolio_has_every_kind_of_finding_and_due_rehearsals():
    workloads = _seed()
    assert set(workloads) == {w.name for w in resilience_demo.WORKLOADS}

    kinds = {f.kind for f in concentration.findings()}
    assert kinds == set(concentration.FindingKind.ORDER)
    due = {w.name for w in critical_rehearsals_due(User.objects.get(username="audrey"))}
    assert "EU claims triage (regulated)" in due  # never rehearsed
    assert "Fraud scoring API" in due  # last rehearsal overdue (and failed)
    assert "Voice assistant inference" not in due
    loss = concentration.loss_scenario(
        vendor=workloads["Customer chat inference"].dependencies.get(band="committed").vendor.runs_on
    )
    assert loss.stranded_count >= 2 and loss.lost_vendor_names == ["Helix GPU Cloud"]


def test_demo_is_written_by_the_platform_lead_through_the_services_and_is_idempotent():
    _seed()
    pavel = User.objects.get(username="pavel")
    counts = (Workload.objects.count(), Dependency.objects.count(), Rehearsal.objects.count())
    assert AuditEvent.objects.filter(action="workload.create", actor=pavel).count() == counts[0]
    assert AuditEvent.objects.filter(action="dependency.create", actor=pavel).count() == counts[1]
    assert AuditEvent.objects.filter(action="rehearsal.create", actor=pavel).count() == counts[2]
    events = AuditEvent.objects.count()

    resilience_demo.seed(vendors_demo.seed())

    assert (Workload.objects.count(), Dependency.objects.count(), Rehearsal.objects.count()) == counts
    assert AuditEvent.objects.count() == events
