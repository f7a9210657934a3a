"""The scorecard maths, with Hypothesis: bounds, monotonicity, fixed points, gates, rounding."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from scorecards import scoring

scores = st.integers(min_value=scoring.MIN_SCORE, max_value=scoring.MAX_SCORE)
weights = st.integers(min_value=0, max_value=100)
pairs = st.lists(st.tuples(weights, scores), min_size=1, max_size=8).filter(
    lambda ps: sum(w for w, _ in ps) > 0
)


@given(pairs)
def test_total_stays_within_0_and_100(pairs):
    total = scoring.weighted_total(pairs)
    assert Decimal(0) <= total <= Decimal(100)


@given(pairs, st.data())
def test_raising_one_score_never_lowers_the_total(pairs, data):
    index = data.draw(st.integers(min_value=0, max_value=len(pairs) - 1))
    weight, score = pairs[index]
    assume(score < scoring.MAX_SCORE)
    raised = list(pairs)
    raised[index] = (weight, data.draw(st.integers(min_value=score + 1, max_value=scoring.MAX_SCORE)))
    assert scoring.weighted_total(raised) >= scoring.weighted_total(pairs)


@given(st.lists(weights, min_size=1, max_size=8).filter(lambda ws: sum(ws) > 0), scores)
def test_equal_scores_give_that_score_on_the_0_100_scale(ws, score):
    assert scoring.weighted_total([(w, score) for w in ws]) == scoring.scale(score)


def test_the_scale_maps_1_to_0_and_5_to_100():
    assert [scoring.scale(s) for s in range(1, 6)] == [
        Decimal(v) for v in ("0.0", "25.0", "50.0", "75.0", "100.0")
    ]


@given(pairs, st.randoms())
def test_total_does_not_depend_on_the_order_of_dimensions(pairs, random):
    shuffled = list(pairs)
    random.shuffle(shuffled)
    assert scoring.weighted_total(shuffled) == scoring.weighted_total(pairs)


@given(pairs)
def test_rounding_is_stable_one_decimal_and_idempotent(pairs):
    total = scoring.weighted_total(pairs)
    assert total == total.quantize(scoring.TOTAL_PLACES)
    assert total.as_tuple().exponent == -1
    # Scaling every weight by the same factor is the same mean: exact arithmetic, same rounding.
    assert scoring.weighted_total([(w * 7, s) for w, s in pairs]) == total


def test_rounding_is_half_up_on_the_exact_value():
    # Mean of (score - 1) = (25*3 + 60*2 + 15*2) / 100 = 2.25 -> 2.25 / 4 * 100 = 56.25 -> 56.3
    # (half-even would give 56.2).
    assert scoring.weighted_total([(25, 4), (20, 3), (20, 3), (20, 3), (15, 3)]) == Decimal("56.3")
    # 3 / 8 / 4 * 100 = 9.375 -> 9.4
    assert scoring.weighted_total([(1, 1), (1, 2), (1, 2), (1, 2), (4, 1)]) == Decimal("9.4")


def test_no_weight_means_no_total():
    assert scoring.weighted_total([(0, 5), (0, 3)]) is None
    assert scoring.weighted_total([]) is None


def test_scores_outside_the_scale_are_refused():
    with pytest.raises(ValueError):
        scoring.weighted_total([(50, 0), (50, 3)])
    with pytest.raises(ValueError):
        scoring.weighted_total([(50, 6)])


dimension = st.builds(
    scoring.DimensionInput,
    key=st.uuids().map(str),
    name=st.just("d"),
    weight=weights,
    gate_minimum=st.one_of(st.none(), scores),
    score=st.one_of(st.none(), scores),
)


@given(st.lists(dimension, min_size=1, max_size=6))
def test_a_score_under_its_gate_blocks_whatever_the_total(dimensions):
    result = scoring.evaluate(dimensions)
    under_gate = [
        d for d in dimensions if d.gate_minimum and d.score is not None and d.score < d.gate_minimum
    ]
    assert (result.passed is False) == bool(under_gate)
    assert result.gates_passed is (False if under_gate else result.gates_passed)
    if under_gate:
        assert result.outcome == "blocked"


def test_gates_override_a_perfect_mean():
    dims = [
        scoring.DimensionInput("capacity", "Capacity", 99, None, 5),
        scoring.DimensionInput("compliance", "Compliance", 1, 3, 2),
    ]
    result = scoring.evaluate(dims)
    assert result.total > Decimal("98")
    assert result.passed is False and result.gate_failures == ("compliance",)


def test_unscored_dimensions_make_the_total_provisional_and_gates_pending():
    dims = [
        scoring.DimensionInput("capacity", "Capacity", 50, None, 4),
        scoring.DimensionInput("compliance", "Compliance", 50, 3, None),
    ]
    result = scoring.evaluate(dims)
    assert result.total == Decimal("75.0") and not result.complete
    assert result.gates_passed is None and result.passed is None and result.outcome == "incomplete"


@pytest.mark.parametrize(
    ("weights_", "message"),
    [
        ([25, 20, 20, 20, 15], None),
        ([25, 20, 20, 20, 20], "add up to 105, not 100: remove 5"),
        ([20, 20, 20, 20, 15], "add up to 95, not 100: add 5"),
        ([], "at least one dimension"),
        ([101, -1], "between 0 and 100"),
    ],
)
def test_weights_must_sum_to_100_with_a_clear_message(weights_, message):
    error = scoring.weights_error(weights_)
    assert (error is None) if message is None else (message in error)


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "ok", "Good vendor.", "5/5 !!! ---- ......... ....", "aaaa"]
)
def test_a_blank_or_token_rationale_is_refused(text):
    with pytest.raises(ValidationError):
        scoring.validate_rationale(text)


def test_a_real_sentence_is_a_rationale():
    scoring.validate_rationale("Failover between regions was rehearsed last quarter in our presence.")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2027, 11, 24), 12, dt.date(2028, 11, 24)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 15), 3, dt.date(2027, 3, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert scoring.add_months(day, months) == expected
