"""Concentration findings, each with the reason a reviewer reads."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, Min, OuterRef, QuerySet, Value
from django.db.models.aggregates import StringAgg
from django.db.models.functions import Cast, Concat

from ..models import COMPUTE_LAYER, CapacityBand, Criticality, Dependency, Vendor, Workload
from .matrix import BAND_ORDER


class FindingKind:
    BANDS_ON_ONE_VENDOR = "bands_on_one_vendor"
    MANY_LAYERS = "many_layers_one_vendor"
    SHARED_FATE = "shared_fate"
    NO_EMERGENCY = "no_emergency_band"

    LABELS = {
        BANDS_ON_ONE_VENDOR: "All capacity bands on one vendor",
        MANY_LAYERS: "One vendor supplies three or more layers",
        SHARED_FATE: "Shared fate through “runs on”",
        NO_EMERGENCY: "Critical workload without emergency capacity",
    }
    ORDER = list(LABELS)


@dataclass(frozen=True)
class Finding:
    kind: str
    workload_id: int
    workload_name: str
    reason: str
    vendor_ids: frozenset[int] = frozenset()

    @property
    def label(self) -> str:
        return FindingKind.LABELS[self.kind]


@dataclass(frozen=True)
class HostingGraph:
    """Which vendor runs on which: read once, walked in memory (a handful of rows)."""

    names: dict[int, str]
    host_of: dict[int, int | None]

    @classmethod
    def load(cls) -> "HostingGraph":
        rows = Vendor.objects.order_by().values_list("pk", "name", "runs_on_id")
        return cls({pk: name for pk, name, _ in rows}, {pk: host for pk, _, host in rows})

    def chain(self, vendor_id: int) -> list[int]:
        """The vendor and every host under it, nearest first (cycles are cut, never followed twice)."""
        chain, current = [], vendor_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.host_of.get(current)
        return chain

    def root(self, vendor_id: int) -> int:
        return self.chain(vendor_id)[-1]

    def in_hosting(self) -> set[int]:
        """Vendors that run on another or host another."""
        hosted = {pk for pk, host in self.host_of.items() if host is not None}
        return hosted | {host for pk in hosted for host in self.chain(pk)[1:]}

    def hosted_by(self, vendor_id: int) -> set[int]:
        """The vendor and every vendor running on it, directly or through others."""
        return {pk for pk in self.host_of if vendor_id in self.chain(pk)}

    def runs_on_sentence(self, vendor_ids: Iterable[int]) -> str:
        parts = []
        for pk in sorted(vendor_ids, key=lambda v: self.names[v].lower()):
            chain = self.chain(pk)
            if len(chain) > 1:
                parts.append(
                    f"{self.names[chain[0]]} runs on " + " on ".join(self.names[v] for v in chain[1:])
                )
        return "; ".join(parts)


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _split(aggregated: str | None) -> list[str]:
    seen: list[str] = []
    for item in (aggregated or "").split(","):
        if item and item not in seen:
            seen.append(item)
    return seen


def _bands_on_one_vendor(dependencies: QuerySet[Dependency]) -> list[Finding]:
    rows = (
        dependencies.filter(layer__code=COMPUTE_LAYER)
        .order_by()
        .values("workload_id")
        .annotate(
            bands=Count("band", distinct=True),
            vendors=Count("vendor", distinct=True),
            only_vendor=Min("vendor_id"),
            vendor_name=Min("vendor__name"),
            workload_name=Min("workload__name"),
            band_codes=StringAgg("band", delimiter=Value(",")),
        )
        .filter(bands__gte=2, vendors=1)
    )
    findings = []
    for row in rows:
        codes = _split(row["band_codes"])
        bands = [str(CapacityBand(b).label).lower() for b in BAND_ORDER if b in codes]
        count = "three" if len(bands) == 3 else "two"
        both = "all" if len(bands) == 3 else "both"
        findings.append(
            Finding(
                FindingKind.BANDS_ON_ONE_VENDOR,
                row["workload_id"],
                row["workload_name"],
                f"{_list(bands).capitalize()} capacity {both} come from {row['vendor_name']}: "
                f"one point of failure at {count} prices.",
                frozenset({row["only_vendor"]}),
            )
        )
    return findings


def _many_layers(dependencies: QuerySet[Dependency]) -> list[Finding]:
    rows = (
        dependencies.order_by()
        .values("workload_id", "vendor_id")
        .annotate(
            layer_count=Count("layer", distinct=True),
            # "position:name" pairs, so the names can be listed in stack order without another query.
            layer_list=StringAgg(
                Concat(Cast("layer__position", CharField()), Value(":"), "layer__name"), delimiter=Value(",")
            ),
            workload_name=Min("workload__name"),
            vendor_name=Min("vendor__name"),
        )
        .filter(layer_count__gte=3)
    )
    findings = []
    for row in rows:
        pairs = sorted(
            {(int(p), name) for p, name in (item.split(":", 1) for item in _split(row["layer_list"]))}
        )
        names = [name.lower() for _position, name in pairs]
        findings.append(
            Finding(
                FindingKind.MANY_LAYERS,
                row["workload_id"],
                row["workload_name"],
                f"{row['vendor_name']} supplies {_list(names)}: one outage, price change or dispute "
                f"hits {len(names)} layers of this workload at once.",
                frozenset({row["vendor_id"]}),
            )
        )
    return findings


def _shared_fate(dependencies: QuerySet[Dependency], graph: HostingGraph) -> list[Finding]:
    involved = graph.in_hosting()
    if not involved:
        return []
    rows = (
        dependencies.filter(vendor_id__in=involved)
        .order_by()
        .values_list("workload_id", "workload__name", "vendor_id", "layer__position", "layer__name", "band")
        .distinct()
    )
    # workload -> root host -> vendor -> what the workload takes from it
    groups: dict[int, dict[int, dict[int, list]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    workload_names = {}
    for workload_id, workload_name, vendor_id, position, layer_name, band in rows:
        workload_names[workload_id] = workload_name
        groups[workload_id][graph.root(vendor_id)][vendor_id].append((position, layer_name, band))
    findings = []
    for workload_id, roots in groups.items():
        for root, vendors in roots.items():
            if len(vendors) < 2:
                continue
            uses = []
            for vendor_id in sorted(vendors, key=lambda v: graph.names[v].lower()):
                taken = sorted(set(vendors[vendor_id]))
                what = _list(
                    [
                        f"{name.lower()} ({CapacityBand(band).label.lower()})" if band else name.lower()
                        for _, name, band in taken
                    ]
                )
                uses.append(f"{what} on {graph.names[vendor_id]}")
            findings.append(
                Finding(
                    FindingKind.SHARED_FATE,
                    workload_id,
                    workload_names[workload_id],
                    f"{graph.runs_on_sentence(vendors)}. The workload's {_list(uses)} fail together "
                    f"when {graph.names[root]} fails: they are not alternatives to each other.",
                    frozenset(vendors),
                )
            )
    return findings


def _no_emergency(workloads: QuerySet[Workload]) -> list[Finding]:
    compute = Dependency.objects.filter(workload=OuterRef("pk"), layer__code=COMPUTE_LAYER)
    rows = (
        workloads.filter(criticality=Criticality.CRITICAL)
        .annotate(
            has_compute=Exists(compute),
            has_emergency=Exists(compute.filter(band=CapacityBand.EMERGENCY)),
        )
        .filter(has_emergency=False)
        .order_by()
        .values_list("pk", "name", "has_compute")
    )
    return [
        Finding(
            FindingKind.NO_EMERGENCY,
            pk,
            name,
            "Critical, yet no emergency capacity is arranged with any vendor: when committed and burst "
            "capacity fail there is nowhere to go."
            if has_compute
            else "Critical, yet no compute is recorded at all, so no emergency capacity either.",
        )
        for pk, name, has_compute in rows
    ]


def findings(workloads: QuerySet[Workload] | None = None, graph: HostingGraph | None = None) -> list[Finding]:
    """Every finding for the given workloads (all of them by default), worst kinds first."""
    workloads = Workload.objects.all() if workloads is None else workloads
    dependencies = Dependency.objects.filter(workload__in=workloads.order_by().values("pk"))
    graph = graph or HostingGraph.load()
    found = [
        *_bands_on_one_vendor(dependencies),
        *_many_layers(dependencies),
        *_shared_fate(dependencies, graph),
        *_no_emergency(workloads),
    ]
    found.sort(key=lambda f: (FindingKind.ORDER.index(f.kind), f.workload_name.lower(), f.reason))
    return found


def finding_counts(found: list[Finding]) -> list[tuple[str, str, int]]:
    counts = defaultdict(int)
    for finding in found:
        counts[finding.kind] += 1
    return [(kind, FindingKind.LABELS[kind], counts[kind]) for kind in FindingKind.ORDER]
