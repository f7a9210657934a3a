"""Properties of the Herfindahl-Hirschman index that must hold for any portfolio."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from resilience.concentration import hhi, rate

sizes = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2), min_size=1, max_size=40
)


@given(sizes)
def test_index_lies_between_one_over_n_and_one(amounts):
    index = hhi(amounts)
    assert Fraction(1, len(amounts)) <= index <= 1


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_a_single_vendor_gives_an_index_of_one(amount):
    assert hhi([amount]) == 1
    assert rate(hhi([amount])).level == "single"


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=10_000))
def test_equal_vendors_give_exactly_one_over_n(n, size):
    assert hhi([size] * n) == Fraction(1, n)


@given(sizes, st.integers(min_value=1, max_value=1000))
def test_index_does_not_depend_on_the_unit(amounts, factor):
    assert hhi(amounts) == hhi([a * factor for a in amounts])


@given(sizes)
def test_index_does_not_depend_on_the_order_of_vendors(amounts):
    assert hhi(amounts) == hhi(list(reversed(amounts)))


@given(sizes)
def test_splitting_the_largest_vendor_never_raises_concentration(amounts):
    largest = max(amounts)
    rest = list(amounts)
    rest.remove(largest)
    split = [*rest, largest / 2, largest / 2]
    assert hhi(split) <= hhi(amounts)
