"""The Herfindahl-Hirschman index of a layer and its plain-language rating."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

HHI_SCALE = 10_000


def hhi(amounts: Iterable) -> Fraction | None:
    """The Herfindahl-Hirschman index of the given sizes, exactly: sum of squared shares.

    None when nothing is supplied at all. Zero sizes are ignored; negative sizes are an error.
    """
    return hhi_of_hundredths([_exact(a) for a in amounts])


def hhi_of_hundredths(values: list[int | Fraction]) -> Fraction | None:
    """The index of sizes already in exact units: one division, at the end."""
    if any(v < 0 for v in values):
        raise ValueError("Shares cannot be negative.")
    total = sum(values)
    if not total:
        return None
    # The sum of squares over the squared total is the sum of the squared shares.
    return Fraction(sum(v * v for v in values)) / (total * total)


def _exact(amount) -> int | Fraction:
    """Amounts in hundredths as integers (fast and exact for our two-decimal amounts), else a Fraction."""
    if isinstance(amount, int):
        return amount * 100
    if isinstance(amount, Decimal):
        hundredths = amount.scaleb(2)
        if hundredths == hundredths.to_integral_value():
            return int(hundredths)
    return Fraction(amount) * 100


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
