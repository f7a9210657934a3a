"""Reads scoped to the user: what they may see, loaded in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from costs.models import Comparison
from procurement import policies
from vendors.models import CapacityLine, ExitRightClause, ExitRightKind

from . import scoring, tce_evidence
from .models import (
    DimensionKind,
    Evaluation,
    Evidence,
    RequiredSignoff,
    Score,
    ScorecardTemplate,
    Signature,
    SignoffRound,
)
from .records import charts
from .services import result_of

REVISABLE_OR_REVISED = {*Evaluation.DECIDED_STATES, Evaluation.Status.SUPERSEDED}
MAX_COMPARED = 4
MIN_COMPARED = 2
KIND_ORDER = {kind: index for index, kind in enumerate(DimensionKind.values)}
# The dimensions beside which the form shows the contract's exit-rights findings.
EXIT_RIGHTS_CONTEXT = {DimensionKind.PORTABILITY, DimensionKind.COMMERCIAL}
CAPACITY_CONTEXT = {DimensionKind.CAPACITY}


def evaluations_for_user(user) -> QuerySet[Evaluation]:
    if not policies.can_view_evaluations(user):
        return Evaluation.objects.none()
    return Evaluation.objects.select_related("vendor", "contract", "template", "author")


LIST_FIELDS = [
    "title",
    "status",
    "tier",
    "vendor__name",
    "weighted_total",
    "gates_passed",
    "reevaluation_due",
    "created_at",
]


def evaluation_rows_for_user(user) -> QuerySet[Evaluation]:
    """What list pages show of each evaluation: its own columns and the vendor's name."""
    return evaluations_for_user(user).select_related(None).select_related("vendor").only(*LIST_FIELDS)


def evaluation_for_user(user, pk: int, *, with_evidence: bool = True) -> Evaluation:
    """The evaluation with its scores, dimensions and evidence; 404 when the user may not see it."""
    scores = Score.objects.select_related("dimension")
    if with_evidence:
        scores = scores.prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "pk"))
        )
    queryset = evaluations_for_user(user).prefetch_related(Prefetch("scores", queryset=scores))
    return get_object_or_404(queryset, pk=pk)


def templates_for_user(user) -> QuerySet[ScorecardTemplate]:
    if not policies.can_view_evaluations(user):
        return ScorecardTemplate.objects.none()
    return ScorecardTemplate.objects.prefetch_related("dimensions")


# Contract context -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExitRightFinding:
    kind: ExitRightKind
    clause: ExitRightClause | None

    @property
    def status(self) -> str:
        return self.clause.status if self.clause else "unrecorded"

    @property
    def status_label(self) -> str:
        return self.clause.get_status_display() if self.clause else "Not recorded"

    @property
    def is_missing(self) -> bool:
        # A right nobody has recorded is not a right we can rely on.
        return self.clause is None or self.clause.status == ExitRightClause.Status.MISSING


def exit_right_findings(contract_ids) -> dict[int, list[ExitRightFinding]]:
    """For each contract, every active kind of exit right with its clause (two queries)."""
    contract_ids = [cid for cid in set(contract_ids) if cid]
    if not contract_ids:
        return {}
    kinds = list(ExitRightKind.objects.filter(is_active=True).only("code", "name", "position"))
    clauses = {
        (c.contract_id, c.kind_id): c
        for c in ExitRightClause.objects.filter(contract_id__in=contract_ids).only(
            "contract_id", "kind_id", "status", "reference"
        )
    }
    return {
        cid: [ExitRightFinding(kind, clauses.get((cid, kind.pk))) for kind in kinds] for cid in contract_ids
    }


def capacity_lines(contract_id) -> list[CapacityLine]:
    if not contract_id:
        return []
    return list(CapacityLine.objects.filter(contract_id=contract_id))


# One evaluation ---------------------------------------------------------------------------


def level_label(score: int | None) -> str:
    return scoring.SCORE_LEVELS[score][0] if score else "Not scored"


def radar_for(
    evaluation: Evaluation, values: dict[str, int | None] | None = None, *, chart_id: str = "radar"
):
    """The evaluation's radar; `values` (by dimension kind) overrides the saved scores for a preview."""
    scores = list(evaluation.scores.all())
    return charts.radar_svg(
        [s.dimension.name for s in scores],
        [
            charts.Series(
                evaluation.title,
                [values.get(s.dimension.kind) if values is not None else s.score for s in scores],
            )
        ],
        title=f"Scores of {evaluation.title} ({evaluation.vendor.name}) on each dimension",
        chart_id=chart_id,
    )


@dataclass(frozen=True)
class SummaryRow:
    dimension: object
    value: int | None
    gate_failed: bool


def summary_rows(
    scores, result: scoring.Result, values: dict[str, int | None] | None = None
) -> list[SummaryRow]:
    return [
        SummaryRow(
            dimension=s.dimension,
            value=values.get(s.dimension.kind) if values is not None else s.score,
            gate_failed=s.dimension.kind in result.gate_failures,
        )
        for s in scores
    ]


def evaluation_context(evaluation: Evaluation, *, with_result: bool = True) -> dict:
    """Everything the evaluation page shows: scores, result, chart and contract findings.

    The scoring form leaves out the result: it computes one from the scores as typed."""
    scores = list(evaluation.scores.all())
    findings = exit_right_findings([evaluation.contract_id]).get(evaluation.contract_id, [])
    if with_result:
        result = result_of(scores)
        summary = {"result": result, "summary": summary_rows(scores, result), "radar": radar_for(evaluation)}
    else:
        summary = {}
    return {
        "evaluation": evaluation,
        "scores": scores,
        **summary,
        "findings": findings,
        "missing_findings": [f for f in findings if f.is_missing],
        "capacity_lines": capacity_lines(evaluation.contract_id),
        "tce": tce_figures(evaluation),
        # Only a decided evaluation can be revised: drafts skip the query.
        "revisions": list(evaluation.revisions.only("pk", "title", "status", "created_at"))
        if evaluation.status in REVISABLE_OR_REVISED
        else [],
    }


# TCE comparison as commercial evidence ----------------------------------------------------


def tce_comparisons_for(evaluation: Evaluation) -> QuerySet[Comparison]:
    """The saved comparisons that can be attached: those comparing an offer of the vendor."""
    return (
        Comparison.objects.filter(offers__vendor_id=evaluation.vendor_id)
        .distinct()
        .only("pk", "name", "tier", "created_at")
        .order_by("-created_at", "-pk")
    )


def tce_figures(evaluation: Evaluation) -> dict | None:
    """The attached comparison's figures for this vendor (see `tce_evidence.figures`)."""
    if evaluation.tce_comparison_id is None:
        return None
    comparison = Comparison.objects.prefetch_related("offers").get(pk=evaluation.tce_comparison_id)
    return tce_evidence.figures(comparison, evaluation.vendor_id)


# Comparison -----------------------------------------------------------------------------


def parse_ids(values: list[str]) -> list[int]:
    """`?ids=1,2,3` or `?ids=1&ids=2` (a form of checkboxes), in order, without repeats."""
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part.isdigit() and int(part) not in ids:
                ids.append(int(part))
    return ids


@dataclass
class ComparedEvaluation:
    evaluation: Evaluation
    scores: dict[str, int | None]
    result: scoring.Result
    missing_exit_rights: list[ExitRightFinding]
    colour: str
    dash: str


@dataclass
class ComparisonRow:
    kind: str
    name: str
    cells: list[tuple[int | None, int | None, int | None]]  # (score, delta vs first, gate minimum)


COMPARED_FIELDS = [
    "title",
    "status",
    "vendor__name",
    "contract_id",
    "commitment_amount",
    "commitment_currency",
    "created_at",
]
COMPARED_SCORE_FIELDS = [
    "evaluation_id",
    "score",
    "dimension__kind",
    "dimension__name",
    "dimension__weight",
    "dimension__gate_minimum",
    "dimension__position",
]


def comparison(user, ids: list[int]) -> dict:
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED:
        raise ValueError(f"Pick between {MIN_COMPARED} and {MAX_COMPARED} evaluations to compare.")
    # Only the columns the comparison shows: it is read often and side by side.
    scores = Score.objects.select_related("dimension").only(*COMPARED_SCORE_FIELDS)
    found = {
        e.pk: e
        for e in evaluations_for_user(user)
        .filter(pk__in=ids)
        .select_related(None)
        .select_related("vendor")
        .only(*COMPARED_FIELDS)
        .prefetch_related(Prefetch("scores", scores))
    }
    if len(found) != len(ids):
        raise Http404("One of these evaluations does not exist or is not visible to you.")
    evaluations = [found[pk] for pk in ids]
    findings = exit_right_findings([e.contract_id for e in evaluations])
    compared = []
    names: dict[str, str] = {}
    gates: dict[tuple[int, str], int | None] = {}
    for index, evaluation in enumerate(evaluations):
        evaluation_scores = list(evaluation.scores.all())
        for s in evaluation_scores:
            names.setdefault(s.dimension.kind, s.dimension.name)
            gates[(evaluation.pk, s.dimension.kind)] = s.dimension.gate_minimum
        colour, dash = charts.series_style(index)
        compared.append(
            ComparedEvaluation(
                evaluation=evaluation,
                scores={s.dimension.kind: s.score for s in evaluation_scores},
                result=result_of(evaluation_scores),
                missing_exit_rights=[f for f in findings.get(evaluation.contract_id, []) if f.is_missing],
                colour=colour,
                dash=dash,
            )
        )
    kinds = sorted(names, key=lambda k: KIND_ORDER.get(k, 99))
    baseline = compared[0]
    rows = []
    for kind in kinds:
        cells = []
        for item in compared:
            value = item.scores.get(kind)
            base = baseline.scores.get(kind)
            delta = value - base if item is not baseline and value is not None and base is not None else None
            cells.append((value, delta, gates.get((item.evaluation.pk, kind))))
        rows.append(ComparisonRow(kind=kind, name=names[kind], cells=cells))
    totals = []
    for item in compared:
        delta = None
        if item is not baseline and item.result.total is not None and baseline.result.total is not None:
            delta = item.result.total - baseline.result.total
        totals.append((item.result.total, delta))
    radar = charts.radar_svg(
        [names[k] for k in kinds],
        [
            charts.Series(
                f"{c.evaluation.vendor.name}: {c.evaluation.title}", [c.scores.get(k) for k in kinds]
            )
            for c in compared
        ],
        title="Scores of the compared evaluations, overlaid",
        chart_id="compare-radar",
    )
    return {"compared": compared, "rows": rows, "totals": totals, "radar": radar, "ids": ids}


# History and re-evaluation ----------------------------------------------------------------


HISTORY_LIMIT = 24


def vendor_history(user, vendor) -> dict:
    """A vendor's evaluations, newest first, and the trend of their totals, oldest first."""
    evaluations = list(
        evaluation_rows_for_user(user).filter(vendor=vendor).order_by("-created_at", "-pk")[:HISTORY_LIMIT]
    )
    points = [
        (e.created_at.strftime("%b %Y"), e.weighted_total)
        for e in reversed(evaluations)
        if e.status != Evaluation.Status.WITHDRAWN
    ]
    trend = None
    if any(total is not None for _label, total in points):
        trend = charts.trend_svg(
            points,
            title=f"Weighted totals of {vendor.name}'s evaluations over time",
            chart_id=f"trend-{vendor.pk}",
        )
    return {"vendor": vendor, "evaluations": evaluations, "trend": trend, "points": points}


def reevaluation_due(decided_at: dt.datetime, months: int) -> dt.date:
    return scoring.add_months(timezone.localdate(decided_at), months)


def overdue_reevaluations(user, *, today: dt.date | None = None) -> QuerySet[Evaluation]:
    """Approved decisions (not yet superseded by a revision) past their re-evaluation date."""
    today = today or timezone.localdate()
    return (
        evaluation_rows_for_user(user)
        .filter(status=Evaluation.Status.APPROVED, reevaluation_due__lt=today)
        .order_by("reevaluation_due", "pk")
    )


def total_display(total: Decimal | None) -> str:
    return "—" if total is None else f"{total:.1f}"


# Sign-off ---------------------------------------------------------------------------------


@dataclass
class RoundView:
    round: SignoffRound
    requirements: list[RequiredSignoff]
    signatures: list[Signature]
    is_current: bool

    @property
    def void(self) -> bool:
        """Signatures of a round closed without a decision no longer count."""
        return self.round.outcome in (SignoffRound.Outcome.CHANGES_REQUESTED, SignoffRound.Outcome.WITHDRAWN)

    @property
    def conditions(self) -> list[Signature]:
        return [s for s in self.signatures if s.decision == Signature.Decision.APPROVE_WITH_CONDITIONS]


def signoff_rounds(evaluation: Evaluation) -> list[RoundView]:
    """Every round of the evaluation, newest first, with its checklist and signatures (3 queries)."""
    rounds = list(
        evaluation.rounds.order_by("-number").prefetch_related(
            Prefetch("requirements", queryset=RequiredSignoff.objects.order_by("stage", "role", "slot")),
            Prefetch("signatures", queryset=Signature.objects.order_by("signed_at", "pk")),
        )
    )
    views = []
    for index, item in enumerate(rounds):
        signatures = list(item.signatures.all())
        by_requirement = {s.requirement_id: s for s in signatures}
        requirements = list(item.requirements.all())
        for requirement in requirements:
            requirement.given = by_requirement.get(requirement.pk)
        views.append(RoundView(item, requirements, signatures, is_current=index == 0))
    return views


def awaiting_rounds(user) -> QuerySet[SignoffRound]:
    """Open sign-off rounds with an unsigned sign-off for one of the user's roles, on evaluations
    the user did not write, that the user has not signed yet.

    Driven from the open rounds (an index holds exactly those), with NOT EXISTS for "unsigned":
    PostgreSQL estimates that well, where a LEFT JOIN ... IS NULL made it hash every signature."""
    roles = policies.signing_roles(user)
    if not roles:
        return SignoffRound.objects.none()
    unsigned = RequiredSignoff.objects.filter(round=OuterRef("pk"), role__in=roles).exclude(
        Exists(Signature.objects.filter(requirement=OuterRef("pk")))
    )
    signed = Signature.objects.filter(round=OuterRef("pk"), signer=user)
    return (
        SignoffRound.objects.filter(
            outcome=SignoffRound.Outcome.OPEN, evaluation__status=Evaluation.Status.SUBMITTED
        )
        .exclude(evaluation__author=user)
        .filter(Exists(unsigned))
        .exclude(Exists(signed))
    )


def awaiting_evaluation_ids(user) -> list[int]:
    """The ids of the evaluations waiting for the user's signature, oldest submission first.

    One narrow query over the open rounds (a partial index holds exactly those): the inbox and
    the dashboard count this list and then load only the rows they show. Paging a join of the
    same conditions makes PostgreSQL sort every waiting evaluation's row for each page."""
    if not policies.signing_roles(user):
        return []
    return list(
        awaiting_rounds(user)
        .order_by("evaluation__submitted_at", "evaluation_id")
        .values_list("evaluation_id", flat=True)
    )


def evaluations_in_order(user, ids: list[int], *fields: str) -> list[Evaluation]:
    """The evaluations with these ids that the user may see, with their vendor, in the order of
    `ids` (only `fields` of them, if named)."""
    rows = evaluations_for_user(user).select_related(None).select_related("vendor", "author")
    if fields:
        rows = rows.select_related(None).select_related("vendor").only(*fields)
    found = rows.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


# The navigation's badge counts up to this many, then says "99+": every page shows it, and an
# exact count of a long queue would cost every page a walk over all of it.
AWAITING_BADGE_LIMIT = 99


def awaiting_signoff_badge(user) -> str | None:
    """The badge: how many evaluations wait for the user's signature ("99+" past the limit);
    None for people who sign for no role. One query that stops after the limit."""
    if not policies.signing_roles(user):
        return None
    count = awaiting_rounds(user).order_by()[: AWAITING_BADGE_LIMIT + 1].count()
    return f"{AWAITING_BADGE_LIMIT}+" if count > AWAITING_BADGE_LIMIT else str(count)


def open_roles_for(user, evaluation: Evaluation, rounds: list[RoundView]) -> list[str]:
    """The roles `user` can still sign for on the evaluation's open round (none if they signed)."""
    if evaluation.status != Evaluation.Status.SUBMITTED or not rounds or rounds[0].round.outcome != "open":
        return []
    current = rounds[0]
    if any(s.signer_id == user.pk for s in current.signatures):
        return []
    unsigned = {r.role for r in current.requirements if r.given is None}
    return [role for role in policies.signing_roles(user, evaluation) if role in unsigned]
