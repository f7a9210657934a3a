"""Concentration maths on constructed portfolios: shares, the index per layer, and every finding."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from resilience import concentration
from resilience.concentration import FindingKind, hhi, rate
from resilience.models import Criticality, Dependency, Workload
from vendors.models import CapacityBand

from .factories import (
    RehearsalFactory,
    VendorFactory,
    WorkloadFactory,
    compute,
    portfolio,
    uses,
)

pytestmark = pytest.mark.django_db

C, B, E = CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY


def kinds(found, workload=None):
    return sorted(f.kind for f in found if workload is None or f.workload_id == workload.pk)


def column(m, code):
    return next(c for c in m.columns if c.code == code)


def row(m, vendor):
    return next(r for r in m.rows if r.vendor_id == vendor.pk)


# The index -------------------------------------------------------------------------------


def test_index_of_known_shares_is_the_sum_of_squared_shares():
    assert hhi([50, 30, 20]) == Fraction(38, 100)
    assert hhi([Decimal("0.5"), Decimal("0.5")]) == Fraction(1, 2)
    assert hhi([7]) == 1


def test_index_ignores_zero_sizes_and_is_none_for_nothing():
    assert hhi([10, 0, 10]) == Fraction(1, 2)
    assert hhi([]) is None
    assert hhi([0, 0]) is None


def test_index_refuses_negative_sizes():
    with pytest.raises(ValueError, match="negative"):
        hhi([5, -1])


@pytest.mark.parametrize(
    ("index", "level"),
    [
        (None, "none"),
        (Fraction(1), "single"),
        (Fraction(1, 2), "high"),
        (Fraction(38, 100), "moderate"),
        (Fraction(1, 4), "moderate"),
        (Fraction(1, 5), "low"),
    ],
)
def test_rating_reads_the_index_as_equal_vendors(index, level):
    assert rate(index).level == level


def test_rating_explains_in_equivalent_vendors():
    assert "2.6 equal vendors" in rate(Fraction(38, 100)).explanation
    assert "no alternative" in rate(Fraction(1)).explanation


# The matrix -------------------------------------------------------------------------------


def test_matrix_gives_each_vendor_its_share_of_each_layer_and_the_layer_index():
    a, b = VendorFactory(name="Alpha"), VendorFactory(name="Beta")
    w1, w2 = WorkloadFactory(), WorkloadFactory()
    compute(w1, a, C, 60)
    compute(w2, a, B, 20)
    compute(w2, b, C, 20)
    uses(w1, a, "storage")
    uses(w2, b, "storage", 50)
    uses(w2, a, "storage", 50)

    m = concentration.matrix()

    comp = column(m, "compute")
    assert comp.total == 100 and comp.vendor_count == 2 and comp.unit == "GPUs"
    assert comp.index == Fraction(68, 100) and comp.points == 6800
    assert comp.rating.level == "high"
    assert row(m, a).cells[0].share == Fraction(80, 100)
    storage = column(m, "storage")
    assert storage.index == Fraction(9 + 1, 16)  # Alpha 150 of 200, Beta 50 of 200
    assert column(m, "identity").index is None
    assert row(m, a).layers_supplied == 2
    # Compute by band: committed 60 (Alpha) + 20 (Beta); burst 20 all Alpha.
    bands = {c.code: c for c in m.band_columns}
    assert bands[B].index == 1 and bands[C].index == Fraction(60**2 + 20**2, 80**2)


def test_matrix_for_one_workload_counts_only_its_dependencies():
    a, b = VendorFactory(), VendorFactory()
    w1, w2 = WorkloadFactory(), WorkloadFactory()
    compute(w1, a, C, 10)
    compute(w2, b, C, 90)

    m = concentration.matrix(Dependency.objects.filter(workload=w1))

    assert [r.vendor_id for r in m.rows] == [a.pk]
    assert column(m, "compute").index == 1


def test_empty_portfolio_has_an_empty_matrix():
    m = concentration.matrix()
    assert m.is_empty and all(c.index is None for c in m.columns)


# Findings ---------------------------------------------------------------------------------


def test_all_three_bands_on_one_vendor_is_one_point_of_failure_at_three_prices():
    a = VendorFactory(name="Nimbus")
    w = WorkloadFactory()
    for band in (C, B, E):
        compute(w, a, band, 8)

    found = concentration.findings()

    assert kinds(found) == [FindingKind.BANDS_ON_ONE_VENDOR]
    assert found[0].reason == (
        "Committed, burst and emergency capacity all come from Nimbus: one point of failure at three prices."
    )
    assert found[0].vendor_ids == {a.pk}


def test_two_bands_on_one_vendor_is_flagged_and_bands_across_vendors_are_not():
    a, b = VendorFactory(name="Solo"), VendorFactory()
    single, spread = WorkloadFactory(), WorkloadFactory()
    compute(single, a, C, 8)
    compute(single, a, B, 8)
    compute(spread, a, C, 8)
    compute(spread, b, B, 8)
    compute(spread, a, E, 8)

    found = concentration.findings()

    assert kinds(found, single) == [FindingKind.BANDS_ON_ONE_VENDOR]
    assert "at two prices" in found[0].reason and "Committed and burst capacity both" in found[0].reason
    assert kinds(found, spread) == []


def test_one_vendor_supplying_three_layers_of_a_workload_is_a_finding():
    a, b = VendorFactory(name="Omni"), VendorFactory()
    w = WorkloadFactory()
    compute(w, b, C, 8)
    uses(w, a, "storage")
    uses(w, a, "identity")
    two_layers = WorkloadFactory()
    uses(two_layers, a, "storage")
    uses(two_layers, a, "identity")

    found = concentration.findings()

    assert kinds(found, w) == []
    uses(w, a, "networking")
    found = concentration.findings()
    assert kinds(found, w) == [FindingKind.MANY_LAYERS]
    assert found[0].reason.startswith("Omni supplies storage, networking and identity:")
    assert kinds(found, two_layers) == []


def test_compute_bands_count_as_one_layer_for_the_three_layer_finding():
    a = VendorFactory()
    w = WorkloadFactory()
    compute(w, a, C, 8)
    compute(w, a, B, 8)
    uses(w, a, "storage")

    assert FindingKind.MANY_LAYERS not in kinds(concentration.findings(), w)


def test_dependencies_on_a_vendor_and_its_host_share_fate():
    host = VendorFactory(name="Nimbus")
    neocloud = VendorFactory(name="Helix", runs_on=host)
    w = WorkloadFactory()
    compute(w, neocloud, C, 64)
    compute(w, host, E, 16)

    found = concentration.findings()

    assert kinds(found, w) == [FindingKind.SHARED_FATE]
    reason = found[0].reason
    assert reason.startswith("Helix runs on Nimbus.")
    assert "compute (committed) on Helix and compute (emergency) on Nimbus" in reason
    assert found[0].vendor_ids == {host.pk, neocloud.pk}


def test_two_vendors_on_the_same_host_share_fate_even_without_the_host():
    host = VendorFactory(name="Base")
    x = VendorFactory(name="X", runs_on=host)
    y = VendorFactory(name="Y", runs_on=host)
    unrelated = VendorFactory(name="Z")
    w = WorkloadFactory()
    compute(w, x, C, 8)
    compute(w, y, E, 8)
    other = WorkloadFactory()
    compute(other, x, C, 8)
    compute(other, unrelated, E, 8)

    found = concentration.findings()

    assert kinds(found, w) == [FindingKind.SHARED_FATE]
    assert "X runs on Base; Y runs on Base" in found[0].reason
    assert kinds(found, other) == []


def test_fate_is_shared_through_chains_of_hosts():
    root = VendorFactory(name="Root")
    middle = VendorFactory(name="Middle", runs_on=root)
    leaf = VendorFactory(name="Leaf", runs_on=middle)
    w = WorkloadFactory()
    compute(w, leaf, C, 8)
    uses(w, root, "storage")

    found = concentration.findings()

    assert kinds(found, w) == [FindingKind.SHARED_FATE]
    assert "Leaf runs on Middle on Root" in found[0].reason


def test_critical_workload_without_emergency_band_is_a_finding():
    a, b = VendorFactory(), VendorFactory()
    critical = WorkloadFactory(criticality=Criticality.CRITICAL)
    compute(critical, a, C, 8)
    compute(critical, b, B, 8)
    covered = WorkloadFactory(criticality=Criticality.CRITICAL)
    compute(covered, a, C, 8)
    compute(covered, b, E, 8)
    not_critical = WorkloadFactory(criticality=Criticality.HIGH)
    compute(not_critical, a, C, 8)
    nothing = WorkloadFactory(criticality=Criticality.CRITICAL)

    found = concentration.findings()

    assert kinds(found, critical) == [FindingKind.NO_EMERGENCY]
    assert kinds(found, covered) == kinds(found, not_critical) == []
    assert kinds(found, nothing) == [FindingKind.NO_EMERGENCY]
    assert "no compute is recorded" in next(f for f in found if f.workload_id == nothing.pk).reason


def test_findings_can_be_scoped_to_some_workloads():
    a = VendorFactory()
    w1, w2 = WorkloadFactory(), WorkloadFactory()
    for w in (w1, w2):
        compute(w, a, C, 8)
        compute(w, a, B, 8)

    found = concentration.findings(Workload.objects.filter(pk=w2.pk))

    assert [f.workload_id for f in found] == [w2.pk]


def test_finding_counts_cover_every_kind():
    counts = concentration.finding_counts([])
    assert [k for k, _label, _n in counts] == FindingKind.ORDER
    assert all(n == 0 for *_rest, n in counts)


# Vendor evidence for evaluations ----------------------------------------------------------


def test_vendor_evidence_lists_findings_and_rehearsals_of_workloads_on_the_vendor():
    host = VendorFactory(name="Nimbus")
    helix = VendorFactory(name="Helix", runs_on=host)
    other = VendorFactory(name="Other")
    today = timezone.localdate()
    hot = WorkloadFactory(name="Chat", criticality=Criticality.CRITICAL, rto_minutes=30)
    compute(hot, helix, C, 64)
    compute(hot, host, B, 16)
    RehearsalFactory(
        workload=hot, performed_on=today - timedelta(days=120), recovery_minutes=45, outcome="partial"
    )
    batch = WorkloadFactory(name="Batch")
    compute(batch, host, C, 8)
    elsewhere = WorkloadFactory(name="Elsewhere")
    compute(elsewhere, other, C, 8)
    compute(elsewhere, other, B, 8)

    evidence = concentration.vendor_evidence(host)

    assert [w.name for w in evidence.workloads] == ["Chat", "Batch"]
    chat = evidence.workloads[0]
    assert chat.due_status == "overdue" and not chat.last_rehearsal.met_rto
    assert "through Helix" in chat.via
    assert evidence.workloads[1].due_status == "never"
    assert (evidence.never_rehearsed, evidence.overdue, evidence.missed_targets, evidence.critical) == (
        1,
        1,
        1,
        1,
    )
    assert [f.kind for f in evidence.findings] == [FindingKind.SHARED_FATE, FindingKind.NO_EMERGENCY]
    assert evidence.hosted_names == ["Helix"]
    assert [(col.code, round(cell.percent)) for col, cell in evidence.shares] == [
        ("compute", 23)
    ]  # 24 of 104 GPUs


def test_vendor_evidence_counts_rehearsals_that_failed_over_from_the_vendor():
    a, b = VendorFactory(), VendorFactory()
    w = WorkloadFactory()
    compute(w, a, C, 8)
    RehearsalFactory(workload=w, vendor=a)
    RehearsalFactory(workload=w, vendor=a)
    RehearsalFactory(workload=w, vendor=b)

    assert concentration.vendor_evidence(a).workloads[0].rehearsals_from_vendor == 2


# Queries do not grow with the portfolio ---------------------------------------------------


@pytest.mark.parametrize("size", [10, 500])
def test_matrix_and_findings_take_the_same_queries_for_any_portfolio(size, django_assert_max_num_queries):
    portfolio(size)
    with django_assert_max_num_queries(8):
        concentration.matrix()
        concentration.findings()


@pytest.mark.parametrize("size", [10, 500])
def test_vendor_evidence_takes_the_same_queries_for_any_portfolio(size, django_assert_max_num_queries):
    workloads = portfolio(size)
    vendor = workloads[0].dependencies.first().vendor
    with django_assert_max_num_queries(14):
        evidence = concentration.vendor_evidence(vendor)
    assert evidence.workloads


def test_a_row_limit_sums_the_smaller_vendors_and_keeps_the_index_exact():
    big, mid = VendorFactory(name="Big"), VendorFactory(name="Mid")
    small = VendorFactory.create_batch(3)
    w = WorkloadFactory()
    compute(w, big, C, 50)
    compute(w, mid, B, 30)
    for vendor in small:
        compute(w, vendor, E, Decimal("6.66"))

    m = concentration.matrix(limit=2)

    assert [r.name for r in m.rows] == ["Big", "Mid"]
    assert m.others.name == "3 other vendors" and m.others.cells[0].amount == Decimal("19.98")
    assert m.hidden_vendors == 3 and m.vendor_count == 5
    assert column(m, "compute").index == hhi([50, 30, Decimal("6.66"), Decimal("6.66"), Decimal("6.66")])
    assert m.row_of(small[0].pk).cells[0].amount == Decimal("6.66")  # any vendor's row, shown or not


def test_vendor_evidence_lists_what_needs_attention_first_and_counts_the_rest():
    vendor = VendorFactory()
    today = timezone.localdate()
    for n in range(concentration.VendorEvidence.SHOWN + 2):
        w = WorkloadFactory(name=f"W{n:02d}")
        compute(w, vendor, C, 8)
        RehearsalFactory(workload=w, performed_on=today - timedelta(days=5))
    never = WorkloadFactory(name="Zz never rehearsed")
    compute(never, vendor, C, 8)

    evidence = concentration.vendor_evidence(vendor)

    assert evidence.shown_workloads[0].name == "Zz never rehearsed"
    assert len(evidence.shown_workloads) == concentration.VendorEvidence.SHOWN
    assert evidence.more_workloads == 3 and len(evidence.workloads) == 28
