"""The loss scenario: what losing a vendor (or one of its regions) strands, and whose RTO breaks."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from ..models import COMPUTE_LAYER, CapacityBand, Criticality, Dependency, Vendor, Workload
from .findings import HostingGraph, _list
from .matrix import BAND_ORDER, ZERO, unit_for
from .rehearsals import (
    FAILOVER_SCENARIOS,
    LAST_REHEARSAL_FIELDS,
    LastRehearsal,
    minutes_label,
    with_last_rehearsal,
)

CRITICALITY_ORDER = {value: i for i, value in enumerate(Criticality.values)}


@dataclass
class Quantity:
    code: str
    label: str
    unit: str
    lost: Decimal = ZERO
    remaining: Decimal = ZERO

    @property
    def stranded(self) -> bool:
        return self.lost > 0 and self.remaining == 0

    @property
    def remaining_percent(self) -> float:
        total = self.lost + self.remaining
        return float(self.remaining / total * 100) if total else 100.0


@dataclass(frozen=True)
class Alternative:
    vendor: str
    layer: str
    band: str
    amount: Decimal
    unit: str
    region: str


VERDICT_BREAKS, VERDICT_UNPROVEN, VERDICT_WITHIN = "breaks", "unproven", "within"
VERDICT_LABELS = {
    VERDICT_BREAKS: "Breaks its RTO",
    VERDICT_UNPROVEN: "RTO unproven",
    VERDICT_WITHIN: "Within RTO (rehearsed)",
}


@dataclass
class WorkloadLoss:
    workload_id: int
    name: str
    tier: str
    criticality: str
    rto_minutes: int
    layers: list[Quantity]
    bands: list[Quantity]
    alternatives: list[Alternative]
    last_rehearsal: LastRehearsal | None
    region_unrecorded: bool
    verdict: str = ""
    reason: str = ""

    @property
    def stranded_layers(self) -> list[str]:
        return [q.label for q in self.layers if q.stranded]

    @property
    def stranded(self) -> bool:
        return bool(self.stranded_layers)

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def criticality_label(self) -> str:
        return Criticality(self.criticality).label

    def judge(self) -> None:
        rto = minutes_label(self.rto_minutes)
        last = self.last_rehearsal
        if self.stranded:
            self.verdict = VERDICT_BREAKS
            self.reason = (
                f"No other vendor holds {_list([s.lower() for s in self.stranded_layers])} for this workload: "
                f"recovering means buying new capacity, which no RTO of {rto} allows for."
            )
        elif last is None:
            self.verdict = VERDICT_UNPROVEN
            self.reason = (
                "Other vendors hold capacity, but failing over to them was never rehearsed: "
                "the recovery time is unknown."
            )
        elif last.recovery_minutes is None:
            self.verdict = VERDICT_BREAKS
            self.reason = f"The last failover rehearsal ({last.scenario}, {last.performed_on:%d %b %Y}) did not recover."
        elif last.recovery_minutes > self.rto_minutes:
            self.verdict = VERDICT_BREAKS
            self.reason = (
                f"The last failover rehearsal ({last.scenario}, {last.performed_on:%d %b %Y}) took "
                f"{minutes_label(last.recovery_minutes)} to recover; the RTO is {rto}."
            )
        else:
            self.verdict = VERDICT_WITHIN
            self.reason = (
                f"The last failover rehearsal ({last.scenario}, {last.performed_on:%d %b %Y}) recovered in "
                f"{minutes_label(last.recovery_minutes)}, within the RTO of {rto}."
            )
            if last.overdue:
                self.reason += " That evidence is overdue for a new rehearsal."


@dataclass
class LossScenario:
    vendor: Vendor
    region: str
    lost_vendor_names: list[str]
    workloads: list[WorkloadLoss]
    bands: list[Quantity]

    def count(self, verdict: str) -> int:
        return sum(1 for w in self.workloads if w.verdict == verdict)

    @property
    def stranded_count(self) -> int:
        return sum(1 for w in self.workloads if w.stranded)

    @property
    def breaks_count(self) -> int:
        return self.count(VERDICT_BREAKS)

    @property
    def unproven_count(self) -> int:
        return self.count(VERDICT_UNPROVEN)

    @property
    def within_count(self) -> int:
        return self.count(VERDICT_WITHIN)


def _band_quantities() -> dict[str, Quantity]:
    return {b.value: Quantity(b.value, b.label, "GPUs") for b in BAND_ORDER}


def loss_scenario(*, vendor: Vendor, region: str = "", graph: HostingGraph | None = None) -> LossScenario:
    """What losing `vendor` (in `region`, if given) strands, per workload and per capacity band.

    Vendors that run on `vendor` are lost with it. With a region, dependencies that record no
    region count as lost too: nobody can say they would survive.
    """
    graph = graph or HostingGraph.load()
    region = region.strip()
    lost_vendors = graph.hosted_by(vendor.pk)
    lost_filter = Q(vendor_id__in=lost_vendors)
    if region:
        lost_filter &= Q(region__iexact=region) | Q(region="")
    affected = Dependency.objects.filter(lost_filter).order_by().values("workload_id")
    rows = (
        Dependency.objects.filter(workload_id__in=affected)
        .order_by()
        .values_list(
            "workload_id",
            "vendor_id",
            "layer__code",
            "layer__name",
            "layer__position",
            "band",
            "amount",
            "region",
        )
    )
    workload_rows = (
        with_last_rehearsal(Workload.objects.filter(pk__in=affected), FAILOVER_SCENARIOS)
        .order_by()
        .values(
            "pk",
            "name",
            "tier",
            "criticality",
            "rto_minutes",
            *LAST_REHEARSAL_FIELDS,
        )
    )
    region_key = region.lower()
    per_workload: dict[int, dict] = defaultdict(
        lambda: {"layers": {}, "bands": _band_quantities(), "alternatives": [], "unrecorded": False}
    )
    totals = _band_quantities()
    for workload_id, vendor_id, code, layer_name, position, band, amount, dep_region in rows:
        state = per_workload[workload_id]
        is_lost = vendor_id in lost_vendors and (not region_key or dep_region.lower() in ("", region_key))
        layer = state["layers"].setdefault(code, (position, Quantity(code, layer_name, unit_for(code))))[1]
        targets = [layer]
        if code == COMPUTE_LAYER and band:
            targets += [state["bands"][band], totals[band]]
        for quantity in targets:
            if is_lost:
                quantity.lost += amount
            else:
                quantity.remaining += amount
        if is_lost and region_key and not dep_region:
            state["unrecorded"] = True
        if not is_lost:
            state["alternatives"].append(
                Alternative(
                    graph.names[vendor_id],
                    layer_name,
                    CapacityBand(band).label if band else "",
                    amount,
                    unit_for(code),
                    dep_region,
                )
            )
    workloads = []
    for row in workload_rows:
        state = per_workload[row["pk"]]
        loss = WorkloadLoss(
            workload_id=row["pk"],
            name=row["name"],
            tier=row["tier"],
            criticality=row["criticality"],
            rto_minutes=row["rto_minutes"],
            layers=[q for _, q in sorted(state["layers"].values(), key=lambda pq: pq[0])],
            bands=[q for q in state["bands"].values() if q.lost or q.remaining],
            alternatives=sorted(state["alternatives"], key=lambda a: (a.layer, a.band, -a.amount)),
            last_rehearsal=LastRehearsal.from_row(row),
            region_unrecorded=state["unrecorded"],
        )
        loss.judge()
        workloads.append(loss)
    verdict_order = [VERDICT_BREAKS, VERDICT_UNPROVEN, VERDICT_WITHIN]
    workloads.sort(
        key=lambda w: (
            verdict_order.index(w.verdict),
            not w.stranded,
            CRITICALITY_ORDER[w.criticality],
            w.name.lower(),
        )
    )
    lost_names = sorted((graph.names[v] for v in lost_vendors if v != vendor.pk), key=str.lower)
    return LossScenario(vendor, region, lost_names, workloads, list(totals.values()))


def regions_of(vendor: Vendor, graph: HostingGraph | None = None) -> list[str]:
    """Regions recorded on the dependencies a loss of `vendor` would touch, for the region picker."""
    graph = graph or HostingGraph.load()
    regions = (
        Dependency.objects.filter(vendor_id__in=graph.hosted_by(vendor.pk))
        .exclude(region="")
        .order_by()
        .values_list("region", flat=True)
        .distinct()
    )
    return sorted({r for r in regions}, key=str.lower)
