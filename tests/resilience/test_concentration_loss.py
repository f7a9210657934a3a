"""The loss scenario: what losing a vendor (or one of its regions) strands, and whose RTO breaks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from resilience import concentration
from resilience.concentration import VERDICT_BREAKS, VERDICT_UNPROVEN, VERDICT_WITHIN
from resilience.models import Criticality, Rehearsal, RehearsalScenario
from vendors.models import CapacityBand

from .factories import RehearsalFactory, VendorFactory, WorkloadFactory, compute, portfolio, uses

pytestmark = pytest.mark.django_db

C, B, E = CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY


def by_name(scenario):
    return {w.name: w for w in scenario.workloads}


def band(loss, code):
    return next(q for q in loss.bands if q.code == code)


def test_workload_with_all_compute_on_the_lost_vendor_is_stranded_and_breaks_its_rto():
    nimbus, other = VendorFactory(name="Nimbus"), VendorFactory(name="Other")
    w = WorkloadFactory(name="Chat", rto_minutes=60)
    compute(w, nimbus, C, 64)
    compute(w, nimbus, E, 8)
    uses(w, other, "storage")

    scenario = concentration.loss_scenario(vendor=nimbus)

    loss = by_name(scenario)["Chat"]
    assert loss.stranded and loss.stranded_layers == ["Compute"]
    assert loss.verdict == VERDICT_BREAKS
    assert "No other vendor holds compute" in loss.reason and "1 h" in loss.reason
    assert (band(loss, C).lost, band(loss, C).remaining) == (64, 0)
    assert [a.vendor for a in loss.alternatives] == ["Other"]  # storage survives elsewhere
    assert scenario.stranded_count == 1 and scenario.breaks_count == 1


def test_capacity_lost_per_band_and_the_alternatives_that_already_hold_capacity():
    lost, alt = VendorFactory(name="Lost"), VendorFactory(name="Alt")
    w = WorkloadFactory(name="Batch", rto_minutes=120)
    compute(w, lost, C, 48)
    compute(w, alt, C, 16)
    compute(w, alt, E, 32)
    RehearsalFactory(workload=w, scenario=RehearsalScenario.PROVIDER_EXIT, recovery_minutes=90)

    scenario = concentration.loss_scenario(vendor=lost)

    loss = by_name(scenario)["Batch"]
    assert not loss.stranded
    assert (band(loss, C).lost, band(loss, C).remaining) == (48, 16)
    assert (band(loss, E).lost, band(loss, E).remaining) == (0, 32)
    assert band(loss, C).remaining_percent == 25.0
    assert {(a.vendor, a.band, a.amount) for a in loss.alternatives} == {
        ("Alt", "Committed", 16),
        ("Alt", "Emergency", 32),
    }
    assert loss.verdict == VERDICT_WITHIN and "recovered in 1 h 30 min, within the RTO of 2 h" in loss.reason
    totals = {q.code: (q.lost, q.remaining) for q in scenario.bands}
    assert totals == {C: (48, 16), B: (0, 0), E: (0, 32)}


def test_rto_verdict_follows_the_last_failover_rehearsal():
    lost, alt = VendorFactory(), VendorFactory()
    today = timezone.localdate()
    slow = WorkloadFactory(name="Slow", rto_minutes=30)
    never = WorkloadFactory(name="Never")
    failed = WorkloadFactory(name="Failed")
    stale = WorkloadFactory(name="Stale", rto_minutes=60)
    for w in (slow, never, failed, stale):
        compute(w, lost, C, 8)
        compute(w, alt, B, 8)
    RehearsalFactory(workload=slow, recovery_minutes=20, performed_on=today - timedelta(days=50))
    RehearsalFactory(
        workload=slow, recovery_minutes=45, outcome=Rehearsal.Outcome.PARTIAL, performed_on=today
    )
    # A billing-spike drill proves nothing about moving capacity: it is not failover evidence.
    RehearsalFactory(workload=never, scenario=RehearsalScenario.BILLING_SPIKE)
    RehearsalFactory(workload=failed, recovery_minutes=None, outcome=Rehearsal.Outcome.FAILED)
    RehearsalFactory(workload=stale, recovery_minutes=10, performed_on=today - timedelta(days=200))

    result = by_name(concentration.loss_scenario(vendor=lost))

    assert (
        result["Slow"].verdict == VERDICT_BREAKS
        and "took 45 min to recover; the RTO is 30 min" in result["Slow"].reason
    )
    assert result["Never"].verdict == VERDICT_UNPROVEN
    assert result["Failed"].verdict == VERDICT_BREAKS and "did not recover" in result["Failed"].reason
    assert result["Stale"].verdict == VERDICT_WITHIN and "overdue" in result["Stale"].reason


def test_losing_a_host_loses_the_vendors_that_run_on_it():
    host = VendorFactory(name="Nimbus")
    helix = VendorFactory(name="Helix", runs_on=host)
    w = WorkloadFactory(name="Looks redundant")
    compute(w, helix, C, 64)
    compute(w, host, E, 16)

    scenario = concentration.loss_scenario(vendor=host)

    assert scenario.lost_vendor_names == ["Helix"]
    assert by_name(scenario)["Looks redundant"].stranded


def test_losing_a_hosted_vendor_does_not_take_its_host_down():
    host = VendorFactory(name="Nimbus")
    helix = VendorFactory(name="Helix", runs_on=host)
    w = WorkloadFactory(name="W")
    compute(w, helix, C, 64)
    compute(w, host, E, 16)

    loss = by_name(concentration.loss_scenario(vendor=helix))["W"]

    assert not loss.stranded and [a.vendor for a in loss.alternatives] == ["Nimbus"]


def test_a_region_loss_strands_only_that_region_and_counts_unrecorded_regions_as_lost():
    nimbus = VendorFactory(name="Nimbus")
    w = WorkloadFactory(name="Regional")
    compute(w, nimbus, C, 32, region="us-east")
    compute(w, nimbus, B, 16, region="eu-west")
    unknown = WorkloadFactory(name="Unknown region")
    compute(unknown, nimbus, C, 8)
    elsewhere = WorkloadFactory(name="Elsewhere")
    compute(elsewhere, nimbus, C, 8, region="eu-west")

    scenario = concentration.loss_scenario(vendor=nimbus, region="US-East")

    result = by_name(scenario)
    assert set(result) == {"Regional", "Unknown region"}
    assert not result["Regional"].stranded
    assert (band(result["Regional"], C).lost, band(result["Regional"], B).remaining) == (32, 16)
    assert result["Unknown region"].stranded and result["Unknown region"].region_unrecorded
    assert concentration.regions_of(nimbus) == ["eu-west", "us-east"]


def test_unaffected_workloads_are_not_listed_and_worst_come_first():
    lost, alt = VendorFactory(), VendorFactory()
    fine = WorkloadFactory(name="A fine one", criticality=Criticality.CRITICAL)
    compute(fine, lost, C, 8)
    compute(fine, alt, C, 8)
    RehearsalFactory(workload=fine)
    stranded = WorkloadFactory(name="Z stranded", criticality=Criticality.LOW)
    compute(stranded, lost, C, 8)
    untouched = WorkloadFactory(name="Untouched")
    compute(untouched, alt, C, 8)

    scenario = concentration.loss_scenario(vendor=lost)

    assert [w.name for w in scenario.workloads] == ["Z stranded", "A fine one"]


@pytest.mark.parametrize("size", [10, 500])
def test_loss_scenario_takes_the_same_queries_for_any_portfolio(size, django_assert_max_num_queries):
    workloads = portfolio(size)
    vendor = workloads[0].dependencies.first().vendor
    with django_assert_max_num_queries(6):
        scenario = concentration.loss_scenario(vendor=vendor)
    assert scenario.workloads
