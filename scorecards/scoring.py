"""The scorecard maths: pure functions on integers and Decimals, no database.

A score is an integer on a 1-5 scale. The weighted total is the weighted mean of the scores,
scaled so that 1 maps to 0 and 5 maps to 100, rounded once to one decimal (half up). It is
computed from integers first and divided exactly once, so the result does not depend on the
order of the dimensions and rounding it again changes nothing. A dimension with a hard gate
whose score is below the gate fails the evaluation, whatever the total.
"""

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from django.core.exceptions import ValidationError

MIN_SCORE = 1
MAX_SCORE = 5
TOTAL_WEIGHT = 100
TOTAL_PLACES = Decimal("0.1")

SCORE_LEVELS = {
    1: ("Unacceptable", "Fails the need; no credible plan to close the gap."),
    2: ("Weak", "Serious gaps; usable only with mitigations we control."),
    3: ("Adequate", "Meets the need with known, acceptable limitations."),
    4: ("Strong", "Meets the need well, with evidence; minor gaps only."),
    5: ("Excellent", "Exceeds the need, proven by tests, contract terms or references."),
}
SCORE_CHOICES = [(value, f"{value} · {label}") for value, (label, _meaning) in SCORE_LEVELS.items()]

RATIONALE_MIN_CHARS = 25
RATIONALE_MIN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]{2,}")


def validate_rationale(text: str) -> None:
    """A rationale is a real sentence: a few words of prose, not blanks, symbols or a number."""
    collapsed = " ".join((text or "").split())
    if not collapsed:
        raise ValidationError("Explain the score in a sentence or two.", code="required")
    if len(collapsed) < RATIONALE_MIN_CHARS or len(_WORD.findall(collapsed)) < RATIONALE_MIN_WORDS:
        raise ValidationError(
            f"Too short to justify a score: write at least {RATIONALE_MIN_WORDS} words "
            f"({RATIONALE_MIN_CHARS} characters) saying why, with the evidence in mind.",
            code="too_short",
        )


def scale(score: int) -> Decimal:
    """One score on the 0-100 scale of the total (1 -> 0, 5 -> 100)."""
    return _divide((score - MIN_SCORE) * 100, MAX_SCORE - MIN_SCORE)


def _divide(numerator: int, denominator: int) -> Decimal:
    # Enough precision that the one rounding below is the only one.
    context = Context(prec=50)
    return context.divide(Decimal(numerator), Decimal(denominator)).quantize(
        TOTAL_PLACES, rounding=ROUND_HALF_UP
    )


def weighted_total(pairs: Iterable[tuple[int, int]]) -> Decimal | None:
    """The weighted mean of (weight, score) pairs on the 0-100 scale; None without any weight."""
    numerator = 0
    weight_sum = 0
    for weight, score in pairs:
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise ValueError(f"score {score} is outside {MIN_SCORE}-{MAX_SCORE}")
        if weight < 0:
            raise ValueError("weights are never negative")
        numerator += weight * (score - MIN_SCORE)
        weight_sum += weight
    if weight_sum == 0:
        return None
    return _divide(numerator * 100, weight_sum * (MAX_SCORE - MIN_SCORE))


@dataclass(frozen=True)
class DimensionInput:
    key: str
    name: str
    weight: int
    gate_minimum: int | None
    score: int | None


@dataclass(frozen=True)
class Result:
    """What the form, the detail page and the decision record show about a set of scores."""

    total: Decimal | None
    scored: int
    expected: int
    gate_failures: tuple[str, ...]
    gates_pending: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.scored == self.expected

    @property
    def gates_passed(self) -> bool | None:
        """False as soon as one gate fails; None while a gated dimension is unscored."""
        if self.gate_failures:
            return False
        if self.gates_pending:
            return None
        return True

    @property
    def passed(self) -> bool | None:
        """Whether the scores allow approval: gates decide; None while incomplete."""
        if self.gate_failures:
            return False
        if not self.complete:
            return None
        return True

    @property
    def outcome(self) -> str:
        if self.gate_failures:
            return "blocked"
        return "complete" if self.complete else "incomplete"


def evaluate(dimensions: Iterable[DimensionInput]) -> Result:
    """The total over the scored dimensions (provisional until all are scored) and the gates."""
    dimensions = list(dimensions)
    scored = [d for d in dimensions if d.score is not None]
    return Result(
        total=weighted_total((d.weight, d.score) for d in scored),
        scored=len(scored),
        expected=len(dimensions),
        gate_failures=tuple(
            d.key
            for d in scored
            if d.gate_minimum is not None and d.score < d.gate_minimum  # type: ignore[operator]
        ),
        gates_pending=tuple(d.key for d in dimensions if d.gate_minimum is not None and d.score is None),
    )


def weights_error(weights: Iterable[int]) -> str | None:
    """A clear message when the weights do not make a valid template, else None."""
    weights = list(weights)
    if not weights:
        return "A template needs at least one dimension."
    if any(w < 0 or w > TOTAL_WEIGHT for w in weights):
        return f"Each weight is between 0 and {TOTAL_WEIGHT}."
    total = sum(weights)
    if total != TOTAL_WEIGHT:
        direction = "remove" if total > TOTAL_WEIGHT else "add"
        return (
            f"The weights add up to {total}, not {TOTAL_WEIGHT}: "
            f"{direction} {abs(total - TOTAL_WEIGHT)} to make them sum to {TOTAL_WEIGHT}."
        )
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
