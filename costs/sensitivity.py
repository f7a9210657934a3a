"""How the ranking moves when an assumption does: committed utilisation, queue wait, egress.

Pure, like `costs.tce`: it takes a computed `tce.Result` (its inputs and offers are plain
dataclasses), replaces one assumption and computes again. Nothing here is saved: a saved
comparison freezes the figures as entered.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from . import tce

UTILISATION, QUEUE_WAIT, EGRESS = "utilisation", "queue_wait", "egress_multiplier"
VARY_CHOICES = [
    (UTILISATION, "Committed utilisation (%)"),
    (QUEUE_WAIT, "Queue wait (hours)"),
    (EGRESS, "Egress multiplier"),
]
# The values each grid shows: utilisation 50..100% in steps of 10, queue waits from none to two
# weeks, egress from half to five times the figure entered.
STEPS = {
    UTILISATION: tuple(Decimal(v) for v in range(50, 101, 10)),
    QUEUE_WAIT: tuple(Decimal(v) for v in (0, 24, 48, 72, 168, 336)),
    EGRESS: tuple(Decimal(v) for v in ("0.5", "1", "1.5", "2", "3", "5")),
}
UNITS = {UTILISATION: "%", QUEUE_WAIT: " h", EGRESS: "×"}


@dataclass(frozen=True)
class Overrides:
    utilisation_percent: Decimal | None = None
    queue_wait_hours: Decimal | None = None
    egress_multiplier: Decimal | None = None

    @property
    def any(self) -> bool:
        return any(
            v is not None for v in (self.utilisation_percent, self.queue_wait_hours, self.egress_multiplier)
        )

    def varying(self, vary: str, value: Decimal) -> "Overrides":
        field = {
            UTILISATION: "utilisation_percent",
            QUEUE_WAIT: "queue_wait_hours",
            EGRESS: "egress_multiplier",
        }
        return replace(self, **{field[vary]: value})

    def describe(self) -> str:
        parts = []
        if self.utilisation_percent is not None:
            parts.append(f"every committed line's utilisation set to {tce.plain(self.utilisation_percent)}%")
        if self.queue_wait_hours is not None:
            parts.append(f"every offer's queue wait set to {tce.plain(self.queue_wait_hours)} hours")
        if self.egress_multiplier is not None:
            parts.append(f"egress GB a month multiplied by {tce.plain(self.egress_multiplier)}")
        return "Sensitivity (not saved): " + "; ".join(parts) + "." if parts else ""


def _line(line: tce.LineInput, overrides: Overrides) -> tce.LineInput:
    if line.band != tce.COMMITTED or overrides.utilisation_percent is None:
        return line
    return replace(line, expected_utilisation_percent=overrides.utilisation_percent)


def _offer(offer: tce.OfferInput, overrides: Overrides) -> tce.OfferInput:
    changed = replace(offer, lines=tuple(_line(line, overrides) for line in offer.lines))
    if overrides.queue_wait_hours is not None:
        changed = replace(changed, queue_wait_hours=overrides.queue_wait_hours)
    return changed


def recompute(result: tce.Result, overrides: Overrides) -> tce.Result:
    """The same comparison with the assumptions overridden. Raises tce.TCEInputError."""
    if not overrides.any:
        return result
    inputs = result.inputs
    if overrides.egress_multiplier is not None:
        inputs = replace(inputs, egress_gb_per_month=inputs.egress_gb_per_month * overrides.egress_multiplier)
    return tce.compute(inputs, [_offer(o.offer, overrides) for o in result.offers])


def snapshot(result: tce.Result, overrides: Overrides) -> dict:
    """The snapshot of the recomputed comparison, its overrides listed among the assumptions."""
    figures = recompute(result, overrides).as_snapshot()
    if overrides.any:
        figures["assumptions"].append(overrides.describe())
    return figures


@dataclass(frozen=True)
class GridRow:
    value: Decimal
    label: str
    cheapest_id: int | None
    cheapest_name: str
    tce: Decimal | None
    chosen: bool  # the value the table below shows


def grid(result: tce.Result, overrides: Overrides, vary: str) -> list[GridRow]:
    """Which offer is cheapest by TCE at each step of the varied input, the others as chosen."""
    current = {
        UTILISATION: overrides.utilisation_percent,
        QUEUE_WAIT: overrides.queue_wait_hours,
        EGRESS: overrides.egress_multiplier,
    }[vary]
    rows = []
    for value in STEPS[vary]:
        best = recompute(result, overrides.varying(vary, value)).cheapest_by_tce
        rows.append(
            GridRow(
                value=value,
                label=f"{tce.plain(value)}{UNITS[vary]}",
                cheapest_id=best.offer.id if best else None,
                cheapest_name=best.offer.name if best else "",
                tce=best.tce if best else None,
                chosen=current is not None and current == value,
            )
        )
    return rows
