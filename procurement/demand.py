"""Estimates of a tier's demand that one app offers to others that may not import it.

Capacity planning knows each tier's P50 forecast, but nothing imports `capacity` (it sits on top);
the cost comparison only wants a starting figure for its form. Capacity registers its estimate in
`ready()` (as it registers its dashboard panels), and the comparison asks here.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

_monthly_gpu_hours: list[Callable[[str, dt.date], Decimal | None]] = []


def register_monthly_gpu_hours(provider: Callable[[str, dt.date], Decimal | None]) -> None:
    if provider not in _monthly_gpu_hours:
        _monthly_gpu_hours.append(provider)


def monthly_gpu_hours(tier: str, on: dt.date) -> Decimal | None:
    """The first registered estimate of the tier's GPU-hours a month from `on`, or None."""
    for provider in _monthly_gpu_hours:
        estimate = provider(tier, on)
        if estimate is not None:
            return estimate
    return None
