"""Concentration findings and rehearsal evidence for one vendor, for evaluations and decision records."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.aggregates import StringAgg

from ..models import Criticality, Dependency, Rehearsal, Vendor, Workload
from .findings import Finding, FindingKind, HostingGraph, _list, findings
from .loss import CRITICALITY_ORDER
from .matrix import Cell, Column, matrix
from .rehearsals import LAST_REHEARSAL_FIELDS, LastRehearsal, with_last_rehearsal


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

    @property
    def never_rehearsed(self) -> int:
        return sum(1 for w in self.workloads if w.due_status == "never")

    @property
    def overdue(self) -> int:
        return sum(1 for w in self.workloads if w.due_status == "overdue")

    @property
    def missed_targets(self) -> int:
        return sum(
            1
            for w in self.workloads
            if w.last_rehearsal and not (w.last_rehearsal.met_rto and w.last_rehearsal.met_rpo)
        )

    @property
    def critical(self) -> int:
        return sum(1 for w in self.workloads if w.criticality == Criticality.CRITICAL)


def vendor_evidence(vendor: Vendor) -> VendorEvidence:
    """Concentration findings and rehearsal evidence for the workloads that depend on `vendor`
    (directly or through a vendor running on it), for an evaluation's resilience and portability
    dimensions and its decision record. A fixed number of queries, whatever the portfolio size."""
    graph = HostingGraph.load()
    exposed = graph.hosted_by(vendor.pk)
    on_vendor = Workload.objects.filter(
        pk__in=Dependency.objects.filter(vendor_id__in=exposed).order_by().values("workload_id")
    )
    found = [
        f for f in findings(on_vendor, graph) if f.kind == FindingKind.NO_EMERGENCY or f.vendor_ids & exposed
    ]
    portfolio = matrix()
    row = next((r for r in portfolio.rows if r.vendor_id == vendor.pk), None)
    shares = (
        [(column, cell) for column, cell in zip(portfolio.columns, row.cells, strict=True) if cell]
        if row
        else []
    )
    via_rows = (
        Dependency.objects.filter(vendor_id__in=exposed)
        .order_by()
        .values("workload_id")
        .annotate(
            vendor_names=StringAgg("vendor__name", delimiter=Value("|")),
            layer_codes=StringAgg("layer__name", delimiter=Value("|")),
        )
    )
    via = {
        r["workload_id"]: (
            sorted(set(r["vendor_names"].split("|"))),
            list(dict.fromkeys(r["layer_codes"].split("|"))),
        )
        for r in via_rows
    }
    from_vendor = (
        Rehearsal.objects.filter(workload=OuterRef("pk"), vendor=vendor).order_by().values("workload")
    )
    workload_rows = (
        with_last_rehearsal(on_vendor)
        .annotate(from_vendor=Subquery(from_vendor.annotate(n=Count("pk")).values("n")[:1]))
        .order_by()
        .values(
            "pk",
            "name",
            "tier",
            "criticality",
            "rto_minutes",
            "rpo_minutes",
            "from_vendor",
            *LAST_REHEARSAL_FIELDS,
        )
    )
    workloads = []
    for r in workload_rows:
        names, layers = via.get(r["pk"], ([], []))
        others = [n for n in names if n != vendor.name]
        through = f" (through {_list(others)})" if others else ""
        workloads.append(
            WorkloadEvidence(
                r["pk"],
                r["name"],
                r["tier"],
                r["criticality"],
                r["rto_minutes"],
                r["rpo_minutes"],
                _list([layer.lower() for layer in layers]) + through,
                LastRehearsal.from_row(r),
                r["from_vendor"] or 0,
            )
        )
    workloads.sort(key=lambda w: (CRITICALITY_ORDER[w.criticality], w.name.lower()))
    hosted = sorted((graph.names[v] for v in exposed if v != vendor.pk), key=str.lower)
    chain = [graph.names[v] for v in graph.chain(vendor.pk)[1:]]
    return VendorEvidence(vendor, hosted, chain, shares, found, workloads)
