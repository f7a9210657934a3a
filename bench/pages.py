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

from procurement import audit, policies
from vendors.models import Contract, ExitRightKind, Vendor

from .urls import BASELINE_PATH

BASELINE = "baseline"


class BenchError(Exception):
    """A measurement did not behave as expected: its time would mean nothing."""


class Subjects:
    """The objects the measured URLs point at, looked up once per run."""

    def user(self, role: str) -> User:
        return User.objects.get(username=f"bench.{role}")

    @cached_property
    def vendor(self) -> Vendor:
        """The vendor with the most contracts."""
        return Vendor.objects.annotate(n=Count("contracts")).order_by("-n", "pk").first()

    @cached_property
    def contract(self) -> Contract:
        """The contract with the most capacity lines."""
        return Contract.objects.annotate(n=Count("capacity_lines")).order_by("-n", "pk").first()

    @cached_property
    def exit_right_kind(self) -> ExitRightKind:
        return ExitRightKind.objects.filter(is_active=True).first()

    def describe(self) -> dict[str, str]:
        """What the measured detail pages show, for the report."""
        vendor, contract = self.vendor, self.contract
        return {
            "vendor": f"#{vendor.pk} {vendor} ({vendor.contracts.count()} contracts)",
            "contract": f"#{contract.pk} {contract.reference} ({contract.capacity_lines.count()} capacity lines, "
            f"{contract.clauses.count()} clauses)",
        }


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Subjects], str]
    method: str = "get"
    data: Callable[[Subjects], dict[str, Any]] | None = None
    htmx: bool = False
    # Who asks: every page is measured signed in as a bench user of this role.
    role: str = policies.PROCUREMENT
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


def _verify_audit_chain(subjects: Subjects) -> None:
    result = audit.verify_chain()
    if not result.ok:
        raise BenchError(f"the bench audit chain is broken at #{result.first_bad_sequence}: {result.problem}")


def _url(name: str, *args, query: str = "") -> Callable[[Subjects], str]:
    return lambda s: reverse(name, args=[arg(s) if callable(arg) else arg for arg in args]) + query


MEASUREMENTS: list[Page | Operation] = [
    Page(BASELINE, lambda s: BASELINE_PATH, note="bare view, 50-row table, no layout"),
    Page("home dashboard", _url("home")),
    # Vendor register (issue 4): lists, filtered and deep pages, details, inline clause editing.
    Page("vendor list", _url("vendors:vendor-list")),
    Page(
        "vendor list: search, filter, sort",
        _url("vendors:vendor-list", query="?q=aurora&status=active&sort=-contracts"),
    ),
    Page("vendor list: page 20", _url("vendors:vendor-list", query="?page=20")),
    Page(
        "vendor detail",
        _url("vendors:vendor-detail", lambda s: s.vendor.pk),
        note="the vendor with the most contracts",
    ),
    Page("contract list", _url("vendors:contract-list")),
    Page(
        "contract list: missing exit rights, by spend",
        _url("vendors:contract-list", query="?missing_exit_rights=true&currency=USD&sort=-spend"),
    ),
    Page(
        "contract detail",
        _url("vendors:contract-detail", lambda s: s.contract.pk),
        note="the most capacity lines",
    ),
    Page(
        "exit-right clause edit (htmx)",
        _url("vendors:clause-edit", lambda s: s.contract.pk, lambda s: s.exit_right_kind.code),
        htmx=True,
        role=policies.LEGAL,
    ),
    # Exports stream the whole register: timed for the record, not held to the baseline.
    Page("vendor CSV export", _url("vendors:vendor-export"), compare_to=None, note="every vendor"),
    Page("contract CSV export", _url("vendors:contract-export"), compare_to=None, note="every contract"),
    # Audit trail (issue 3).
    Page("audit log", _url("audit:event-list"), role=policies.AUDITOR),
    Page(
        "audit log: one type and action",
        _url("audit:event-list", query="?object_type=vendors.contract&action=contract.update"),
        role=policies.AUDITOR,
    ),
    Page(
        "object history (htmx)",
        _url("audit:object-history", "vendors.vendor", lambda s: s.vendor.pk),
        htmx=True,
        note="the history panel of the busiest vendor",
    ),
    Operation("verify audit chain", _verify_audit_chain, runs=3, note="every event, hashes and links"),
]
