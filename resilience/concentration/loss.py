"""The loss scenario: what losing a vendor (or one of its regions) strands, and whose RTO breaks."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Q

from vendors.models import COMPUTE_LAYER, CapacityBand, Vendor

from ..models import Criticality, Dependency, Workload
from .hosting import HostingGraph, layer_table
from .rehearsals import FAILOVER_SCENARIOS, LastRehearsal, latest_rehearsals
from .shares import BAND_ORDER, as_decimal, hundredths, unit_for
from .words import minutes_label
from .words import spoken_list as _list

CRITICALITY_ORDER = {value: i for i, value in enumerate(Criticality.values)}


@dataclass
class Quantity:
    code: str
    label: str
    unit: str
    lost_units: int = 0  # hundredths
    remaining_units: int = 0

    @property
    def lost(self) -> Decimal:
        return as_decimal(self.lost_units)

    @property
    def remaining(self) -> Decimal:
        return as_decimal(self.remaining_units)

    @property
    def stranded(self) -> bool:
        return self.lost_units > 0 and self.remaining_units == 0

    @property
    def remaining_percent(self) -> float:
        total = self.lost_units + self.remaining_units
        return self.remaining_units * 100 / total if total else 100.0


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
    alternative_rows: list[tuple]
    last_rehearsal: LastRehearsal | None
    region_unrecorded: bool
    verdict: str = ""
    reason: str = ""
    _names: dict = field(default_factory=dict, repr=False)
    _layers: dict = field(default_factory=dict, repr=False)

    @cached_property
    def alternatives(self) -> list[Alternative]:
        """Vendors that already hold capacity for this workload and are not lost, largest first."""
        alternatives = [
            Alternative(
                self._names[vendor_id],
                self._layers[layer_id].name,
                CapacityBand(band).label if band else "",
                as_decimal(units),
                unit_for(self._layers[layer_id].code),
                region,
            )
            for vendor_id, layer_id, band, units, region in self.alternative_rows
        ]
        return sorted(alternatives, key=lambda a: (a.layer, a.band, -a.amount))

    @cached_property
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
    # Regions recorded on the dependencies this vendor's loss touches: the region picker's options.
    regions: list[str] = field(default_factory=list)

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


@dataclass
class _Evidence:
    """What loss scenarios are computed from: the dependencies of every affected workload, the
    workloads themselves and their last failover rehearsals, read once for one or many scenarios."""

    layers: dict
    rows: list[tuple]  # (workload_id, vendor_id, layer_id, band, units, region)
    workload_rows: list[tuple]  # (pk, name, tier, criticality, rto_minutes)
    last: dict[int, LastRehearsal]

    @classmethod
    def load(cls, affected) -> "_Evidence":
        return cls(
            {layer.pk: layer for layer in layer_table()},
            list(
                Dependency.objects.filter(workload_id__in=affected)
                .order_by()
                .annotate(units=hundredths())
                .values_list("workload_id", "vendor_id", "layer_id", "band", "units", "region")
            ),
            list(
                Workload.objects.filter(pk__in=affected)
                .order_by()
                .values_list("pk", "name", "tier", "criticality", "rto_minutes")
            ),
            latest_rehearsals(affected, FAILOVER_SCENARIOS),
        )


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
    scenario = _scenario(vendor, region, graph, lost_vendors, _Evidence.load(affected))
    scenario.regions = regions_of(vendor, graph)
    return scenario


def loss_scenarios(vendors: list[Vendor], graph: HostingGraph | None = None) -> dict[int, LossScenario]:
    """`loss_scenario` of each vendor (whole, no region), by vendor pk, in a fixed number of
    queries however many vendors: the evidence of all of them is read at once, then split."""
    graph = graph or HostingGraph.load()
    lost = {vendor.pk: graph.hosted_by(vendor.pk) for vendor in vendors}
    every_lost = set().union(*lost.values())
    evidence = _Evidence.load(
        Dependency.objects.filter(vendor_id__in=every_lost).order_by().values("workload_id")
    )
    result = {}
    for vendor in vendors:
        scenario = _scenario(vendor, "", graph, lost[vendor.pk], evidence)
        # As regions_of: the regions recorded on the dependencies on what is lost.
        regions = {row[5] for row in evidence.rows if row[1] in lost[vendor.pk] and row[5]}
        scenario.regions = sorted(regions, key=str.lower)
        result[vendor.pk] = scenario
    return result


def _scenario(vendor, region: str, graph: HostingGraph, lost_vendors: set[int], evidence: _Evidence):
    layers = evidence.layers
    region_key = region.lower()

    def lost_here(vendor_id, dep_region) -> bool:
        return vendor_id in lost_vendors and (not region_key or dep_region.lower() in ("", region_key))

    # The evidence may be shared by several scenarios: keep the workloads this loss touches.
    affected = {row[0] for row in evidence.rows if lost_here(row[1], row[5])}
    per_workload: dict[int, dict] = defaultdict(
        lambda: {"layers": {}, "bands": _band_quantities(), "alternatives": [], "unrecorded": False}
    )
    totals = _band_quantities()
    for workload_id, vendor_id, layer_id, band, units, dep_region in evidence.rows:
        if workload_id not in affected:
            continue
        state = per_workload[workload_id]
        layer = layers[layer_id]
        is_lost = lost_here(vendor_id, dep_region)
        quantity = state["layers"].get(layer_id)
        if quantity is None:
            quantity = state["layers"][layer_id] = Quantity(layer.code, layer.name, unit_for(layer.code))
        targets = [quantity]
        if layer.code == COMPUTE_LAYER and band:
            targets += [state["bands"][band], totals[band]]
        for target in targets:
            if is_lost:
                target.lost_units += units
            else:
                target.remaining_units += units
        if is_lost and region_key and not dep_region:
            state["unrecorded"] = True
        if not is_lost:
            # Kept raw; turned into words only for the workloads a page shows.
            state["alternatives"].append((vendor_id, layer_id, band, units, dep_region))
    workloads = []
    for pk, name, tier, criticality, rto_minutes in evidence.workload_rows:
        if pk not in affected:
            continue
        state = per_workload[pk]
        loss = WorkloadLoss(
            workload_id=pk,
            name=name,
            tier=tier,
            criticality=criticality,
            rto_minutes=rto_minutes,
            layers=[
                state["layers"][layer_pk]
                for layer_pk in sorted(state["layers"], key=lambda k: layers[k].position)
            ],
            bands=[q for q in state["bands"].values() if q.lost or q.remaining],
            alternative_rows=state["alternatives"],
            last_rehearsal=evidence.last.get(pk),
            region_unrecorded=state["unrecorded"],
            _names=graph.names,
            _layers=layers,
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
