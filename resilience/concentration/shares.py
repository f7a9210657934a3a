"""The vendors x layers matrix: each vendor's share of each layer and of each compute band.

One grouped query (the database sums per vendor, layer and band, in hundredths as integers);
the columns, the index of each and the order of the vendors come from one pass over its rows.
Row objects are built only for the vendors shown.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import BigIntegerField, F, QuerySet, Sum
from django.db.models.functions import Cast, Round

from vendors.models import COMPUTE_LAYER, CapacityBand

from ..models import Dependency
from .hosting import HostingGraph, layer_table
from .index import HHI_SCALE, Rating, hhi_of_hundredths, rate

ZERO = Decimal(0)
BAND_ORDER = [CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY]


def hundredths(expression="amount"):
    """An amount as an integer count of hundredths, computed by the database: exact, and no
    Decimal to build per row (amounts have two decimal places)."""
    return Cast(Round(F(expression) * 100), BigIntegerField())


def as_decimal(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _gpus(_code: str) -> str:
    return "GPUs"


def unit_for(layer_code: str) -> str:
    return "GPUs" if layer_code == COMPUTE_LAYER else "% of need"


@dataclass
class Cell:
    units: int  # hundredths
    total_units: int
    unit: str = ""
    # How many workloads this is, where it was counted (the vendor evidence does).
    workloads: int | None = None

    @property
    def amount(self) -> Decimal:
        return as_decimal(self.units)

    @property
    def share(self) -> Fraction:
        return Fraction(self.units, self.total_units)

    @property
    def percent(self) -> float:
        return self.units * 100 / self.total_units

    @property
    def heat(self) -> int:
        """0-4, for shading the cell: a fifth of the layer or more per step."""
        return min(4, self.units * 5 // self.total_units)


@dataclass
class Column:
    code: str
    name: str
    total_units: int
    vendor_count: int
    index: Fraction | None
    unit: str
    leader: str = ""
    leader_share: Fraction = Fraction(0)

    @property
    def total(self) -> Decimal:
        return as_decimal(self.total_units)

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
    vendor_id: int | None
    name: str
    cells: list[Cell | None]

    @property
    def layers_supplied(self) -> int:
        return sum(1 for cell in self.cells if cell is not None)


@dataclass
class Table:
    """One table of shares: columns (layers or bands) and the vendors in order of weight."""

    columns: list[Column]
    order: list[int]
    sums: dict[int, dict[str, int]] = field(repr=False)
    names: dict[int, str] = field(repr=False)

    def row(self, vendor_id: int) -> Row | None:
        cells = self.sums.get(vendor_id)
        if cells is None:
            return None
        return Row(
            vendor_id,
            self.names[vendor_id],
            [Cell(cells[c.code], c.total_units, c.unit) if c.code in cells else None for c in self.columns],
        )

    def rows(self, limit: int | None) -> tuple[list[Row], Row | None]:
        """The first `limit` vendors as rows, and the rest summed in one row (None if none)."""
        shown = self.order if limit is None else self.order[:limit]
        rest = [] if limit is None else self.order[limit:]
        others = None
        if rest:
            summed: dict[str, int] = defaultdict(int)
            for vendor_id in rest:
                for code, units in self.sums[vendor_id].items():
                    summed[code] += units
            others = Row(
                None,
                f"{len(rest)} other vendors",
                [
                    Cell(summed[c.code], c.total_units, c.unit) if c.code in summed else None
                    for c in self.columns
                ],
            )
        return [self.row(vendor_id) for vendor_id in shown], others


def _table(
    keys: list[tuple[str, str]], sums: dict[int, dict[str, int]], names: dict[int, str], unit_of: Callable
) -> Table:
    by_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for vendor_id, cells in sums.items():
        for key, units in cells.items():
            by_key[key].append((units, vendor_id))
    columns = []
    for code, name in keys:
        pairs = by_key.get(code, [])
        total = sum(units for units, _ in pairs)
        column = Column(
            code, name, total, len(pairs), hhi_of_hundredths([u for u, _ in pairs]), unit_of(code)
        )
        if pairs:
            units, vendor_id = max(pairs, key=lambda pair: (pair[0], -pair[1]))
            column.leader, column.leader_share = names[vendor_id], Fraction(units, total)
        columns.append(column)
    totals = {column.code: column.total_units for column in columns}

    def weight(vendor_id: int):
        # The vendor holding the largest share of any column first, then those in the most columns.
        cells = sums[vendor_id]
        return (
            -max(units / totals[key] for key, units in cells.items()),
            -len(cells),
            names[vendor_id].lower(),
        )

    return Table(columns, sorted(sums, key=weight), sums, names)


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]
    band_columns: list[Column] = field(default_factory=list)
    band_rows: list[Row] = field(default_factory=list)
    # Vendors beyond the row limit, summed into one row; the index still counts each of them.
    others: Row | None = None
    band_others: Row | None = None
    hidden_vendors: int = 0
    layers: Table | None = field(default=None, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.rows and not self.others

    @property
    def vendor_count(self) -> int:
        return len(self.rows) + self.hidden_vendors

    def row_of(self, vendor_id: int) -> Row | None:
        """Any vendor's row, shown or not."""
        return self.layers.row(vendor_id) if self.layers else None


def matrix(
    dependencies: QuerySet[Dependency] | None = None,
    *,
    limit: int | None = None,
    graph: HostingGraph | None = None,
) -> Matrix:
    """Each vendor's share of each layer (and of each compute band), with the index per layer.

    With a limit, only the `limit` largest vendors get a row of their own; the rest are summed.
    """
    dependencies = Dependency.objects.all() if dependencies is None else dependencies
    graph = graph or HostingGraph.load()
    layers = layer_table()
    code_of = {layer.pk: layer.code for layer in layers}
    by_layer: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_band: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    grouped = (
        dependencies.order_by().values_list("vendor_id", "layer_id", "band").annotate(units=Sum(hundredths()))
    )
    for vendor_id, layer_id, band, units in grouped:
        code = code_of[layer_id]
        by_layer[vendor_id][code] += units
        if code == COMPUTE_LAYER and band:
            by_band[vendor_id][band] += units
    # Plain dicts (and only the names used): the result is cached, so it must pickle and stay small.
    by_layer_sums = {vendor_id: dict(cells) for vendor_id, cells in by_layer.items()}
    by_band_sums = {vendor_id: dict(cells) for vendor_id, cells in by_band.items()}
    names = {vendor_id: graph.names[vendor_id] for vendor_id in by_layer_sums}
    layer_table_ = _table([(layer.code, layer.name) for layer in layers], by_layer_sums, names, unit_for)
    band_table = _table([(b.value, b.label) for b in BAND_ORDER], by_band_sums, names, _gpus)
    rows, others = layer_table_.rows(limit)
    band_rows, band_others = band_table.rows(limit)
    return Matrix(
        layer_table_.columns,
        rows,
        band_table.columns,
        band_rows,
        others,
        band_others,
        len(layer_table_.order) - len(rows),
        layer_table_,
    )
