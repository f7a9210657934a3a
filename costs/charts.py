"""The geometry of the TCE chart: a stacked bar of the components per offer, from a snapshot.

Plain numbers only; the SVG markup lives in templates/costs/_tce_chart.html, so the page and the
PDF (WeasyPrint runs no JavaScript) draw the same vectors. It reads the snapshot dict (version 1,
amounts as strings) and nothing else: a saved comparison draws exactly what was signed.

Coordinates are Decimals rounded to 0.1 from cumulative sums, so the segments of a bar add up to
its height exactly and the markup is the same on every run.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

# Okabe-Ito (safe for colour blindness), in the order of the components; grey as the ninth.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
)
INK = "#212529"
MUTED = "#6c757d"
GRID = "#c9ced6"

WIDTH = 640
LEFT, RIGHT, TOP = 84, 16, 24
PLOT_HEIGHT = Decimal(220)
LABEL_BAND = 44  # below the plot: the offers' names and the shortfall note
LEGEND_ROW = 20
LEGEND_COLUMNS = 3
MAX_BAR_WIDTH = Decimal(90)
TICKS = 4
PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Segment:
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    colour: str
    label: str  # the component
    value: str  # the amount as in the snapshot
    offer: str


@dataclass(frozen=True)
class Bar:
    offer_id: int
    label: str
    x: Decimal
    width: Decimal
    y: Decimal  # top of the bar
    height: Decimal
    centre: Decimal
    tce: str
    covers_demand: bool
    shortfall: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Tick:
    y: Decimal
    value: str


@dataclass(frozen=True)
class LegendItem:
    x: int
    y: int
    colour: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the plot's right edge
    top: int
    baseline: Decimal  # y of zero
    currency: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendItem, ...]
    title: str
    description: str


def _round(value: Decimal) -> Decimal:
    return value.quantize(PLACE, rounding=ROUND_HALF_EVEN)


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `value`, so the
    axis reads in round numbers."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if magnitude * step >= value:
            return magnitude * step
    return magnitude * 10  # pragma: no cover - the loop ends at 10 x magnitude >= value


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _truncate(text: str, length: int = 18) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def tce_chart(snapshot: dict) -> Chart:
    """Bars proportional to each offer's TCE, stacked from the first component up; a component of
    zero has no segment. The legend lists the components that appear in some bar."""
    components = snapshot["components"]
    offers = snapshot["offers"]
    currency = snapshot["reporting_currency"]
    colours = {c["code"]: PALETTE[i % len(PALETTE)] for i, c in enumerate(components)}
    top_value = nice_ceiling(max((Decimal(o["tce"]) for o in offers), default=Decimal(0)))
    scale = PLOT_HEIGHT / top_value
    baseline = TOP + PLOT_HEIGHT
    plot_width = Decimal(WIDTH - LEFT - RIGHT)
    slot = plot_width / max(len(offers), 1)
    bar_width = _round(min(slot * Decimal("0.6"), MAX_BAR_WIDTH))

    bars, used = [], set()
    for index, offer in enumerate(offers):
        x = _round(LEFT + slot * index + (slot - bar_width) / 2)
        segments, running, bottom = [], Decimal(0), baseline
        for component in components:
            value = Decimal(offer["totals"][component["code"]])
            if value <= 0:
                continue
            running += value
            # From the cumulative sum: the segments meet without gaps and add up to the bar.
            top = _round(baseline - running * scale)
            segments.append(
                Segment(
                    x=x,
                    y=top,
                    width=bar_width,
                    height=bottom - top,
                    colour=colours[component["code"]],
                    label=component["label"],
                    value=offer["totals"][component["code"]],
                    offer=offer["name"],
                )
            )
            used.add(component["code"])
            bottom = top
        bars.append(
            Bar(
                offer_id=offer["id"],
                label=_truncate(offer["name"]),
                x=x,
                width=bar_width,
                y=bottom,
                height=baseline - bottom,
                centre=_round(x + bar_width / 2),
                tce=_amount(Decimal(offer["tce"])),
                covers_demand=offer["covers_demand"],
                shortfall=offer["shortfall_gpu_hours_per_month"],
                segments=tuple(segments),
            )
        )

    ticks = tuple(
        Tick(y=_round(baseline - PLOT_HEIGHT * i / TICKS), value=_amount(top_value * i / TICKS))
        for i in range(TICKS + 1)
    )
    legend_top = int(baseline) + LABEL_BAND + 8
    shown = [c for c in components if c["code"] in used]
    column_width = (WIDTH - LEFT) // LEGEND_COLUMNS
    legend = tuple(
        LegendItem(
            x=LEFT + column_width * (i % LEGEND_COLUMNS),
            y=legend_top + LEGEND_ROW * (i // LEGEND_COLUMNS),
            colour=colours[c["code"]],
            label=c["label"],
        )
        for i, c in enumerate(shown)
    )
    rows = -(-len(shown) // LEGEND_COLUMNS)
    return Chart(
        width=WIDTH,
        height=legend_top + LEGEND_ROW * rows + 4,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        baseline=baseline,
        currency=currency,
        bars=tuple(bars),
        ticks=ticks,
        legend=legend,
        title=f"Total cost of execution per offer, by component ({currency})",
        description=describe(snapshot),
    )


def describe(snapshot: dict) -> str:
    """The chart in words, for screen readers and for anyone reading the PDF's text."""
    currency = snapshot["reporting_currency"]
    months = snapshot["inputs"]["horizon_months"]
    sentences = [
        f"Stacked bars, one per offer, of the total cost of execution over {months} months in {currency}."
    ]
    for offer in snapshot["offers"]:
        parts = [
            f"{c['label']} {_amount(Decimal(offer['totals'][c['code']]))}"
            for c in snapshot["components"]
            if Decimal(offer["totals"][c["code"]]) > 0
        ]
        note = "" if offer["covers_demand"] else " (does not cover the demand)"
        sentences.append(
            f"{offer['name']}: {_amount(Decimal(offer['tce']))}{note}; "
            + (", ".join(parts) or "nothing")
            + "."
        )
    return " ".join(sentences)
