"""The vendors x layers matrix: each vendor's share of each layer and of each compute band."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, QuerySet, Sum

from ..models import COMPUTE_LAYER, CapacityBand, Dependency, Layer
from .index import HHI_SCALE, Rating, hhi, rate

ZERO = Decimal(0)
BAND_ORDER = [CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY]


def unit_for(layer_code: str) -> str:
    return "GPUs" if layer_code == COMPUTE_LAYER else "% of need"


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
