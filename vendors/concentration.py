"""Concentration risk: who supplies what share of each layer, how concentrated each layer is,
which workloads have a single point of failure, and what losing a vendor would strand.

Everything here is computed by grouped queries (the database does the sums and counts) or in one
pass over one query; nothing queries per cell, per vendor or per workload, so a portfolio of
thousands of dependencies costs the same handful of queries as a portfolio of ten.

Shares: compute is measured in accelerators (GPUs) across all capacity bands; every other layer in
the share of each workload's need (percent), so each workload weighs by how much it relies on
the vendor. The Herfindahl-Hirschman index of a layer is the sum of the squared vendor shares:
1 for a single vendor, 1/n for n vendors of equal size.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import CharField, Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.aggregates import StringAgg
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from .models import (
    COMPUTE_LAYER,
    CapacityBand,
    Criticality,
    Dependency,
    Layer,
    Rehearsal,
    RehearsalScenario,
    Vendor,
    Workload,
    within_target,
)
from .workloads import next_rehearsal_due

HHI_SCALE = 10_000
ZERO = Decimal(0)
BAND_ORDER = [CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY]
CRITICALITY_ORDER = {value: i for i, value in enumerate(Criticality.values)}
# Rehearsals that exercise moving capacity to another vendor or region: the evidence that
# counts when asking how long losing a vendor would take to recover from.
FAILOVER_SCENARIOS = [
    RehearsalScenario.PROVIDER_EXIT,
    RehearsalScenario.REGION_OUTAGE,
    RehearsalScenario.GPU_SHORTAGE,
]


def minutes_label(minutes: int | None) -> str:
    """A duration for people: 45 min, 2 h 30 min, 3 d 4 h."""
    if minutes is None:
        return "—"
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    if days:
        parts[2] = ""  # minutes do not matter once we count in days
    return " ".join(p for p in parts if p) or "0 min"


# The index and its plain-language rating ----------------------------------------------------


def hhi(amounts: Iterable) -> Fraction | None:
    """The Herfindahl-Hirschman index of the given sizes, exactly: sum of squared shares.

    None when nothing is supplied at all. Zero sizes are ignored; negative sizes are an error.
    """
    values = [Fraction(a) for a in amounts]
    if any(v < 0 for v in values):
        raise ValueError("Shares cannot be negative.")
    total = sum(values, Fraction(0))
    if not total:
        return None
    return sum(((v / total) ** 2 for v in values if v), Fraction(0))


@dataclass(frozen=True)
class Rating:
    level: str
    label: str
    explanation: str
    badge: str


def rate(index: Fraction | None) -> Rating:
    """A buyer's reading of the index, through the equivalent number of equal vendors (1/HHI).

    Antitrust thresholds (1,800 and 1,000 points) are made for markets of many firms and would
    call any two-supplier setup "highly concentrated"; a buyer needs to know how many real
    alternatives hold capacity.
    """
    if index is None:
        return Rating(
            "none",
            "Nothing recorded",
            "No workload depends on any vendor for this layer yet.",
            "text-bg-light",
        )
    equivalent = float(1 / index)
    if index == 1:
        return Rating(
            "single",
            "Single vendor",
            "One vendor supplies all of it: there is no alternative to fail over to.",
            "text-bg-danger",
        )
    if index >= Fraction(1, 2):
        return Rating(
            "high",
            "Highly concentrated",
            f"As concentrated as {equivalent:.1f} equal vendors: losing the largest strands most of this layer.",
            "text-bg-danger",
        )
    if index >= Fraction(1, 4):
        return Rating(
            "moderate",
            "Moderately concentrated",
            f"Like {equivalent:.1f} equal vendors: losing the largest hurts, but alternatives hold real capacity.",
            "text-bg-warning",
        )
    return Rating(
        "low",
        "Diversified",
        f"Like {equivalent:.1f} equal vendors: no single loss strands most of this layer.",
        "text-bg-success",
    )


def unit_for(layer_code: str) -> str:
    return "GPUs" if layer_code == COMPUTE_LAYER else "% of need"


# The vendors x layers matrix ----------------------------------------------------------------


@dataclass
class Cell:
    amount: Decimal
    share: Fraction
    workloads: int = 0
    unit: str = ""

    @property
    def percent(self) -> float:
        return float(self.share * 100)

    @property
    def heat(self) -> int:
        """0-4, for shading the cell: a fifth of the layer or more per step."""
        return min(4, int(self.share * 5))


@dataclass
class Column:
    code: str
    name: str
    total: Decimal
    vendor_count: int
    index: Fraction | None
    unit: str
    leader: str = ""
    leader_share: Fraction = Fraction(0)

    @property
    def leader_percent(self) -> float:
        return float(self.leader_share * 100)

    @property
    def rating(self) -> Rating:
        return rate(self.index)

    @property
    def points(self) -> int | None:
        return None if self.index is None else round(self.index * HHI_SCALE)

    @property
    def equivalent_vendors(self) -> float | None:
        return None if not self.index else float(1 / self.index)


@dataclass
class Row:
    vendor_id: int
    name: str
    cells: list[Cell | None]

    @property
    def layers_supplied(self) -> int:
        return sum(1 for cell in self.cells if cell is not None)


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]
    band_columns: list[Column] = field(default_factory=list)
    band_rows: list[Row] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _build(
    keys: list[tuple[str, str]], grouped: Iterable[dict], key_field: str, units
) -> tuple[list[Column], list[Row]]:
    """Columns and rows from grouped (vendor, key) sums, in one pass."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    per_vendor: dict[int, dict[str, tuple[Decimal, int]]] = defaultdict(dict)
    names: dict[int, str] = {}
    amounts_by_key: dict[str, list[Decimal]] = defaultdict(list)
    for item in grouped:
        key, amount = item[key_field], item["total"]
        totals[key] += amount
        amounts_by_key[key].append(amount)
        per_vendor[item["vendor_id"]][key] = (amount, item.get("workloads", 0))
        names[item["vendor_id"]] = item["vendor__name"]
    columns = [
        Column(code, name, totals[code], len(amounts_by_key[code]), hhi(amounts_by_key[code]), units(code))
        for code, name in keys
    ]
    leaders: dict[str, tuple[Decimal, str]] = {}
    for vendor_id, cells in per_vendor.items():
        for key, (amount, _workloads) in cells.items():
            if key not in leaders or amount > leaders[key][0]:
                leaders[key] = (amount, names[vendor_id])
    for column in columns:
        if column.code in leaders:
            amount, column.leader = leaders[column.code]
            column.leader_share = Fraction(amount) / Fraction(column.total)
    rows = []
    for vendor_id, cells in per_vendor.items():
        row = Row(vendor_id, names[vendor_id], [])
        for code, _name in keys:
            if code in cells:
                amount, workloads = cells[code]
                row.cells.append(
                    Cell(amount, Fraction(amount) / Fraction(totals[code]), workloads, units(code))
                )
            else:
                row.cells.append(None)
        rows.append(row)
    # Most layers first: the vendors that dominate several layers are the ones to look at.
    rows.sort(key=lambda r: (-r.layers_supplied, -max(c.share for c in r.cells if c), r.name.lower()))
    return columns, rows


def matrix(dependencies: QuerySet[Dependency] | None = None) -> Matrix:
    """Each vendor's share of each layer (and of each compute band), with the index per layer."""
    dependencies = Dependency.objects.all() if dependencies is None else dependencies
    layers = [(layer.code, layer.name) for layer in Layer.objects.order_by("position", "name")]
    by_layer = (
        dependencies.order_by()
        .values("vendor_id", "vendor__name", "layer__code")
        .annotate(total=Sum("amount"), workloads=Count("workload", distinct=True))
    )
    columns, rows = _build(layers, by_layer, "layer__code", unit_for)
    by_band = (
        dependencies.filter(layer__code=COMPUTE_LAYER)
        .order_by()
        .values("vendor_id", "vendor__name", "band")
        .annotate(total=Sum("amount"), workloads=Count("workload", distinct=True))
    )
    band_columns, band_rows = _build(
        [(b.value, b.label) for b in BAND_ORDER], by_band, "band", lambda _c: "GPUs"
    )
    return Matrix(columns, rows, band_columns, band_rows)


# Findings -----------------------------------------------------------------------------------


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


# Rehearsal evidence -------------------------------------------------------------------------


LAST_REHEARSAL_FIELDS = (
    "last_rehearsed_on",
    "last_scenario",
    "last_custom_scenario",
    "last_outcome",
    "last_recovery_minutes",
    "last_data_loss_minutes",
    "last_rto_target",
    "last_rpo_target",
)


def with_last_rehearsal(
    workloads: QuerySet[Workload], scenarios: list[str] | None = None
) -> QuerySet[Workload]:
    """Annotate the latest rehearsal (date, scenario, outcome, recovery, data loss) of each workload."""
    latest = Rehearsal.objects.filter(workload=OuterRef("pk"))
    if scenarios:
        latest = latest.filter(scenario__in=scenarios)
    latest = latest.order_by("-performed_on", "-pk")
    return workloads.annotate(
        last_rehearsed_on=Subquery(latest.values("performed_on")[:1]),
        last_scenario=Subquery(latest.values("scenario")[:1]),
        last_custom_scenario=Subquery(latest.values("custom_scenario")[:1]),
        last_outcome=Subquery(latest.values("outcome")[:1]),
        last_recovery_minutes=Subquery(latest.values("recovery_minutes")[:1]),
        last_data_loss_minutes=Subquery(latest.values("data_loss_minutes")[:1]),
        last_rto_target=Subquery(latest.values("rto_target_minutes")[:1]),
        last_rpo_target=Subquery(latest.values("rpo_target_minutes")[:1]),
    )


@dataclass(frozen=True)
class LastRehearsal:
    performed_on: date
    scenario: str
    outcome: str
    recovery_minutes: int | None
    data_loss_minutes: int | None
    rto_target: int
    rpo_target: int

    @classmethod
    def from_row(cls, row: dict) -> "LastRehearsal | None":
        if row.get("last_rehearsed_on") is None:
            return None
        scenario = row["last_custom_scenario"] or RehearsalScenario(row["last_scenario"]).label
        return cls(
            row["last_rehearsed_on"],
            scenario,
            row["last_outcome"],
            row["last_recovery_minutes"],
            row["last_data_loss_minutes"],
            row["last_rto_target"],
            row["last_rpo_target"],
        )

    @property
    def outcome_label(self) -> str:
        return Rehearsal.Outcome(self.outcome).label

    @property
    def met_rto(self) -> bool:
        return within_target(self.recovery_minutes, self.rto_target)

    @property
    def met_rpo(self) -> bool:
        return within_target(self.data_loss_minutes, self.rpo_target)

    @property
    def next_due(self) -> date:
        return next_rehearsal_due(self.performed_on)

    @property
    def overdue(self) -> bool:
        return self.next_due < timezone.localdate()


# Loss scenario ------------------------------------------------------------------------------


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


# Evidence for an evaluation of one vendor --------------------------------------------------


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
