"""Concentration findings and rehearsal evidence for one vendor, for evaluations and decision records."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import Count

from vendors.models import Vendor

from ..models import Criticality, Dependency, Rehearsal, Workload
from .hosting import HostingGraph, layer_table
from .loss import CRITICALITY_ORDER
from .rehearsals import LastRehearsal, latest_rehearsals
from .rules import Finding, FindingKind, findings
from .shares import Cell, Column, matrix
from .words import spoken_list


@dataclass
class WorkloadEvidence:
    workload_id: int
    name: str
    tier: str
    criticality: str
    rto_minutes: int
    rpo_minutes: int
    via: str
    last_rehearsal: LastRehearsal | None
    rehearsals_from_vendor: int

    @property
    def criticality_label(self) -> str:
        return Criticality(self.criticality).label

    @property
    def next_due(self) -> date | None:
        return self.last_rehearsal.next_due if self.last_rehearsal else None

    @property
    def due_status(self) -> str:
        if self.last_rehearsal is None:
            return "never"
        return "overdue" if self.last_rehearsal.overdue else "current"


@dataclass
class VendorEvidence:
    vendor: Vendor
    hosted_names: list[str]
    host_chain: list[str]
    shares: list[tuple[Column, Cell]]
    findings: list[Finding]
    workloads: list[WorkloadEvidence]

    # The page and the record list the most telling workloads first; all of them count.
    SHOWN = 25

    @cached_property
    def shown_workloads(self) -> list[WorkloadEvidence]:
        """Never rehearsed, overdue or missed targets first (critical before others), then the rest."""
        order = {"never": 0, "overdue": 1, "current": 2}

        def telling(w: WorkloadEvidence):
            missed = bool(w.last_rehearsal and not (w.last_rehearsal.met_rto and w.last_rehearsal.met_rpo))
            return (
                CRITICALITY_ORDER[w.criticality],
                order[w.due_status] if not missed else 0,
                w.name.lower(),
            )

        return sorted(self.workloads, key=telling)[: self.SHOWN]

    @property
    def more_workloads(self) -> int:
        return max(0, len(self.workloads) - self.SHOWN)

    @cached_property
    def never_rehearsed(self) -> int:
        return sum(1 for w in self.workloads if w.due_status == "never")

    @cached_property
    def overdue(self) -> int:
        return sum(1 for w in self.workloads if w.due_status == "overdue")

    @cached_property
    def missed_targets(self) -> int:
        return sum(
            1
            for w in self.workloads
            if w.last_rehearsal and not (w.last_rehearsal.met_rto and w.last_rehearsal.met_rpo)
        )

    @cached_property
    def critical(self) -> int:
        return sum(1 for w in self.workloads if w.criticality == Criticality.CRITICAL)


def vendor_evidence(vendor: Vendor) -> VendorEvidence:
    """Concentration findings and rehearsal evidence for the workloads that depend on `vendor`
    (directly or through a vendor running on it), for an evaluation's resilience and portability
    dimensions and its decision record. A fixed number of queries, whatever the portfolio size."""
    graph = HostingGraph.load()
    exposed = graph.hosted_by(vendor.pk)
    on_exposed = Dependency.objects.filter(vendor_id__in=exposed).order_by()
    on_vendor = Workload.objects.filter(pk__in=on_exposed.values("workload_id"))
    found = [
        f for f in findings(on_vendor, graph) if f.kind == FindingKind.NO_EMERGENCY or f.vendor_ids & exposed
    ]

    portfolio = matrix(limit=0, graph=graph)
    row = portfolio.row_of(vendor.pk)
    shares = (
        [(column, cell) for column, cell in zip(portfolio.columns, row.cells, strict=True) if cell]
        if row
        else []
    )
    counts = dict(
        Dependency.objects.filter(vendor=vendor)
        .order_by()
        .values_list("layer__code")
        .annotate(n=Count("workload", distinct=True))
    )
    for column, cell in shares:
        cell.workloads = counts.get(column.code, 0)

    layers = {layer.pk: layer for layer in layer_table()}
    via: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for workload_id, vendor_id, layer_id in on_exposed.values_list(
        "workload_id", "vendor_id", "layer_id"
    ).distinct():
        via[workload_id][0].add(vendor_id)
        via[workload_id][1].add(layer_id)
    from_vendor = dict(
        Rehearsal.objects.filter(vendor=vendor, workload_id__in=on_exposed.values("workload_id"))
        .order_by()
        .values_list("workload_id")
        .annotate(n=Count("pk"))
    )
    last = latest_rehearsals(on_exposed.values("workload_id"))
    workloads = []
    rows = on_vendor.order_by().values_list("pk", "name", "tier", "criticality", "rto_minutes", "rpo_minutes")
    for pk, name, tier, criticality, rto, rpo in rows:
        vendor_ids, layer_ids = via[pk]
        others = sorted((graph.names[v] for v in vendor_ids if v != vendor.pk), key=str.lower)
        words = [layers[lid].name.lower() for lid in sorted(layer_ids, key=lambda lid: layers[lid].position)]
        through = f" (through {spoken_list(others)})" if others else ""
        workloads.append(
            WorkloadEvidence(
                pk,
                name,
                tier,
                criticality,
                rto,
                rpo,
                spoken_list(words) + through,
                last.get(pk),
                from_vendor.get(pk, 0),
            )
        )
    workloads.sort(key=lambda w: (CRITICALITY_ORDER[w.criticality], w.name.lower()))
    hosted = sorted((graph.names[v] for v in exposed if v != vendor.pk), key=str.lower)
    chain = [graph.names[v] for v in graph.chain(vendor.pk)[1:]]
    return VendorEvidence(vendor, hosted, chain, shares, found, workloads)
