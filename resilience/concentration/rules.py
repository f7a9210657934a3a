"""Concentration findings, each with the reason a reviewer reads.

One query reads (workload, vendor, layer, band) for every dependency in scope; one pass over it
finds the single-vendor bands, the vendors supplying three or more layers and the shared fates.
Critical workloads without emergency capacity are found by the database.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from vendors.models import COMPUTE_LAYER, CapacityBand

from ..models import Criticality, Dependency, Workload
from .hosting import HostingGraph, layer_table
from .shares import BAND_ORDER
from .words import spoken_list


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


def _band_words(bands: set[str]) -> list[str]:
    return [str(CapacityBand(b).label).lower() for b in BAND_ORDER if b in bands]


def _bands_reason(bands: set[str], vendor: str) -> str:
    words = _band_words(bands)
    three = len(words) == 3
    return (
        f"{spoken_list(words).capitalize()} capacity {'all' if three else 'both'} come from {vendor}: "
        f"one point of failure at {'three' if three else 'two'} prices."
    )


def _layers_reason(names: list[str], vendor: str) -> str:
    return (
        f"{vendor} supplies {spoken_list(names)}: one outage, price change or dispute "
        f"hits {len(names)} layers of this workload at once."
    )


def _fate_reason(graph: HostingGraph, root: int, taken: dict[int, set], layer_names: dict) -> str:
    uses = []
    for vendor_id in sorted(taken, key=lambda v: graph.names[v].lower()):
        what = [
            f"{layer_names[layer_id][1].lower()} ({CapacityBand(band).label.lower()})"
            if band
            else layer_names[layer_id][1].lower()
            for layer_id, band in sorted(taken[vendor_id], key=lambda lb: (layer_names[lb[0]][0], lb[1]))
        ]
        uses.append(f"{spoken_list(what)} on {graph.names[vendor_id]}")
    return (
        f"{graph.runs_on_sentence(taken)}. The workload's {spoken_list(uses)} fail together "
        f"when {graph.names[root]} fails: they are not alternatives to each other."
    )


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
    scoped = workloads is not None
    workloads = Workload.objects.all() if workloads is None else workloads
    dependencies = Dependency.objects.order_by()
    if scoped:
        dependencies = dependencies.filter(workload__in=workloads.order_by().values("pk"))
    graph = graph or HostingGraph.load()
    table = layer_table()
    layers = {layer.pk: (layer.position, layer.name) for layer in table}
    compute_pk = next((layer.pk for layer in table if layer.code == COMPUTE_LAYER), None)
    involved = graph.in_hosting()

    compute_vendors: dict[int, set[int]] = defaultdict(set)
    compute_bands: dict[int, set[str]] = defaultdict(set)
    pair_layers: dict[tuple[int, int], set[int]] = defaultdict(set)
    # workload -> root host -> vendor -> {(layer, band)} the workload takes from it
    fates: dict[int, dict[int, dict[int, set]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    for workload_id, vendor_id, layer_id, band in dependencies.values_list(
        "workload_id", "vendor_id", "layer_id", "band"
    ):
        pair_layers[workload_id, vendor_id].add(layer_id)
        if layer_id == compute_pk:
            compute_vendors[workload_id].add(vendor_id)
            compute_bands[workload_id].add(band)
        if vendor_id in involved:
            fates[workload_id][graph.root(vendor_id)][vendor_id].add((layer_id, band))

    raw: list[tuple[str, int, str, frozenset[int]]] = []
    for workload_id, vendors in compute_vendors.items():
        bands = compute_bands[workload_id] - {""}
        if len(vendors) == 1 and len(bands) >= 2:
            (vendor_id,) = vendors
            raw.append(
                (
                    FindingKind.BANDS_ON_ONE_VENDOR,
                    workload_id,
                    _bands_reason(bands, graph.names[vendor_id]),
                    frozenset(vendors),
                )
            )
    for (workload_id, vendor_id), layer_ids in pair_layers.items():
        if len(layer_ids) >= 3:
            names = [layers[pk][1].lower() for pk in sorted(layer_ids, key=lambda pk: layers[pk])]
            raw.append(
                (
                    FindingKind.MANY_LAYERS,
                    workload_id,
                    _layers_reason(names, graph.names[vendor_id]),
                    frozenset({vendor_id}),
                )
            )
    for workload_id, roots in fates.items():
        for root, taken in roots.items():
            if len(taken) >= 2:
                raw.append(
                    (
                        FindingKind.SHARED_FATE,
                        workload_id,
                        _fate_reason(graph, root, taken, layers),
                        frozenset(taken),
                    )
                )

    names = (
        dict(workloads.filter(pk__in={r[1] for r in raw}).order_by().values_list("pk", "name")) if raw else {}
    )
    found = [
        Finding(kind, pk, names[pk], reason, vendor_ids)
        for kind, pk, reason, vendor_ids in raw
        if pk in names
    ]
    found += _no_emergency(workloads)
    found.sort(key=lambda f: (FindingKind.ORDER.index(f.kind), f.workload_name.lower(), f.reason))
    return found


def finding_counts(found: list[Finding]) -> list[tuple[str, str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for finding in found:
        counts[finding.kind] += 1
    return [(kind, FindingKind.LABELS[kind], counts[kind]) for kind in FindingKind.ORDER]
