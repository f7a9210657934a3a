"""What the bench measures, in one list. A later issue adds its pages and operations here.

A `Page` is requested through Django's test Client, signed in as the bench's procurement user,
through the full middleware stack; an `Operation` is a function timed directly (e.g. rendering a
decision record). A page is compared with its own baseline (`bench/views.py`: a bare view
rendering as many rows and columns as the page shows, timed in the same rounds), an operation
with another measurement of the same run. Every page is computed afresh on every request: the
bench neither relies on nor resets anything the app might keep between requests.
URLs are built from `Subjects`: the largest object of each kind, the worst case a user meets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from costs.models import Comparison, Offer
from procurement import policies
from resilience.models import Workload
from scorecards import records
from scorecards.models import Evaluation
from scorecards.records import pdf
from vendors.models import Contract, ExitRightKind, Vendor

# A page's default: compared with a bare view showing as many rows and columns (bench/views.py).
BASELINE = "baseline"


class BenchError(Exception):
    """A measurement did not behave as expected: its time would mean nothing."""


def _with_most(model, related: str):
    return model.objects.annotate(n=Count(related)).order_by("-n", "pk").first()


class Subjects:
    """The objects the measured URLs point at, looked up once per run."""

    def user(self, role: str) -> User:
        return User.objects.get(username=f"bench.{role}")

    @cached_property
    def vendor(self) -> Vendor:
        """The vendor with the most contracts."""
        return _with_most(Vendor, "contracts")

    @cached_property
    def contract(self) -> Contract:
        """The contract with the most capacity lines."""
        return _with_most(Contract, "capacity_lines")

    @cached_property
    def exit_right_kind(self) -> ExitRightKind:
        return ExitRightKind.objects.filter(is_active=True).first()

    @cached_property
    def workload(self) -> Workload:
        """The workload with the most dependencies."""
        return _with_most(Workload, "dependencies")

    @cached_property
    def depended_on(self) -> Vendor:
        """The vendor most workloads depend on: losing it strands the most."""
        return _with_most(Vendor, "dependencies")

    @cached_property
    def evaluation(self) -> Evaluation:
        """A decided evaluation with a contract: the page shows exit-rights and capacity context."""
        decided = Evaluation.objects.filter(status=Evaluation.Status.APPROVED, contract__isnull=False)
        return decided.order_by("pk").first() or Evaluation.objects.order_by("pk").first()

    @cached_property
    def draft(self) -> Evaluation:
        """A draft of the bench user's, fully scored: the score form and its live total."""
        return (
            Evaluation.objects.filter(status=Evaluation.Status.DRAFT, author=self.user(policies.PROCUREMENT))
            .order_by("pk")
            .first()
        )

    @cached_property
    def compared(self) -> list[int]:
        """Four decided evaluations of different vendors, the same tier first: competing offers."""
        tier = self.evaluation.tier
        decided = Evaluation.objects.filter(status__in=Evaluation.DECIDED_STATES).values_list(
            "pk", "vendor_id", "tier"
        )
        ids, vendors = [], set()
        for pk, vendor_id, _ in sorted(decided, key=lambda row: (row[2] != tier, row[0])):
            if vendor_id not in vendors:
                ids.append(pk)
                vendors.add(vendor_id)
        return ids[:4]

    @cached_property
    def tce_offers(self) -> list[int]:
        """Six offers with the most lines: the live comparison of one tier, as procurement runs it."""
        return [offer.pk for offer in Offer.objects.annotate(n=Count("lines")).order_by("-n", "pk")[:6]]

    @cached_property
    def comparison(self) -> Comparison:
        """The saved comparison comparing the most offers."""
        return _with_most(Comparison, "offers")

    def rescored(self) -> dict[str, str]:
        """The draft's scores as the form posts them, with one score changed (a live recompute)."""
        data = {}
        for n, score in enumerate(self.draft.scores.select_related("dimension")):
            kind = score.dimension.kind
            data[f"{kind}-score"] = str(5 if n == 0 else score.score)
            data[f"{kind}-rationale"] = score.rationale
            data[f"{kind}-links"] = ""
        return data

    def describe(self) -> dict[str, str]:
        """What the measured detail pages show, for the report."""
        vendor, contract = self.vendor, self.contract
        return {
            "vendor": f"#{vendor.pk} {vendor} ({vendor.contracts.count()} contracts)",
            "contract": f"#{contract.pk} {contract.reference} ({contract.capacity_lines.count()} capacity lines, "
            f"{contract.clauses.count()} clauses)",
            "evaluation": f"#{self.evaluation.pk} {self.evaluation.title}",
            "draft": f"#{self.draft.pk} {self.draft.title}",
            "compared": ", ".join(f"#{pk}" for pk in self.compared),
            "workload": f"#{self.workload.pk} {self.workload} ({self.workload.dependencies.count()} dependencies)",
            "depended on": f"#{self.depended_on.pk} {self.depended_on} "
            f"({self.depended_on.dependencies.count()} dependencies)",
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


RECORD_RENDER = "decision record: render"
BARE_RENDER = "decision record: bare WeasyPrint render, same HTML"
_record_html: dict[int, str] = {}


def _render_record(subjects: Subjects) -> None:
    records.decision_record_render(subjects.evaluation.pk)


def _bare_render(subjects: Subjects) -> None:
    import weasyprint

    if subjects.evaluation.pk not in _record_html:
        _record_html[subjects.evaluation.pk] = records.record_html(subjects.evaluation.pk)
    html = _record_html[subjects.evaluation.pk]
    weasyprint.HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.url_fetcher()).write_pdf()


def _compare_url(subjects: Subjects) -> str:
    query = "&".join(f"offers={pk}" for pk in subjects.tce_offers)
    return reverse("costs:compare") + (
        "?tier=experimental_training&gpu_hours_per_month=150000&storage_gb=200000&egress_gb_per_month=20000"
        f"&exit_data_gb=500000&horizon_months=24&rehome_days=30&reporting_currency=EUR"
        f"&as_of={timezone.localdate().isoformat()}&{query}"
    )


def _has_url(name: str, *args) -> bool:
    """The comparison pages come with another branch (costs:compare): measured once they exist."""
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def _url(name: str, *args, query: str = "") -> Callable[[Subjects], str]:
    return lambda s: reverse(name, args=[arg(s) if callable(arg) else arg for arg in args]) + query


MEASUREMENTS: list[Page | Operation] = [
    Page("home dashboard", _url("home")),
    Page(
        "home dashboard: a signer",
        _url("home"),
        role=policies.LEGAL,
        note="with the sign-off panel and the navigation's badge",
    ),
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
    # Scorecards (issue 5): list, evaluation, score form, live recompute, comparison, history.
    Page("evaluation list", _url("scorecards:evaluation-list")),
    Page(
        "evaluation list: status, tier, by total",
        _url("scorecards:evaluation-list", query="?status=approved&tier=hot_inference&sort=-total"),
    ),
    Page("evaluation detail", _url("scorecards:evaluation-detail", lambda s: s.evaluation.pk)),
    Page("evaluation score form", _url("scorecards:evaluation-scores", lambda s: s.draft.pk)),
    Page(
        "score recompute (htmx)",
        _url("scorecards:evaluation-scores-preview", lambda s: s.draft.pk),
        method="post",
        data=lambda s: s.rescored(),
        htmx=True,
        note="one score changed on the bench user's draft; nothing saved",
    ),
    Page(
        "comparison of four evaluations",
        lambda s: reverse("scorecards:evaluation-compare") + "?ids=" + ",".join(map(str, s.compared)),
    ),
    # Beside its resilience dimension, the evaluation page loads the vendor's concentration and
    # rehearsal evidence with htmx (issue 8 point 6): the subject evaluation's vendor.
    Page(
        "evaluation: vendor evidence (htmx)",
        _url("resilience:vendor-exposure", lambda s: s.evaluation.vendor_id, query="?part=all"),
        htmx=True,
    ),
    Page("vendor evaluation history", _url("scorecards:vendor-history", lambda s: s.vendor.pk)),
    # Sign-off (issue 6): what legal has to sign, across every open round.
    Page("sign-off inbox", _url("scorecards:signoff-inbox"), role=policies.LEGAL),
    # Workloads and concentration (issue 8), as platform engineering reads them.
    Page("workload list", _url("resilience:workload-list"), role=policies.PLATFORM),
    Page(
        "workload detail", _url("resilience:workload-detail", lambda s: s.workload.pk), role=policies.PLATFORM
    ),
    Page("concentration: whole portfolio", _url("resilience:concentration"), role=policies.PLATFORM),
    Page(
        "concentration: one workload",
        lambda s: reverse("resilience:concentration") + f"?workload={s.workload.pk}",
        role=policies.PLATFORM,
    ),
    Page(
        "loss scenario: most depended-on vendor",
        lambda s: reverse("resilience:loss-scenario") + f"?vendor={s.depended_on.pk}",
        role=policies.PLATFORM,
    ),
    Page(
        "loss scenario: one region",
        lambda s: reverse("resilience:loss-scenario") + f"?vendor={s.depended_on.pk}&region=us-east",
        role=policies.PLATFORM,
    ),
    Page(
        "vendor exposure",
        _url("resilience:vendor-exposure", lambda s: s.depended_on.pk),
        role=policies.PLATFORM,
    ),
    # Capacity planning (issue 17): every tier over the longest window, as procurement reads it.
    Page("capacity plan", _url("capacity:plan")),
    Page(
        "capacity plan: eight quarters",
        _url("capacity:plan", query="?quarters=8"),
        note="supply of every allocated line grouped in SQL; four queries whatever the size",
    ),
    # Total cost of execution (issue 17): the live comparison of six offers and a saved one.
    *(
        [Page("TCE comparison", _compare_url, note="six offers, one tier, computed on every request")]
        if _has_url("costs:compare")
        else []
    ),
    *(
        [Page("saved comparison", _url("costs:comparison-detail", lambda s: s.comparison.pk))]
        if _has_url("costs:comparison-detail", 1)
        else []
    ),
    Page("offer CSV export", _url("costs:offer-export"), compare_to=None, note="every offer line"),
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
    # Decision records (issue 7): rendering vs bare WeasyPrint on the same HTML; serving the stored bytes.
    Operation(
        RECORD_RENDER, _render_record, runs=5, compare_to=BARE_RENDER, note="the issue path, not stored"
    ),
    Operation(BARE_RENDER, _bare_render, runs=5, note="HTML(string=...).write_pdf() of the same HTML"),
    Page(
        "decision record: download (stored)",
        _url("scorecards:record-download", lambda s: s.evaluation.pk),
        role=policies.AUDITOR,
        setup=lambda s: records.decision_record_issue(evaluation_id=s.evaluation.pk),
        compare_to=RECORD_RENDER,
        note="at most 1/50 of rendering it",
    ),
]
