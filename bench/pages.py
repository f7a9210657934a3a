"""What the bench measures, in one list. A later issue adds its pages and operations here.

A `Page` is requested through Django's test Client, signed in as the bench's procurement user,
through the full middleware stack; an `Operation` is a function timed directly (e.g. walking the
audit chain). Each is compared to another measurement of the same run (by default the baseline).
URLs are built from `Subjects`: the largest object of each kind, the worst case a user meets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count
from django.urls import reverse

from vendors.models import Vendor

from .dataset import BENCH_USERNAME
from .urls import BASELINE_PATH

BASELINE = "baseline"


class Subjects:
    """The objects the measured URLs point at, looked up once per run."""

    @cached_property
    def user(self) -> User:
        return User.objects.get(username=BENCH_USERNAME)

    @cached_property
    def vendor(self) -> Vendor:
        """The vendor with the most contracts."""
        return Vendor.objects.annotate(n=Count("contracts")).order_by("-n", "pk").first()


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Subjects], str]
    method: str = "get"
    data: Callable[[Subjects], dict[str, Any]] | None = None
    htmx: bool = False
    # Runs once before the warm-up, e.g. to create the draft a POST then changes.
    setup: Callable[[Subjects], None] | None = None
    status: int = 200
    compare_to: str | None = BASELINE
    note: str = ""


@dataclass(frozen=True)
class Operation:
    name: str
    run: Callable[[Subjects], Any]
    # Slow operations (a whole-chain walk) may take fewer runs than the pages.
    runs: int | None = None
    compare_to: str | None = None
    note: str = ""


MEASUREMENTS: list[Page | Operation] = [
    Page(BASELINE, lambda s: BASELINE_PATH, note="bare view, 50-row table, no layout"),
    Page("home dashboard", lambda s: reverse("home")),
    Page(
        "object history (htmx)",
        lambda s: reverse("audit:object-history", args=["vendors.vendor", s.vendor.pk]),
        htmx=True,
        note="the history panel of the busiest vendor",
    ),
]
